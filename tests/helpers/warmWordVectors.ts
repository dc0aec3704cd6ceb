import { loadWordVectors } from "../../src/text/wordVectors.js";

/**
 * Converts the word vectors into their cache once, before the test files run in parallel
 * workers: on a fresh clone each worker would otherwise convert the package's JSON itself.
 */
export default async function setup(): Promise<void> {
  await loadWordVectors();
}
