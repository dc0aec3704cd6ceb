// Running from source (tsx, vitest), a worker thread does not inherit the TypeScript loader:
// register it, then run the worker. The built server starts dist/extractionWorker.js instead.
import { register } from "tsx/esm/api";

register();
await import(new URL("./extractionWorker.ts", import.meta.url).href);
