/**
 * Shared setup of the browser end-to-end tests: the real app (real index over a copy of corpus/)
 * served in-process on an ephemeral port, and Debian's Chromium driven through playwright-core.
 */
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createParser } from "eventsource-parser";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";
import { loadWordVectorsFor, servicesFromIndex } from "../../src/app.js";
import { parseConfig } from "../../src/config/index.js";
import { createApp } from "../../src/server/app.js";
import { createHttpServer } from "../../src/server/httpServer.js";
import { createLogger } from "../../src/server/logger.js";
import { ensureIndex } from "../../src/store/indexManager.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Screenshots land here (gitignored) as artifacts for review. */
export const ARTIFACTS = path.resolve("test-results/e2e");

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

export interface SseEvent {
  event: string;
  data: unknown;
}

export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (m) => events.push({ event: m.event ?? "message", data: JSON.parse(m.data) as unknown }) });
  parser.feed(text);
  return events;
}

export interface TestServer {
  baseUrl: string;
  close(): Promise<void>;
}

/** Indexes a temporary copy of corpus/ and serves the app and web/ on 127.0.0.1:<ephemeral>. */
export async function startTestServer(): Promise<TestServer> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "iskp-e2e-"));
  let server: Server | undefined;
  try {
    const corpusDir = path.join(tmp, "corpus");
    await cp(path.resolve("corpus"), corpusDir, { recursive: true });
    const config = parseConfig({ CORPUS_DIR: corpusDir, INDEX_DIR: path.join(tmp, "index"), LOG_LEVEL: "silent", PORT: "0" });
    const ensure = await ensureIndex(config);
    // As the server runs it: with the word vectors.
    const services = servicesFromIndex(config, ensure.index, undefined, { wordVectors: await loadWordVectorsFor(config) });
    const app = createApp({ config, state: { services, status: "ok" }, logger: createLogger("silent"), webDir: path.resolve("web") });
    server = await new Promise<Server>((resolve, reject) => {
      const s = createHttpServer(app).listen(0, "127.0.0.1", () => resolve(s));
      s.once("error", reject);
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const running = server;
  return {
    baseUrl: `http://127.0.0.1:${(running.address() as AddressInfo).port}`,
    async close() {
      running.closeAllConnections();
      await new Promise<void>((resolve) => running.close(() => resolve()));
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM}. The e2e tests need a real browser: install it with ` +
        "`apt-get install -y chromium` or point CHROMIUM_PATH at a Chromium/Chrome binary.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync", "--disable-component-update", "--disable-quic"],
  });
}

/** Where a page's console errors, uncaught errors and dialogs are collected. */
export interface PageLog {
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
}

/** A new context and page that records CSP violations (see cspViolations), console errors, page errors and dialogs. */
export async function openPage(browser: Browser, width: number, height: number, log: PageLog): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") log.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => log.pageErrors.push(err.message));
  page.on("dialog", (dialog) => {
    log.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  return { context, page };
}

export async function cspViolations(p: Page): Promise<string[]> {
  return p.evaluate(() => window.__cspViolations ?? []);
}

/** Waits for the side panel's slide-in animation, so geometry and screenshots are final. */
export async function panelSettled(p: Page): Promise<void> {
  await p.locator("#source-panel").evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
}

/** A fresh page at the given size on the app, once it shows the index as ready. */
export async function openAppAt(browser: Browser, baseUrl: string, width: number, height: number, log: PageLog): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await openPage(browser, width, height, log);
  await opened.page.goto(baseUrl);
  await expect.poll(() => opened.page.locator("#status").getAttribute("data-state")).toBe("ok");
  return opened;
}

/** What a test file drives: the served app, the browser and its first page. */
export interface E2eSession {
  app: TestServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/** Starts the test server and Chromium, opens a first page (see openPage) and makes sure ARTIFACTS exists; cleans up what it started if a step fails. */
export async function startSession(width: number, height: number, log: PageLog): Promise<E2eSession> {
  const app = await startTestServer();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const { context, page } = await openPage(browser, width, height, log);
    await mkdir(ARTIFACTS, { recursive: true });
    return { app, browser, context, page };
  } catch (err) {
    await endSession(app, browser);
    throw err;
  }
}

/** Closes the browser (ignoring its errors) and then the test server; either may be missing when the setup failed. */
export async function endSession(app: TestServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close().catch(() => {});
  await app?.close();
}

/** Answers `pattern` with a 429 that asks the page to wait `retryAfter` seconds. */
export async function routeRateLimited(page: Page, pattern: string, retryAfter: number): Promise<void> {
  await page.route(pattern, (route) =>
    route.fulfill({
      status: 429,
      headers: { "Retry-After": String(retryAfter), "Content-Type": "application/json" },
      body: JSON.stringify({ error: { code: "rate_limited", message: "Too many requests." } }),
    }),
  );
}

/** Holds each request `ms` before passing it on, so the page's cancel and stop can be tested while it waits. */
export async function routeDelayed(page: Page, pattern: string, ms: number): Promise<void> {
  await page.route(pattern, async (route) => {
    await new Promise((r) => setTimeout(r, ms));
    await route.continue().catch(() => {});
  });
}

/**
 * Puts `pattern` behind an API key as the server does when API_KEYS is set: 401 unless the
 * request carries `Bearer <key>`. Returns the Authorization header of the latest request.
 */
export async function routeRequiringKey(page: Page, pattern: string, key: string): Promise<() => string | undefined> {
  let authorization: string | undefined;
  await page.route(pattern, async (route) => {
    authorization = route.request().headers()["authorization"];
    if (authorization !== `Bearer ${key}`) {
      await route.fulfill({ status: 401, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ error: { code: "unauthorized", message: "A valid API key is required." } }) });
    } else {
      await route.continue();
    }
  });
  return () => authorization;
}
