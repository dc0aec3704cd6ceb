/**
 * Entry point of the bench's child processes (`node --import tsx src/bench/child.ts <mode> ...`):
 * each measurement that needs a clean process (peak RSS of a build, HNSW timings) runs here and sends
 * its result to the parent over IPC.
 */
const [mode, ...args] = process.argv.slice(2);

async function main(): Promise<void> {
  switch (mode) {
    case "ingest": {
      const { measureIngest } = await import("./ingest.js");
      process.send!({ type: "result", result: await measureIngest(args[0]!, args[1]!, (p) => process.send!({ type: "progress", ...p })) });
      break;
    }
    case "hnsw": {
      const { measureHnsw } = await import("./hnsw.js");
      process.send!({ type: "result", result: await measureHnsw(JSON.parse(args[0]!)) });
      break;
    }
    default:
      throw new Error(`unknown bench child mode: ${mode}`);
  }
  process.disconnect?.();
}

main().catch((err: unknown) => {
  console.error((err as Error)?.stack ?? String(err));
  process.exit(1);
});
