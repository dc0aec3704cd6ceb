/**
 * End-to-end test of the Briefing view: the Chat/Briefing tabs, a briefing prepared from a topic
 * (sections with citation chips, timeline, disagreements, sources), the shared source panel,
 * the Markdown download and copy, errors, and the chat still working after switching back.
 *
 * Screenshots land in test-results/e2e/ (gitignored) as artifacts for review.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Briefing } from "../../src/briefing/types.js";
import { ARTIFACTS, cspViolations, endSession, openAppAt, panelSettled, parseSse, routeDelayed, routeRateLimited, routeRequiringKey, startSession, type PageLog, type TestServer } from "./helpers.js";

const TOPIC = "IS-K external operations";

let app: TestServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const log: PageLog = { consoleErrors: [], pageErrors: [], dialogs: [] };
let briefing: Briefing;
let chatTurnsBefore = 0;

type Source = Briefing["sources"][number];

/** The panel's title for a source: "Title › Section", or the document id when there is no title. */
function sourceName(s: Source): string {
  const title = s.title?.trim() ? s.title.trim() : s.documentId;
  const section = s.section?.trim();
  return section && section !== title ? `${title} › ${section}` : title;
}

function sourceOf(b: Briefing, n: number): Source {
  const source = b.sources.find((s) => s.n === n);
  expect(source, `source [${n}] is listed`).toBeDefined();
  return source!;
}

/** Types a topic, presses Enter, and resolves with the briefing the server sent once it is rendered. */
async function prepareViaKeyboard(p: Page, topic: string): Promise<Briefing> {
  const responsePromise = p.waitForResponse((r) => r.url().endsWith("/api/briefing") && r.request().method() === "POST");
  await p.locator("#topic").fill(topic);
  await p.locator("#topic").press("Enter");
  const response = await responsePromise;
  expect(response.status()).toBe(200);
  const body = (await response.json()) as Briefing;
  await p.locator("#briefing-output article.briefing:not(.briefing-loading)").waitFor();
  return body;
}

/** Asks a chat question with the keyboard; resolves with the request body once the answer is complete. */
async function askViaKeyboard(p: Page, question: string): Promise<{ history?: unknown[]; answer: string }> {
  const before = await p.locator("#conversation article.answer").count();
  const responsePromise = p.waitForResponse((r) => r.url().endsWith("/api/ask/stream") && r.request().method() === "POST");
  await p.locator("#question").fill(question);
  await p.locator("#question").press("Enter");
  const response = await responsePromise;
  expect(response.status()).toBe(200);
  const done = parseSse(await response.text()).find((e) => e.event === "done");
  expect(done, "the stream ends with a done event").toBeDefined();
  await p.waitForFunction(
    (n) => {
      const answers = document.querySelectorAll("#conversation article.answer");
      return answers.length > n && !answers[answers.length - 1]!.classList.contains("streaming");
    },
    before,
  );
  const body = response.request().postDataJSON() as { history?: unknown[] };
  return { history: body.history, answer: (done!.data as { answer: string }).answer };
}

/** Opens a chip (or source link) and checks the panel shows the cited passage of `source`, highlighted. */
async function expectPanelFor(p: Page, source: Source): Promise<void> {
  const panel = p.locator("aside#source-panel");
  const mark = panel.locator(".panel-body mark");
  await mark.waitFor({ state: "visible" });
  expect(await panel.locator("#panel-kicker").textContent()).toBe(`Source ${source.n}`);
  expect(await panel.locator("#panel-title").textContent()).toBe(sourceName(source));
  expect(await mark.count()).toBe(1);
  expect(await mark.textContent()).toBe(source.text);
}

async function closePanel(p: Page): Promise<void> {
  await p.keyboard.press("Escape");
  await p.locator("#source-panel").waitFor({ state: "hidden" });
}

const noHorizontalScroll = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

beforeAll(async () => {
  ({ app, browser, context, page } = await startSession(1280, 860, log));
});

afterAll(() => endSession(app, browser));

