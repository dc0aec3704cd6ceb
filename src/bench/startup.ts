import path from "node:path";
import { percentile } from "../eval/metrics.js";
import { spawn } from "node:child_process";
import { buildServer, freePort, ROOT, round, SERVER_NODE_ARGS, sleep } from "./proc.js";

export interface StartupRun {
  /** From spawn to the first 200 from GET /api/health. */
  ms: number;
  /** From spawn to the first answer of any kind (listening; health says "indexing" until ready). */
  listeningMs: number;
}

export interface StartupMeasure {
  withIndex: { runs: StartupRun[]; medianMs: number };
  withoutIndex: { runs: StartupRun[]; medianMs: number };
}

/**
 * Spawns `node dist/serve.js` (what `npm start` runs after its esbuild step, minus npm) on a
 * free port with INDEX_DIR in a temp folder, and polls GET /api/health every 10 ms until it is 200.
 */
export async function timeStartup(corpusDir: string, indexDir: string, timeoutMs = 120_000): Promise<StartupRun> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, path.join(ROOT, "dist", "serve.js")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, LOG_LEVEL: "silent" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  let listeningMs = -1;
  try {
    for (;;) {
      if (exited) throw new Error("serve exited before it was healthy");
      if (performance.now() - started > timeoutMs) throw new Error(`serve was not healthy after ${timeoutMs} ms`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (listeningMs < 0) listeningMs = performance.now() - started;
        if (res.status === 200) return { ms: round(performance.now() - started, 1), listeningMs: round(listeningMs, 1) };
      } catch {
        // not listening yet
      }
      await sleep(10);
    }
  } finally {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    }
  }
}

const median = (runs: StartupRun[]) => round(percentile(runs.map((r) => r.ms), 50), 1);

/**
 * `runs` cold starts (index folder removed first: the server builds the index) and `runs` warm
 * starts (the index just built is loaded and verified). The server is compiled first, as
 * `npm start` does; one unrecorded start warms the OS file cache.
 */
export async function measureStartup(corpusDir: string, indexDir: string, runs: number, removeIndex: () => Promise<void>): Promise<StartupMeasure> {
  buildServer();
  await removeIndex();
  await timeStartup(corpusDir, indexDir);
  const withoutIndex: StartupRun[] = [];
  for (let i = 0; i < runs; i++) {
    await removeIndex();
    withoutIndex.push(await timeStartup(corpusDir, indexDir));
  }
  const withIndex: StartupRun[] = [];
  for (let i = 0; i < runs; i++) withIndex.push(await timeStartup(corpusDir, indexDir));
  return {
    withIndex: { runs: withIndex, medianMs: median(withIndex) },
    withoutIndex: { runs: withoutIndex, medianMs: median(withoutIndex) },
  };
}
