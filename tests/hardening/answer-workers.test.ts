import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnswerSchema } from "../../src/answer/types.js";
import { rawRequest, within } from "../helpers/rawHttp.js";
import { startServeProcess } from "../helpers/serveProcess.js";
import { parseSseText } from "../helpers/sse.js";

/**
 * `npm start` with ANSWER_WORKERS=1 as a real process: health reports the worker once it has
 * loaded the index, answers (plain and streamed) come from it, and SIGTERM still exits 0 at once.
 */

let server: ChildProcess;
let port: number;
let output = { stdout: "", stderr: "" };
let cleanup = () => {};

beforeAll(async () => {
  // The index is built first (health 503), then served (200, workers 0), then the worker is ready.
  const started = await startServeProcess(
    { LOG_LEVEL: "info", LOG_FORMAT: "json", ANSWER_WORKERS: "1" },
    (r) => r.status === 200 && (r.json as { answerer?: { workers?: number } }).answerer?.workers === 1,
    45_000,
  );
  ({ server, port, output, cleanup } = started);
}, 60_000);

afterAll(() => cleanup());

const answeredByWorkers = async () =>
  ((await rawRequest(port, { method: "GET", path: "/api/health" })).json as { answerer: { answeredByWorkers: number } }).answerer.answeredByWorkers;

const ask = (question: string, pathName = "/api/ask", headers: Record<string, string> = {}) =>
  rawRequest(port, { method: "POST", path: pathName, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ question }), timeoutMs: 10_000 });

describe("serving with extraction workers", () => {
  it("reports the worker in health and logs that it is ready", async () => {
    const health = (await rawRequest(port, { method: "GET", path: "/api/health" })).json as { answerer: { workers: number; workersPlanned: number } };
    expect(health.answerer).toMatchObject({ workers: 1, workersPlanned: 1 });
    // pino writes asynchronously: the line may follow the health response that reported the worker.
    await expect.poll(() => output.stdout, { timeout: 5_000 }).toMatch(/"workers":1,"reason":"ANSWER_WORKERS=1","heapGrowingPercent":40,"msg":"extraction workers ready"/);
  });

  it("answers from the worker with citations, and abstains where the documents say nothing", async () => {
    const r = await ask("How many fighters does ISKP have?", "/api/ask", { "cache-control": "no-cache" });
    expect(r.status).toBe(200);
    const answer = AnswerSchema.parse(r.json);
    expect(answer.abstained).toBe(false);
    expect(answer.answer).toMatch(/\[1\]/);
    expect(answer.citations.length).toBeGreaterThan(0);
    const off = AnswerSchema.parse((await ask("What is the capital of Australia?")).json);
    expect(off.abstained).toBe(true);
    // Both were computed by the worker: nothing fell back to the main thread.
    expect(output.stdout).not.toMatch(/extraction worker failed/);
    expect(await answeredByWorkers()).toBe(2);
  });

  it("streams an answer computed by the worker: sources, tokens, then done with the same answer", async () => {
    const r = await ask("Who carried out the Crocus City Hall attack?", "/api/ask/stream");
    expect(r.status).toBe(200);
    const events = parseSseText(r.text);
    expect(events.map((e) => e.event)[0]).toBe("sources");
    const done = AnswerSchema.parse(events.at(-1)!.data);
    const tokens = events.filter((e) => e.event === "token").map((e) => (e.data as { delta: string }).delta).join("");
    expect(tokens).toBe(done.answer);
    expect(done.citations.length).toBeGreaterThan(0);
    expect(await answeredByWorkers()).toBe(3);
  });

  it("exits 0 promptly on SIGTERM with its worker running", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    expect(await within(exited, 5_000, "still running")).toBe(0);
  });
});