describe("briefing view (Chromium)", () => {
  it("starts on the chat, which answers a question", async () => {
    const response = await page.goto(app!.baseUrl, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator("#status").getAttribute("data-state")).toBe("ok");
    expect(await page.locator("#chat-view").isVisible()).toBe(true);
    expect(await page.locator("#briefing-view").isVisible()).toBe(false);

    const { answer } = await askViaKeyboard(page, "How many fighters does ISKP have?");
    expect(answer).toMatch(/3,000|2,500/);
    chatTurnsBefore = await page.locator("#conversation .turn").count();
    expect(chatTurnsBefore).toBe(2);
  });

  it("switches between Chat and Briefing with ARIA tabs, by keyboard and mouse", async () => {
    const tablist = page.locator("[role=tablist]");
    expect(await tablist.getAttribute("aria-label")).toBe("View");
    const tabs = tablist.locator("[role=tab]");
    expect(await tabs.allTextContents()).toEqual(["Chat", "Briefing"]);
    const chatTab = page.locator("#tab-chat");
    const briefingTab = page.locator("#tab-briefing");

    // Each tab controls a tabpanel labelled by it.
    for (const tab of [chatTab, briefingTab]) {
      const panelId = (await tab.getAttribute("aria-controls"))!;
      const panel = page.locator(`#${panelId}`);
      expect(await panel.getAttribute("role")).toBe("tabpanel");
      expect(await panel.getAttribute("aria-labelledby")).toBe(await tab.getAttribute("id"));
    }

    const selected = async () => ({
      chat: await chatTab.getAttribute("aria-selected"),
      briefing: await briefingTab.getAttribute("aria-selected"),
      tabindex: [await chatTab.getAttribute("tabindex"), await briefingTab.getAttribute("tabindex")],
      chatVisible: await page.locator("#chat-view").isVisible(),
      briefingVisible: await page.locator("#briefing-view").isVisible(),
      focused: await page.evaluate(() => document.activeElement?.id ?? null),
    });

    // Roving tabindex: only the selected tab is in the Tab order.
    expect((await selected()).tabindex).toEqual(["0", "-1"]);

    await chatTab.focus();
    await page.keyboard.press("ArrowRight");
    expect(await selected()).toEqual({ chat: "false", briefing: "true", tabindex: ["-1", "0"], chatVisible: false, briefingVisible: true, focused: "tab-briefing" });
    expect(await page.locator("#skip-link").textContent()).toBe("Skip to the topic box");
    expect(await page.locator("#new-conversation").isVisible()).toBe(false);

    await page.keyboard.press("ArrowLeft");
    expect(await selected()).toEqual({ chat: "true", briefing: "false", tabindex: ["0", "-1"], chatVisible: true, briefingVisible: false, focused: "tab-chat" });
    await page.keyboard.press("End");
    expect((await selected()).briefing).toBe("true");
    await page.keyboard.press("Home");
    expect((await selected()).chat).toBe("true");
    await page.keyboard.press("ArrowLeft"); // wraps around
    expect((await selected()).briefing).toBe("true");
    await page.keyboard.press("ArrowRight");
    expect((await selected()).chat).toBe("true");
    // The conversation is intact.
    expect(await page.locator("#conversation .turn").count()).toBe(chatTurnsBefore);

    await briefingTab.click();
    expect((await selected()).briefingVisible).toBe(true);
    // Tab from the tabs reaches the topic box (the chat's "New conversation" is hidden here).
    await briefingTab.focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("topic");

    expect(await page.locator("#max-points").inputValue()).toBe("10");
    expect(await page.locator("#max-points option").allTextContents()).toEqual(Array.from({ length: 18 }, (_, i) => String(i + 3)));

    // An empty topic is not sent.
    let requests = 0;
    const count = (r: { url(): string }) => {
      if (r.url().endsWith("/api/briefing")) requests++;
    };
    page.on("request", count);
    await page.locator("#topic").fill("   ");
    await page.locator("#topic").press("Enter");
    expect(await page.locator("#topic-error").textContent()).toBe("Enter a topic for the briefing.");
    expect(await page.locator("#topic").getAttribute("aria-invalid")).toBe("true");
    await page.waitForTimeout(150);
    page.off("request", count);
    expect(requests).toBe(0);
  });

  it("prepares a briefing: loading state, then sections with chips, a timeline, disagreements and sources", async () => {
    // Slow the request a little so the loading state can be seen.
    await page.route("**/api/briefing", async (route) => {
      await new Promise((r) => setTimeout(r, 700));
      await route.continue().catch(() => {});
    });
    const responsePromise = page.waitForResponse((r) => r.url().endsWith("/api/briefing"));
    await page.locator("#topic").fill(TOPIC);
    await page.locator("#topic").press("Enter");
    await page.locator("#briefing-output .briefing-loading").waitFor({ state: "visible" });
    expect(await page.locator("#topic-error").isVisible()).toBe(false);
    expect(await page.locator("#briefing-submit").isDisabled()).toBe(true);
    expect(await page.locator("#briefing-submit").textContent()).toBe("Preparing…");
    expect(await page.locator("#briefing-cancel").isVisible()).toBe(true);
    expect(await page.locator("#briefing-output").getAttribute("aria-busy")).toBe("true");
    expect(await page.locator("#briefing-output .briefing-pending q").textContent()).toBe(TOPIC);

    const response = await responsePromise;
    expect(response.status()).toBe(200);
    expect(response.request().postDataJSON()).toEqual({ topic: TOPIC, maxPoints: 10 });
    briefing = (await response.json()) as Briefing;
    await page.unroute("**/api/briefing");
    const view = page.locator("#briefing-output article.briefing:not(.briefing-loading)");
    await view.waitFor();
    expect(await page.locator("#briefing-submit").isDisabled()).toBe(false);
    expect(await page.locator("#briefing-cancel").isVisible()).toBe(false);
    expect(await page.locator("#briefing-status").textContent()).toMatch(/^Briefing ready: \d+ key points?, \d+ timeline entr(y|ies), \d+ sources?\.$/);

    // Header: title (focused, so it is read first), time, mode.
    expect(briefing.title).toContain(TOPIC);
    const title = view.locator(".briefing-title");
    expect(await title.textContent()).toBe(briefing.title);
    expect(await title.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await view.locator(".briefing-meta time").getAttribute("datetime")).toBe(briefing.generatedAt);
    expect(await view.locator(".briefing-meta time").textContent()).toMatch(/^Generated \d{1,2} \w{3} \d{4}/);
    expect(await view.locator(".mode-badge").textContent()).toBe(briefing.mode === "llm" ? "LLM" : "Extractive");
    expect(await view.locator(".briefing-warnings li").count()).toBe(briefing.warnings.length);

    // Sections: headings and bullet points, every [n] a chip.
    const sections = briefing.sections.filter((s) => s.points.length > 0);
    expect(sections.length).toBeGreaterThan(0);
    expect(await view.locator(".brief-section-title").allTextContents()).toEqual(sections.map((s) => s.heading));
    const points = sections.flatMap((s) => s.points);
    const items = view.locator(".brief-point");
    expect(await items.count()).toBe(points.length);
    for (let i = 0; i < points.length; i++) {
      const item = items.nth(i);
      const chipNumbers = (await item.locator("button.chip").allTextContents()).map(Number);
      expect(chipNumbers).toEqual(points[i]!.citations);
      // The text, then the chip numbers; no literal [n] markers.
      expect(await item.textContent()).toBe(`${points[i]!.text} ${points[i]!.citations.join("")}`);
    }
    const pointChips = view.locator(".brief-point button.chip");
    expect(await pointChips.count()).toBeGreaterThan(0);
    expect(await pointChips.first().getAttribute("aria-label")).toMatch(/^Source \d+: .+/);

    // Timeline: dated entries, "inferred" badges where inferred, chips.
    expect(briefing.timeline.length).toBeGreaterThan(0);
    const entries = view.locator(".timeline .tl-item");
    expect(await entries.count()).toBe(briefing.timeline.length);
    const firstDate = entries.first().locator("time.tl-date");
    expect(await firstDate.getAttribute("datetime")).toBe(briefing.timeline[0]!.date);
    expect(((await firstDate.textContent()) ?? "").trim()).not.toBe("");
    expect(await view.locator(".timeline .badge-inferred").count()).toBe(briefing.timeline.filter((e) => e.inferred).length);
    const dated = briefing.timeline.findIndex((e) => e.precision === "day");
    if (dated >= 0) expect(await entries.nth(dated).locator("time").textContent()).toMatch(/^\d{1,2} \w{3} \d{4}$/);
    for (let i = 0; i < briefing.timeline.length; i++) {
      expect(await entries.nth(i).locator(".tl-event").textContent()).toBe(`${briefing.timeline[i]!.event} ${briefing.timeline[i]!.citations.join("")}`);
    }

    // Where sources disagree: each claim with value, quote and chip.
    expect(briefing.disagreements.length).toBeGreaterThan(0);
    const block = view.locator(".brief-disagreements");
    expect(await block.locator(".brief-block-title").textContent()).toMatch(/^Where sources disagree/);
    const disagreements = block.locator(".disagreement");
    expect(await disagreements.count()).toBe(briefing.disagreements.length);
    const first = briefing.disagreements[0]!;
    expect(await disagreements.first().locator(".disagreement-about").textContent()).toBe(first.about);
    const claims = disagreements.first().locator(".claim");
    expect(await claims.count()).toBe(first.claims.length);
    expect(await claims.locator(".claim-value").allTextContents()).toEqual(first.claims.map((c) => c.value));
    expect(await claims.locator(".claim-quote").allTextContents()).toEqual(first.claims.map((c) => c.text));
    expect((await claims.locator("button.chip").allTextContents()).map(Number)).toEqual(first.claims.map((c) => c.n));
    // Side by side on a wide screen.
    const boxes = await Promise.all([claims.nth(0).boundingBox(), claims.nth(1).boundingBox()]);
    expect(boxes[1]!.y).toBeCloseTo(boxes[0]!.y, 0);
    expect(boxes[1]!.x).toBeGreaterThan(boxes[0]!.x + boxes[0]!.width - 1);

    // A numbered sources list.
    const sourceItems = view.locator(".brief-sources li");
    expect(await sourceItems.count()).toBe(briefing.sources.length);
    expect(await sourceItems.locator(".source-n").allTextContents()).toEqual(briefing.sources.map((s) => String(s.n)));

    // Nothing was parsed as HTML.
    expect(await page.locator("img").count()).toBe(0);

    await page.evaluate(() => window.scrollTo({ top: 0 }));
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing.png") });
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing-full.png"), fullPage: true });
  });

  it("opens a cited passage in the side panel from point, timeline, claim and source list", async () => {
    const view = page.locator("#briefing-output article.briefing");

    // A point's chip, with the mouse: the passage is highlighted and the point's sentence marked inside it.
    const chip = view.locator(".brief-point button.chip").first();
    const n = Number(await chip.textContent());
    const source = sourceOf(briefing, n);
    await chip.click();
    await expectPanelFor(page, source);
    const point = briefing.sections.flatMap((s) => s.points).find((p) => p.citations.includes(n))!;
    if (point.text.length < source.text.length) expect(await page.locator("#source-panel mark .cited-quote").textContent()).toBe(point.text);
    const doc = (await (await fetch(`${app!.baseUrl}/api/documents/${encodeURIComponent(source.documentId)}`)).json()) as { text: string };
    expect(await page.locator("#source-panel .doc-text").textContent()).toBe(doc.text);
    expect(doc.text.slice(source.start, source.end)).toBe(source.text);
    await panelSettled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing-panel.png") });
    // Escape closes it and gives focus back to the chip.
    await closePanel(page);
    expect(await chip.evaluate((el) => el === document.activeElement)).toBe(true);

    // A timeline chip, by keyboard.
    const tlChip = view.locator(".timeline button.chip").last();
    await tlChip.focus();
    await page.keyboard.press("Enter");
    await expectPanelFor(page, sourceOf(briefing, Number(await tlChip.textContent())));
    await closePanel(page);
    expect(await tlChip.evaluate((el) => el === document.activeElement)).toBe(true);

    // A claim's chip.
    const claimChip = view.locator(".claim button.chip").nth(1);
    await claimChip.click();
    await expectPanelFor(page, sourceOf(briefing, Number(await claimChip.textContent())));
    await page.locator("#panel-close").click();
    await page.locator("#source-panel").waitFor({ state: "hidden" });

    // An entry of the sources list.
    const last = briefing.sources.at(-1)!;
    await view.locator(".brief-sources button.source-link").last().click();
    await expectPanelFor(page, last);
    await closePanel(page);

    // The contents links jump to their block.
    await view.locator(".briefing-toc a", { hasText: "Where sources disagree" }).click();
    const heading = view.locator(".brief-disagreements .brief-block-title");
    expect(await heading.evaluate((el) => el === document.activeElement)).toBe(true);
    const top = await heading.evaluate((el) => el.getBoundingClientRect().top);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(300);
    expect(await page.evaluate(() => location.hash)).toBe("");
  });

  it("downloads the briefing as a .md file and copies the Markdown", async () => {
    const view = page.locator("#briefing-output article.briefing");
    const [download] = await Promise.all([page.waitForEvent("download"), view.getByRole("button", { name: "Download .md" }).click()]);
    expect(download.suggestedFilename()).toBe("briefing-is-k-external-operations.md");
    const file = await readFile((await download.path())!, "utf8");
    expect(file.startsWith("# ")).toBe(true);
    expect(file.split("\n")[0]).toBe(`# ${briefing.title}`);
    expect(file).toContain("[1]");
    expect(file).toBe(briefing.markdown);

    const copy = view.locator("button.copy-md");
    expect(await copy.textContent()).toBe("Copy Markdown");
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(briefing.markdown);
  });

  it("stayed free of console errors and CSP violations", async () => {
    expect(log.consoleErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    expect(log.dialogs).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("switches back to the chat with the conversation intact, and the chat still works", async () => {
    await page.locator("#tab-chat").click();
    expect(await page.locator("#chat-view").isVisible()).toBe(true);
    expect(await page.locator("#briefing-view").isVisible()).toBe(false);
    expect(await page.locator("#conversation .turn").count()).toBe(chatTurnsBefore);
    expect(await page.locator("#conversation .user-text").first().textContent()).toBe("How many fighters does ISKP have?");
    expect(await page.locator("#empty-state").isVisible()).toBe(false);

    const { history, answer } = await askViaKeyboard(page, "What happened at Crocus City Hall?");
    expect(history).toHaveLength(2); // the first exchange is still the context
    expect(answer).toMatch(/Crocus City Hall/);
    const last = page.locator("#conversation article.answer").last();
    expect(await last.locator(".answer-body button.chip").count()).toBeGreaterThan(0);
    // The chat's own chips still open the panel.
    await last.locator(".answer-body button.chip").first().click();
    await page.locator("#source-panel mark").waitFor({ state: "visible" });
    await closePanel(page);

    // And the briefing is still there when coming back.
    await page.locator("#tab-briefing").click();
    expect(await page.locator("#briefing-output .briefing-title").textContent()).toBe(briefing.title);
    expect(log.consoleErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("shows errors in the view: 400, 429, unreachable, the API-key form for 401; Cancel restores the briefing", async () => {
    const error = page.locator("#briefing-output .turn.error");

    // A real 400 from the server: its message is shown.
    await page.locator("#topic").fill("bad\u0001topic");
    await page.locator("#topic").press("Enter");
    await expect.poll(() => error.locator(".error-title").textContent()).toBe("The topic was not accepted");
    expect(await error.locator(".error-text").textContent()).toMatch(/control characters/);
    expect(await error.getAttribute("role")).toBe("alert");

    await routeRateLimited(page, "**/api/briefing", 42);
    await page.locator("#topic").fill(TOPIC);
    await page.locator("#topic").press("Enter");
    await expect.poll(() => error.locator(".error-title").textContent()).toBe("Too many requests — try again in 42 s");
    await page.unroute("**/api/briefing");

    await page.route("**/api/briefing", (route) => route.abort("connectionrefused"));
    await page.locator("#topic").press("Enter");
    await expect.poll(() => error.locator(".error-title").textContent()).toBe("Cannot reach the server");
    await page.unroute("**/api/briefing");
    // Retry prepares it once the server answers.
    await error.getByRole("button", { name: "Retry" }).click();
    await page.locator("#briefing-output article.briefing:not(.briefing-loading)").waitFor();
    expect(await page.locator("#briefing-output .briefing-title").textContent()).toBe(briefing.title);

    // 401: the key form; the key is kept in sessionStorage and sent as a Bearer token.
    const authorization = await routeRequiringKey(page, "**/api/briefing", "e2e-secret-key");
    await page.locator("#topic").fill("Kabul airport attack");
    await page.locator("#topic").press("Enter");
    const keyInput = page.locator("#briefing-output .key-form input[type=password]");
    await keyInput.waitFor({ state: "visible" });
    expect(await error.locator(".error-title").textContent()).toBe("API key required");
    expect(await keyInput.evaluate((el) => el === document.activeElement)).toBe(true);
    await keyInput.fill("e2e-secret-key");
    await keyInput.press("Enter");
    await expect.poll(() => page.locator("#briefing-output .briefing-title").textContent()).toBe("Briefing: Kabul airport attack");
    expect(authorization()).toBe("Bearer e2e-secret-key");
    expect(await page.evaluate(() => sessionStorage.getItem("iskp-rag.apiKey"))).toBe("e2e-secret-key");
    await page.unroute("**/api/briefing");

    // Cancel aborts a pending request and puts the previous briefing back.
    await routeDelayed(page, "**/api/briefing", 1500);
    await page.locator("#topic").fill("Will be cancelled");
    await page.locator("#topic").press("Enter");
    await page.locator("#briefing-cancel").waitFor({ state: "visible" });
    await page.locator("#briefing-cancel").click();
    await page.locator("#briefing-cancel").waitFor({ state: "hidden" });
    expect(await page.locator("#briefing-output .briefing-title").textContent()).toBe("Briefing: Kabul airport attack");
    expect(await page.locator("#briefing-status").textContent()).toBe("Cancelled.");
    expect(await page.locator("#briefing-submit").isDisabled()).toBe(false);
    await page.unroute("**/api/briefing");

    // Markup in a topic comes back in the title and warnings: shown literally.
    const evil = "<img src=x onerror=alert(1)>";
    const b = await prepareViaKeyboard(page, evil);
    expect(await page.locator("#briefing-output .briefing-title").textContent()).toBe(b.title);
    expect(b.title).toContain(evil);
    expect(await page.locator("#briefing-output .briefing-warnings li").allTextContents()).toEqual(b.warnings);
    if (b.sections.every((s) => s.points.length === 0)) expect(await page.locator("#briefing-output .brief-key-points .brief-empty").isVisible()).toBe(true);
    expect(await page.locator("img").count()).toBe(0);
    await page.waitForTimeout(200);
    expect(log.dialogs).toEqual([]);

    expect(log.pageErrors).toEqual([]);
    // The only console errors are the browser's own reports of the refused/failed requests above.
    expect(log.consoleErrors.filter((m) => !/Failed to load resource/.test(m))).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("works at 360 px wide", async () => {
    await page.close();
    await context?.close();
    log.consoleErrors.length = 0;
    ({ context, page } = await openAppAt(browser!, app!.baseUrl, 360, 780, log));

    // The header (brand, tabs, status) fits.
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.locator("#tab-briefing").click();
    expect(await page.locator("#briefing-view").isVisible()).toBe(true);
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing-mobile-empty.png") });

    const b = await prepareViaKeyboard(page, TOPIC);
    expect(b.title).toBe(briefing.title);
    expect(await noHorizontalScroll(page)).toBe(true);
    const view = page.locator("#briefing-output article.briefing");
    // Everything stays inside the viewport.
    const overflow = await view.evaluate((root) => [...root.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5).map((el) => el.className));
    expect(overflow).toEqual([]);
    await view.locator(".briefing-head").evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.evaluate(() => window.scrollBy(0, -80));
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing-mobile.png") });
    await view.locator(".brief-timeline").evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.evaluate(() => window.scrollBy(0, -70));
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing-mobile-timeline.png") });
    await view.locator(".brief-disagreements").evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.evaluate(() => window.scrollBy(0, -70));
    await page.screenshot({ path: path.join(ARTIFACTS, "briefing-mobile-disagreements.png") });

    // The panel covers the whole viewport.
    const chip = view.locator(".brief-point button.chip").first();
    await chip.click();
    await expectPanelFor(page, sourceOf(b, Number(await chip.textContent())));
    await panelSettled(page);
    const box = (await page.locator("#source-panel").boundingBox())!;
    expect(box.x).toBeCloseTo(0, 0);
    expect(box.width).toBeCloseTo(360, 0);
    expect(box.height).toBeCloseTo(780, 0);
    await closePanel(page);
    expect(await chip.evaluate((el) => el === document.activeElement)).toBe(true);

    expect(log.consoleErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });
});
