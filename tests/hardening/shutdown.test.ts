import type { ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnswerSchema } from "../../src/answer/types.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fakeOpenAI.js";
import { rawRequest, sleep, within } from "../helpers/rawHttp.js";
import { startServeProcess } from "../helpers/serveProcess.js";
import { parseSseText } from "../helpers/sse.js";

/**
 * `npm start` as a real process: SIGTERM while an answer is streaming stops new connections at
 * once, lets the in-flight answer finish with its `done` event, and exits 0 — without waiting for
 * the 10 s fallback that cuts connections which never end.
 */

const ANSWER = "ISKP is estimated to have between 1,000 and 3,000 fighters [1]. Other estimates differ [2].";

let fake: FakeOpenAI;
let server: ChildProcess;
let port: number;
let output = { stdout: "", stderr: "" };
/** Measured by the first test: from the end of the in-flight answer to the process's exit. */
let exitAfterDoneMs: number | null = null;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  // About 1.2 s of streaming: 3-character pieces, 40 ms apart.
  fake = await startFakeOpenAI(() => ({ kind: "reply", text: ANSWER, pieceSize: 3, delayMs: 40 }));
  const started = await startServeProcess({ OPENAI_BASE_URL: fake.baseURL, LLM_TIMEOUT_MS: "10000", LLM_MAX_RETRIES: "0" });
  cleanups.push(started.cleanup);
  ({ server, port } = started);
  output = started.output;
});

afterAll(async () => {
  await fake?.close();
  for (const c of cleanups.reverse()) c();
});

/** Resolves true when a TCP connection to the port is refused. */
function refused(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

describe("graceful shutdown", () => {
  it("SIGTERM: new connections refused, the streaming answer completes with done, exit code 0", async () => {
    expect(await refused()).toBe(false);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      server.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
    );

    // A keep-alive client, as browsers are: the server must still let go of the connection.
    const agent = new http.Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const payload = JSON.stringify({ question: "How many fighters does ISKP have?" });
    let body = "";
    let firstToken!: () => void;
    const tokenSeen = new Promise<void>((resolve) => (firstToken = resolve));
    const streamed = new Promise<{ status: number; body: string; endedAt: number }>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, method: "POST", path: "/api/ask/stream", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } },
        (res) => {
          res.on("data", (c: Buffer) => {
            body += c.toString("utf8");
            if (body.includes("event: token")) firstToken();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, endedAt: performance.now() }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });

    expect(await within(tokenSeen.then(() => true), 10_000, false)).toBe(true);
    const sigtermAt = performance.now();
    server.kill("SIGTERM");

    // New connections are refused soon after, while the answer is still streaming.
    let refusedAt: number | null = null;
    for (let i = 0; i < 40 && refusedAt === null; i++) {
      if (await refused()) refusedAt = performance.now();
      else await sleep(25);
    }
    expect(refusedAt, "new connections still accepted 1 s after SIGTERM").not.toBeNull();
    const stillStreaming = !body.includes("event: done");
    const httpAttempt = await rawRequest(port, { method: "GET", path: "/api/health", timeoutMs: 1_000 });
    expect(httpAttempt.status).toBe(0);
    expect(httpAttempt.error).toMatch(/ECONNREFUSED/);

    const done = await within(streamed, 15_000, null);
    expect(done, "the in-flight stream did not finish").not.toBeNull();
    expect(done!.status).toBe(200);
    const events = parseSseText(done!.body);
    expect(events[0]?.event).toBe("sources");
    expect(events.at(-1)?.event).toBe("done");
    expect(events.some((e) => e.event === "error")).toBe(false);
    const answer = AnswerSchema.parse(events.at(-1)?.data);
    expect(answer.mode).toBe("llm");
    const tokens = events.filter((e) => e.event === "token").map((e) => (e.data as { delta: string }).delta).join("");
    expect(tokens).toBe(ANSWER);
    expect(answer.answer).toContain("1,000 and 3,000");

    const exit = await within(exited, 12_000, null);
    expect(exit, `the server did not exit; stderr: ${output.stderr}`).not.toBeNull();
    expect(exit!.signal).toBeNull();
    expect(exit!.code, output.stderr).toBe(0);
    // Before the 10 s fallback that cuts connections which never end.
    expect(exit!.at - sigtermAt).toBeLessThan(10_000);
    exitAfterDoneMs = exit!.at - done!.endedAt;
    console.log(
      `[closing note] shutdown: SIGTERM mid-stream -> new connections refused after ${Math.round(refusedAt! - sigtermAt)} ms` +
        ` (stream still running: ${stillStreaming}), stream finished with done ${Math.round(done!.endedAt - sigtermAt)} ms after SIGTERM,` +
        ` exit code ${exit!.code} ${Math.round(exit!.at - sigtermAt)} ms after SIGTERM (${Math.round(exitAfterDoneMs)} ms after the last response)`,
    );
  }, 45_000);

  it("exits promptly once the last in-flight response is done, even when its client keeps the connection alive", () => {
    // serve.ts calls server.closeIdleConnections() once, at SIGTERM, while the stream is active;
    // the connection becomes idle only when the answer is done, and then holds server.close()
    // open until keepAliveTimeout (5 s) expires.
    expect(exitAfterDoneMs, "the previous test did not measure the exit").not.toBeNull();
    expect(exitAfterDoneMs!).toBeLessThan(2_000);
  });
});
