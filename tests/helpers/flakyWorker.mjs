// An extraction worker for the pool's tests (tests/extraction-pool.test.ts), chosen by workerData.mode:
// "crash" is ready, then exits on its first request; "silent" is ready and never answers;
// "refuse" reports it cannot load the index.
import { parentPort, workerData } from "node:worker_threads";

if (workerData.mode === "refuse") {
  parentPort.postMessage({ type: "failed", message: "index contents unreadable: test" });
} else {
  if (workerData.mode === "crash") parentPort.on("message", () => process.exit(3));
  else parentPort.on("message", () => {});
  parentPort.postMessage({ type: "ready" });
}
