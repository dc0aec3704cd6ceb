import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadWordVectorsFor, servicesFromIndex, type Services } from "../../src/app.js";
import type { LlmAnswerer } from "../../src/answer/pipeline.js";
import { parseConfig, type AppConfig } from "../../src/config/index.js";
import { ensureIndex } from "../../src/store/indexManager.js";

export const REPO_CORPUS = path.resolve(__dirname, "../../corpus");

/** A temp folder removed by `cleanup`. */
export function tempDir(prefix = "rag-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config for a test: a private corpus copy and index folder, quiet logs. */
export function testConfig(dir: string, env: Record<string, string> = {}): AppConfig {
  return parseConfig({ CORPUS_DIR: path.join(dir, "corpus"), INDEX_DIR: path.join(dir, "index"), LOG_LEVEL: "silent", ...env }, dir);
}

/** Copies the project's corpus into `dir/corpus`. */
export function copyCorpus(dir: string): string {
  const target = path.join(dir, "corpus");
  cpSync(REPO_CORPUS, target, { recursive: true });
  return target;
}

/** Services over the real corpus, built once per test file in a temp folder. */
export async function corpusServices(env: Record<string, string> = {}, llm?: LlmAnswerer): Promise<{ services: Services; config: AppConfig; cleanup: () => void }> {
  const { dir, cleanup } = tempDir();
  copyCorpus(dir);
  const config = testConfig(dir, env);
  const [ensure, wordVectors] = await Promise.all([ensureIndex(config), loadWordVectorsFor(config)]);
  return { services: servicesFromIndex(config, ensure.index, llm, { wordVectors }), config, cleanup };
}

/** Services over a corpus of the given documents (file name -> text), in a temp folder. */
export async function documentServices(documents: Record<string, string>, env: Record<string, string> = {}): Promise<{ services: Services; config: AppConfig; cleanup: () => void }> {
  const { dir, cleanup } = tempDir();
  mkdirSync(path.join(dir, "corpus"));
  for (const [name, text] of Object.entries(documents)) writeFileSync(path.join(dir, "corpus", name), text);
  const config = testConfig(dir, env);
  const [ensure, wordVectors] = await Promise.all([ensureIndex(config), loadWordVectorsFor(config)]);
  return { services: servicesFromIndex(config, ensure.index, undefined, { wordVectors }), config, cleanup };
}
