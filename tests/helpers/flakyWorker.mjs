// An extraction worker for the pool's tests (tests/extraction-pool.test.ts), chosen by workerData.mode:
// "crash" is ready, then exits on its first request; "refuse" reports it cannot load the index.
import { parentPort, workerData } from "node:worker_threads";

if (workerData.mode === "refuse") {
  parentPort.postMessage({ type: "failed", message: "index contents unreadable: test" });
} else {
  parentPort.on("message", () => process.exit(3));
  parentPort.postMessage({ type: "ready" });
}
