// placeholder until the LLM answerer lands
import type { AppConfig } from "../config/index.js";
import type { LlmAnswerer } from "./pipeline.js";
export function createLlmAnswerer(_config: AppConfig): LlmAnswerer {
  throw new Error("not yet");
}
