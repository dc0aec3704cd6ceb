/**
 * End-to-end test of the chat page: the real app (real index over a copy of corpus/) served
 * in-process on an ephemeral port, driven by Debian's Chromium through playwright-core.
 *
 * Screenshots land in test-results/e2e/ (gitignored) as artifacts for review.
 */
import path from "node:path";
import type { Browser, BrowserContext, Page, Request as PwRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Answer } from "../../src/answer/types.js";
import { ARTIFACTS, cspViolations, endSession, openAppAt, panelSettled, parseSse, routeDelayed, routeRateLimited, routeRequiringKey, startSession, type PageLog, type SseEvent, type TestServer } from "./helpers.js";

let app: TestServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const log: PageLog = { consoleErrors: [], pageErrors: [], dialogs: [] };

declare global {
  interface Window {
    __obs?: { streamingAdded: number; streamingCleared: number; bodyMutations: number };
  }
}

/** Types a question into the composer and presses Enter; resolves with the stream's request and events. */
async function askViaKeyboard(p: Page, question: string): Promise<{ request: PwRequest; events: SseEvent[] }> {
  const before = await p.locator("#conversation article.answer").count();
  const responsePromise = p.waitForResponse((r) => r.url().endsWith("/api/ask/stream") && r.request().method() === "POST");
  await p.locator("#question").fill(question);
  await p.locator("#question").press("Enter");
  const response = await responsePromise;
  expect(response.status()).toBe(200);
  const events = parseSse(await response.text());
  await p.waitForFunction(
    (n) => {
      const answers = document.querySelectorAll("#conversation article.answer");
      return answers.length > n && !answers[answers.length - 1]!.classList.contains("streaming");
    },
    before,
  );
  return { request: response.request(), events };
}

function doneOf(events: SseEvent[]): Answer {
  const done = events.find((e) => e.event === "done");
  expect(done, "the stream ends with a done event").toBeDefined();
  return done!.data as Answer;
}

beforeAll(async () => {
  ({ app, browser, context, page } = await startSession(1280, 860, log));
});

afterAll(() => endSession(app, browser));

