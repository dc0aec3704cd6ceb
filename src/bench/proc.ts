import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** Project root: the bench runs from it (`npm run bench`), and children are started in it. */
export const ROOT = process.cwd();

/** The bench's child entry point (see child.ts). */
export const CHILD = path.join(ROOT, "src", "bench", "child.ts");

/** Compiles dist/serve.js the way `npm start` does (esbuild, about 0.2 s). */
export function buildServer(): void {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
}

/** Starts `node --import tsx <script> ...args` in the project root, with an IPC channel. */
export function spawnTsx(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "silent", ...options.env },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
}

/** A message a bench child sends: progress while it works, then its result. */
export type ChildMessage<T> = { type: "progress"; phase: string; done: number; total: number; ms: number } | { type: "result"; result: T };

/**
 * Runs a bench child to completion and resolves with the result it sent over IPC. Rejects
 * with its stderr when it fails, or when it exceeds `timeoutMs` (it is killed; the error says
 * how far it had got).
 */
export function runChild<T>(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; timeoutMs: number },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawnTsx(CHILD, args, options);
    let result: { value: T } | undefined;
    let progress: Extract<ChildMessage<T>, { type: "progress" }> | undefined;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on("message", (m: ChildMessage<T>) => {
      if (m.type === "result") result = { value: m.result };
      else progress = m;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
      const where = progress ? `; it was in phase "${progress.phase}" at ${progress.done}/${progress.total} after ${Math.round(progress.ms / 1000)} s` : "";
      reject(new Error(`bench child ${args[0]} stopped at the ${Math.round(options.timeoutMs / 1000)} s limit${where}`));
    }, options.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result.value);
      else if (!timedOut) reject(new Error(`bench child ${args[0]} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split("\n").slice(-5).join(" | ")}`));
    });
  });
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident and peak resident memory of a process (Linux /proc), in MB; null elsewhere. */
export function procMemory(pid: number | "self" = "self"): { rssMb: number; peakRssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    const rss = kb("VmRSS");
    const hwm = kb("VmHWM");
    if (!Number.isFinite(rss)) return null;
    return { rssMb: round(rss / 1024, 1), peakRssMb: round(hwm / 1024, 1) };
  } catch {
    return null;
  }
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Node flags of the production server, as `npm start` runs it (package.json; a test keeps the
 * two equal).
 *  - 8 MB young-generation semi-spaces (Node's default is 16): on cold asks at 16 connections
 *    4 MB lost a third of the throughput to scavenges (449 against 672 req/s with 16 MB), while
 *    16 MB peaked at 264 MB RSS under 64 concurrent asks; 8 MB peaked at 233 MB.
 *  - An old space of at most 2000 MB. Under load most of the server's RSS was garbage: each
 *    scavenge promoted a third of each request's objects (Express's per-request prototype swap,
 *    which createHttpServer now avoids), and with no limit (this machine has
 *    24 GB) V8 lets the old space grow to about four times what is live (35 MB) before
 *    collecting it. Below 2 GB it lets it grow by about twice: peak RSS under new questions at
 *    64 connections fell from 245-270 MB to about 165 MB, throughput the same within run-to-run
 *    noise (`npm run bench -- --only http`). 1 GB grows by less again (about 150 MB) but is too
 *    tight a ceiling: a 100k-chunk index holds about 850 MB of live heap after a thousand asks.
 */
export const SERVER_NODE_ARGS = ["--enable-source-maps", "--max-semi-space-size=8", "--max-old-space-size=2000"];
