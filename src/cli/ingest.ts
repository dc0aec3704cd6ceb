import cliProgress from "cli-progress";
import { loadConfig } from "../config/index.js";
import { buildIndex, ensureIndex, type BuildProgress } from "../store/indexManager.js";
import { runCli } from "./run.js";

/** `npm run ingest [-- --force]`: builds the index when missing or stale (always with --force). */
runCli(async (args) => {
  const config = loadConfig();
  const force = args.includes("--force");
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    { format: "{phase} |{bar}| {value}/{total}", hideCursor: true, clearOnComplete: true, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  let phase = "";
  const onProgress = (p: BuildProgress) => {
    if (!process.stderr.isTTY) return;
    if (p.phase !== phase) {
      if (phase) bar.stop();
      phase = p.phase;
      bar.start(p.total, p.done, { phase: p.phase.padEnd(6) });
    } else bar.update(p.done);
  };
  const result = force ? await buildIndex(config, onProgress) : await ensureIndex(config, onProgress);
  if (phase) bar.stop();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const { manifest } = result.index;
  for (const s of result.skipped) console.warn(`skipped ${s.fileName}: ${s.reason}`);
  const verb = result.rebuilt ? `built${result.reason && !force ? ` (${result.reason})` : ""}` : "up to date";
  console.log(
    `Index ${verb}: ${manifest.documents.length} documents, ${result.index.chunks.length} chunks, ` +
      `${manifest.embedder.provider}:${manifest.embedder.model} (${manifest.embedder.dims} dims), ${seconds} s -> ${config.indexDir}`,
  );
});
