/**
 * A child process for the fault tests: builds the index (like `npm run ingest -- --force`) from
 * CORPUS_DIR into INDEX_DIR, so the parent can SIGKILL it mid-build.
 *
 *   node --import tsx tests/helpers/ingestChild.ts
 *
 * HARDENING_STOP_AT freezes the build at an exact point and prints `STOPPED <point>`, so the kill
 * lands there:
 *   - `before-swap`: every file of the new index is written in its `.tmp-*` folder, nothing renamed;
 *   - `between-renames`: the old index was moved to `.old-*`, the new one not yet moved in.
 * Without it the build runs to the end (the parent kills it at a random moment). Prints `START`
 * when the build begins and `DONE <builtAt>` when it ends.
 */
import { promises as fsp } from "node:fs";
import { parseConfig } from "../../src/config/index.js";
import { buildIndex } from "../../src/store/indexManager.js";

const stopAt = process.env.HARDENING_STOP_AT;

function freeze(point: string): Promise<never> {
  process.stdout.write(`STOPPED ${point}\n`);
  // Keeps the process alive until the parent kills it (bounded: the parent's test timeout).
  setInterval(() => undefined, 1_000);
  return new Promise<never>(() => undefined);
}

if (stopAt) {
  const rename = fsp.rename.bind(fsp);
  let renames = 0;
  (fsp as { rename: typeof fsp.rename }).rename = async (from, to) => {
    renames += 1;
    const source = String(from);
    // swapDirectories: first `index -> index.old-*`, then `index.tmp-* -> index`.
    if (stopAt === "before-swap" && renames === 1) return freeze(stopAt);
    if (stopAt === "between-renames" && source.includes(".tmp-")) return freeze(stopAt);
    return rename(from, to);
  };
}

const config = parseConfig(process.env);
process.stdout.write("START\n");
const result = await buildIndex(config);
process.stdout.write(`DONE ${result.index.manifest.builtAt}\n`);
