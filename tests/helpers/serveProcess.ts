import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { copyCorpus, tempDir } from "./fixtures.js";
import { closedPort, rawRequest, sleep, type RawResponse } from "./rawHttp.js";

const ROOT = path.resolve(__dirname, "../..");

export interface ServeProcess {
  server: ChildProcess;
  port: number;
  /** What the process has written so far. */
  output: { stdout: string; stderr: string };
  /** Removes the temp folder (the corpus copy and the index). */
  cleanup: () => void;
}

/**
 * `npm start` as a real process (`node --import tsx src/cli/serve.ts`) over a copy of the corpus
 * in a temp folder, on a free port, with no key, no LLM and the rate limit out of reach unless
 * `env` says otherwise. Resolves once `ready` accepts a GET /api/health (by default: a 200).
 */
export async function startServeProcess(
  env: Record<string, string>,
  ready: (health: RawResponse) => boolean = (r) => r.status === 200,
  timeoutMs = 30_000,
): Promise<ServeProcess> {
  const t = tempDir("rag-serve-");
  copyCorpus(t.dir);
  const port = await closedPort();
  const server = spawn(process.execPath, ["--import", "tsx", "src/cli/serve.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      CORPUS_DIR: path.join(t.dir, "corpus"),
      INDEX_DIR: path.join(t.dir, "index"),
      LOG_LEVEL: "silent",
      OPENAI_BASE_URL: "",
      OPENAI_API_KEY: "",
      API_KEY: "",
      RATE_LIMIT_MAX: "100000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  server.stdout!.on("data", (c: Buffer) => (output.stdout += c.toString("utf8")));
  server.stderr!.on("data", (c: Buffer) => (output.stderr += c.toString("utf8")));
  const cleanup = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
    t.cleanup();
  };
  // Health is 503 while the index builds, then 200.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await rawRequest(port, { method: "GET", path: "/api/health", timeoutMs: 1_000 });
    if (ready(r)) break;
    let problem: string | undefined;
    if (server.exitCode !== null) problem = `server exited early with ${server.exitCode}`;
    else if (Date.now() > deadline) problem = `server not ready in ${timeoutMs / 1000} s (last ${r.status} ${r.error ?? r.text.slice(0, 300)})`;
    if (problem) {
      cleanup();
      throw new Error(`${problem}: ${output.stderr.slice(-2000)}`);
    }
    await sleep(100);
  }
  return { server, port, output, cleanup };
}