describe("chat page (Chromium)", () => {
  it("loads under the strict CSP without console errors and shows the index status", async () => {
    const response = await page.goto(app!.baseUrl, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");

    await expect.poll(() => page.locator("#status").getAttribute("data-state")).toBe("ok");
    expect(await page.locator("#status-text").textContent()).toBe("5 documents · extractive");

    expect(await page.locator("#empty-state").isVisible()).toBe(true);
    expect(await page.locator("button.example").allTextContents()).toContain("How many fighters does ISKP have?");

    // Shift+Enter inserts a newline and sends nothing.
    await page.locator("#question").fill("first line");
    await page.locator("#question").press("Shift+Enter");
    await page.keyboard.type("second line");
    expect(await page.locator("#question").inputValue()).toBe("first line\nsecond line");
    expect(await page.locator("#conversation .turn").count()).toBe(0);
    await page.locator("#question").fill("");

    expect(log.consoleErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("streams a cited answer and opens the cited passage in the side panel", async () => {
    // Record the streaming state from inside the page: the answer is added with the
    // `streaming` class, its body is re-rendered as tokens arrive, then the class is removed.
    await page.evaluate(() => {
      const obs = { streamingAdded: 0, streamingCleared: 0, bodyMutations: 0 };
      window.__obs = obs;
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.type === "childList") {
            for (const node of r.addedNodes) {
              if (node instanceof Element && node.matches("article.answer.streaming")) obs.streamingAdded++;
            }
            if (r.target instanceof Element && r.target.matches(".answer-body")) obs.bodyMutations++;
          } else if (r.type === "attributes" && r.target instanceof Element && r.target.matches("article.answer")) {
            if ((r.oldValue ?? "").split(/\s+/).includes("streaming") && !r.target.classList.contains("streaming")) obs.streamingCleared++;
          }
        }
      }).observe(document.querySelector("#conversation")!, { childList: true, subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["class"] });
    });

    const question = "How many fighters does ISKP have?";
    const { events } = await askViaKeyboard(page, question);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("sources");
    expect(kinds.at(-1)).toBe("done");
    const tokens = events.filter((e) => e.event === "token").map((e) => (e.data as { delta: string }).delta);
    expect(tokens.length).toBeGreaterThan(0);
    const done = doneOf(events);
    expect(tokens.join("")).toBe(done.answer);
    expect(done.abstained).toBe(false);

    const answer = page.locator("#conversation article.answer").last();
    // Every token event reached the page, and the intermediate streaming state existed.
    expect(Number(await answer.getAttribute("data-tokens"))).toBe(tokens.length);
    const obs = await page.evaluate(() => window.__obs!);
    expect(obs.streamingAdded).toBe(1);
    expect(obs.streamingCleared).toBe(1);
    expect(obs.bodyMutations).toBeGreaterThanOrEqual(2); // progressive render(s) + final render
    expect(await answer.getAttribute("aria-busy")).toBeNull();

    expect(await page.locator("#conversation .turn.user .user-text").last().textContent()).toBe(question);
    const answerText = (await answer.locator(".answer-body").textContent()) ?? "";
    expect(answerText).toMatch(/3,000|2,500/);
    expect(answerText).not.toMatch(/\[\d+\]/); // markers became chips

    // "- " lines became a list.
    const bullets = done.answer.split("\n").filter((l) => l.startsWith("- ")).length;
    expect(await answer.locator(".answer-body ul > li").count()).toBe(bullets);

    // Copy puts Markdown with a sources list on the clipboard.
    await answer.locator("button.copy").click();
    await expect.poll(() => answer.locator("button.copy").textContent()).toBe("Copied");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const c1 = done.citations[0]!;
    const meta1 = [c1.author, c1.publisher, c1.date].filter(Boolean).join(", ");
    // A citation inside a compilation is named by its document title and the heading above it.
    const name1 = c1.section && c1.section !== c1.title ? `${c1.title ?? c1.documentId} › ${c1.section}` : (c1.title ?? c1.documentId);
    expect(copied.startsWith(`${done.answer}\n\nSources:\n[1] ${name1}${meta1 ? ` — ${meta1}` : ""} (${c1.documentId})`)).toBe(true);
    expect(copied.split("\n").filter((l) => /^\[\d+\] /.test(l))).toHaveLength(done.citations.length);

    const chips = answer.locator(".answer-body button.chip");
    expect(await chips.count()).toBeGreaterThan(0);
    expect(await chips.first().getAttribute("aria-label")).toMatch(/^Source \d+: .+/);
    expect(await answer.locator(".source-list li").count()).toBe(done.citations.length);

    // Open the first chip with the mouse.
    const chip = chips.first();
    const n = Number(await chip.textContent());
    const cited = done.citations.find((c) => c.n === n)!;
    expect(cited).toBeDefined();
    await chip.click();
    const panel = page.locator("aside#source-panel");
    const mark = panel.locator(".panel-body mark");
    await mark.waitFor({ state: "visible" });
    expect(await panel.isVisible()).toBe(true);
    expect(await panel.getAttribute("role")).toBe("dialog");
    const citedName = cited.section && cited.section !== cited.title ? `${cited.title ?? cited.documentId} › ${cited.section}` : (cited.title ?? cited.documentId);
    expect(await panel.locator("#panel-title").textContent()).toBe(citedName);
    expect(await panel.locator("#panel-kicker").textContent()).toBe(`Source ${n}`);

    const doc = (await (await fetch(`${app!.baseUrl}/api/documents/${encodeURIComponent(cited.documentId)}`)).json()) as { text: string };
    const markText = (await mark.textContent()) ?? "";
    expect(markText).toBe(cited.text);
    expect(doc.text.slice(cited.start, cited.end)).toBe(markText);
    // Inside the passage, the very sentence the chip follows in the answer is underlined.
    const underlined = (await panel.locator(".panel-body mark .cited-quote").textContent()) ?? "";
    expect(underlined.length).toBeGreaterThan(20);
    expect(markText).toContain(underlined);
    expect(done.answer).toContain(`${underlined} [${n}]`);
    expect(await panel.locator(".doc-text").textContent()).toBe(doc.text); // the full document
    expect(await mark.count()).toBe(1);
    // The passage was scrolled into view inside the panel.
    const inView = await mark.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const body = el.closest(".panel-body")!.getBoundingClientRect();
      return box.bottom > body.top && box.top < body.bottom;
    });
    expect(inView).toBe(true);

    await panelSettled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, "chat.png") });

    // Escape closes the panel and returns focus to the chip.
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "hidden" });
    expect(await chip.evaluate((el) => el === document.activeElement)).toBe(true);

    // Keyboard only: the focused chip opens with Enter, the close button closes.
    await page.keyboard.press("Enter");
    await mark.waitFor({ state: "visible" });
    await panel.locator("#panel-close").click();
    await panel.waitFor({ state: "hidden" });
    expect(await chip.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it("marks an off-topic question as not in the documents and sends the history", async () => {
    const { request, events } = await askViaKeyboard(page, "What is the capital of Australia?");
    const body = request.postDataJSON() as { question: string; history?: { role: string; content: string }[] };
    expect(body.history?.map((t) => t.role)).toEqual(["user", "assistant"]);
    expect(body.history?.[0]?.content).toBe("How many fighters does ISKP have?");

    const done = doneOf(events);
    expect(done.abstained).toBe(true);
    const answer = page.locator("#conversation article.answer").last();
    expect(await answer.getAttribute("class")).toContain("abstained");
    expect(await answer.locator(".answer-label").textContent()).toBe("Not in the documents");
    expect(await answer.locator(".suggestions .section-title").textContent()).toBe("Closest passages");
    const chips = answer.locator(".suggestions button.chip");
    expect(await chips.count()).toBe(done.suggestions?.length ?? 0);
    expect(await chips.count()).toBeGreaterThan(0);

    // Abstained answers look different from cited ones.
    const styles = await page.evaluate(() => {
      const [cited, abstained] = [...document.querySelectorAll("#conversation article.answer")].map((el) => getComputedStyle(el));
      return { cited: cited!.borderTopStyle, abstained: abstained!.borderTopStyle };
    });
    expect(styles.abstained).not.toBe(styles.cited);

    await chips.first().click();
    const mark = page.locator("#source-panel mark");
    await mark.waitFor({ state: "visible" });
    expect(await mark.textContent()).toBe(done.suggestions![0]!.text);
    await page.keyboard.press("Escape");
    await page.locator("#source-panel").waitFor({ state: "hidden" });
  });

  it("shows markup in a question literally (no XSS)", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    await askViaKeyboard(page, evil);
    expect(await page.locator("#conversation .turn.user .user-text").last().textContent()).toBe(evil);
    expect(await page.locator("#conversation img").count()).toBe(0);
    expect(await page.locator("img").count()).toBe(0);
    await page.waitForTimeout(200);
    expect(log.dialogs).toEqual([]);
  });

  it("stayed free of console errors and CSP violations, and renders well at 1280 px", async () => {
    expect(log.consoleErrors).toEqual([]);
    expect(log.pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    // The end of the conversation: the abstained answers and the literal markup question.
    await page.evaluate(() => window.scrollTo({ top: document.documentElement.scrollHeight }));
    await page.screenshot({ path: path.join(ARTIFACTS, "chat-conversation.png") });
  });

  it("shows errors: unreachable server, 429 with Retry-After, 400, stream error, and the API-key form for 401", async () => {
    const lastError = page.locator("#conversation .turn.error").last();

    await page.route("**/api/ask/stream", (route) => route.abort("connectionrefused"));
    await page.locator("#question").fill("Unreachable?");
    await page.locator("#question").press("Enter");
    await expect.poll(() => lastError.locator(".error-title").textContent()).toBe("Cannot reach the server");
    // The header says so too, rather than still showing the index as ready.
    expect(await page.locator("#status-text").textContent()).toBe("Server unreachable");
    expect(await page.locator("#status").getAttribute("data-state")).toBe("offline");
    await page.unroute("**/api/ask/stream");

    await routeRateLimited(page, "**/api/ask/stream", 42);
    await page.locator("#question").fill("Rate limited?");
    await page.locator("#question").press("Enter");
    await expect.poll(() => lastError.locator(".error-title").textContent()).toBe("Too many requests — try again in 42 s");
    await page.unroute("**/api/ask/stream");

    await page.route("**/api/ask/stream", (route) =>
      route.fulfill({ status: 200, headers: { "Content-Type": "text/event-stream" }, body: 'event: error\r\ndata: {"error":{"code":"internal_error","message":"The answer could not be completed."}}\r\n\r\n' }),
    );
    await page.locator("#question").fill("Stream error?");
    await page.locator("#question").press("Enter");
    await expect.poll(() => lastError.locator(".error-text").textContent()).toBe("The answer could not be completed.");
    await page.unroute("**/api/ask/stream");

    // A real 400 from the server: its message is shown.
    await page.locator("#question").fill("bad\u0001question");
    await page.locator("#question").press("Enter");
    await expect.poll(() => lastError.locator(".error-text").textContent()).toMatch(/control characters/);

    // 401: the key form appears; the key is stored in sessionStorage and sent as a Bearer token.
    const authorization = await routeRequiringKey(page, "**/api/ask/stream", "e2e-secret-key");
    await page.locator("#question").fill("What happened at Crocus City Hall?");
    await page.locator("#question").press("Enter");
    const keyInput = page.locator("#conversation .key-form input[type=password]");
    await keyInput.waitFor({ state: "visible" });
    expect(await lastError.locator(".error-title").textContent()).toBe("API key required");
    await keyInput.fill("e2e-secret-key");
    await keyInput.press("Enter");
    await expect.poll(() => page.locator("#conversation article.answer").last().getAttribute("class")).toBe("turn answer");
    expect(authorization()).toBe("Bearer e2e-secret-key");
    expect(await page.evaluate(() => sessionStorage.getItem("iskp-rag.apiKey"))).toBe("e2e-secret-key");
    expect(await page.locator("#conversation article.answer").last().locator(".answer-body").textContent()).toMatch(/Crocus City Hall/);
    // The question is shown once, not repeated by the retry.
    expect(await page.locator("#conversation .user-text", { hasText: "Crocus City Hall" }).count()).toBe(1);
    await page.unroute("**/api/ask/stream");

    // Stop aborts a pending request.
    await routeDelayed(page, "**/api/ask/stream", 1500);
    await page.locator("#question").fill("Will be stopped");
    await page.locator("#question").press("Enter");
    await page.locator("#stop").waitFor({ state: "visible" });
    expect(await page.locator("#send").isDisabled()).toBe(true);
    await page.locator("#stop").click();
    await page.locator("#stop").waitFor({ state: "hidden" });
    expect(await page.locator("#send").isDisabled()).toBe(false);
    expect(await page.locator("#conversation .turn.note").last().textContent()).toBe("Stopped.");
    await page.unroute("**/api/ask/stream");

    expect(log.dialogs).toEqual([]);
    expect(log.pageErrors).toEqual([]);
  });

  it("starts a new conversation and works at 360 px wide", async () => {
    await page.close();
    await context?.close();
    log.consoleErrors.length = 0;
    ({ context, page } = await openAppAt(browser!, app!.baseUrl, 360, 780, log));
    await page.screenshot({ path: path.join(ARTIFACTS, "chat-mobile-empty.png") });

    const noHorizontalScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    // An example button asks its question.
    const responsePromise = page.waitForResponse((r) => r.url().endsWith("/api/ask/stream"));
    await page.locator("button.example", { hasText: "Colin Kahl" }).click();
    await responsePromise;
    await page.locator("#conversation article.answer:not(.streaming) .answer-footer").waitFor();
    // The untitled document Colin Kahl is quoted from is named by its opening words, never by its id.
    const sourceNames = await page.locator("#conversation article.answer").last().locator(".source-title").allTextContents();
    expect(sourceNames.some((n) => n.startsWith("There are growing concerns that Islamic State Khorasan"))).toBe(true);
    expect(sourceNames.every((n) => !/^\d{3}_[0-9a-f]{16}$/.test(n))).toBe(true);
    const { request } = await askViaKeyboard(page, "How many fighters does ISKP have?");
    expect((request.postDataJSON() as { history: unknown[] }).history).toHaveLength(2);
    expect(await noHorizontalScroll()).toBe(true);
    await page.evaluate(() => window.scrollTo({ top: document.documentElement.scrollHeight }));
    await page.screenshot({ path: path.join(ARTIFACTS, "chat-mobile.png") });

    // On a narrow screen the panel covers the whole viewport.
    await page.locator("#conversation article.answer").last().locator(".answer-body button.chip").first().click();
    await page.locator("#source-panel mark").waitFor({ state: "visible" });
    await panelSettled(page);
    const box = (await page.locator("#source-panel").boundingBox())!;
    expect(box.x).toBeCloseTo(0, 0);
    expect(box.y).toBeCloseTo(0, 0);
    expect(box.width).toBeCloseTo(360, 0);
    expect(box.height).toBeCloseTo(780, 0);
    await page.screenshot({ path: path.join(ARTIFACTS, "chat-mobile-panel.png") });
    await page.keyboard.press("Escape");
    await page.locator("#source-panel").waitFor({ state: "hidden" });

    // New conversation clears the turns and the history.
    await page.locator("#new-conversation").click();
    expect(await page.locator("#conversation .turn").count()).toBe(0);
    expect(await page.locator("#empty-state").isVisible()).toBe(true);
    const fresh = await askViaKeyboard(page, "What happened at Crocus City Hall?");
    expect((fresh.request.postDataJSON() as { history: unknown[] }).history).toEqual([]);
    // Asked again in a new conversation, it comes from the cache, and the footer says so
    // rather than give the lookup's time.
    await page.locator("#new-conversation").click();
    await askViaKeyboard(page, "What happened at Crocus City Hall?");
    expect(await page.locator("#conversation .answer-facts").last().textContent()).toMatch(/^Extractive · cached answer/);

    // A paste past the limit is cut by the textarea: the hint, shown even on a narrow screen
    // once near the limit, says so; below the limit it counts.
    const hint = page.locator("#composer-hint");
    expect(await hint.isVisible()).toBe(false);
    await page.locator("#question").fill("x".repeat(1850));
    expect(await hint.textContent()).toBe("1,850 of 2,000 characters");
    await page.locator("#question").fill("");
    await page.locator("#question").focus();
    await page.keyboard.insertText("y".repeat(2500));
    expect(await page.locator("#question").inputValue()).toHaveLength(2000);
    expect(await hint.isVisible()).toBe(true);
    expect(await hint.textContent()).toBe("2,000 characters at most: a longer paste is cut off");
    await page.locator("#question").fill("");
    expect(await hint.isVisible()).toBe(false);

    expect(log.consoleErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });
});
