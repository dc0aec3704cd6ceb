import type { AppConfig } from "./config/index.js";
import { AnswerCache, indexIdentity } from "./answer/cache.js";
import { AnswerService, type LlmAnswerer } from "./answer/pipeline.js";
import { TermStats } from "./retrieval/scoring.js";
import { HybridRetriever } from "./retrieval/hybrid.js";
import { ensureIndex, type BuildProgress, type EnsureResult, type LoadedIndex } from "./store/indexManager.js";
import { TextAnalyzer } from "./text/analyzer.js";
import { InitialismIndex, mayHoldInitialism } from "./text/initialisms.js";
import { RelatedTerms } from "./text/related.js";
import { QUESTION_WORDS, STOPWORDS } from "./text/normalize.js";
import { SpellingCorrector } from "./text/spelling.js";
import { CountedEvents } from "./text/countedEvents.js";
import { loadWordVectors, type WordVectorTable } from "./text/wordVectors.js";

/** Everything a route or command needs, wired once from the configuration. */
export interface Services {
  config: AppConfig;
  index: LoadedIndex;
  analyzer: TextAnalyzer;
  stats: TermStats;
  retriever: HybridRetriever;
  answers: AnswerService;
  llm?: LlmAnswerer;
}

export async function createLlm(config: AppConfig): Promise<LlmAnswerer | undefined> {
  if (!config.llmEnabled) return undefined;
  const { createLlmAnswerer } = await import("./answer/llm.js");
  return createLlmAnswerer(config);
}

/**
 * Wires retrieval and answering over an index already in memory. Extractive answers are cached
 * (ANSWER_CACHE_SIZE entries; `options.cache` shares one cache across index loads: its keys carry
 * the index identity, so answers of another build are never served; share it only between
 * services of the same configuration, which the keys do not carry beyond `k`). Word vectors,
 * when given, add related words and specificity to question terms.
 */
export function servicesFromIndex(
  config: AppConfig,
  index: LoadedIndex,
  llm?: LlmAnswerer,
  options: { cache?: AnswerCache; wordVectors?: WordVectorTable } = {},
): Services {
  const { wordVectors } = options;
  const analyzer = new TextAnalyzer(index.aliases);
  const stats = new TermStats(
    index.chunks.map((c) => c.pageContent),
    analyzer,
  );
  if (wordVectors) {
    // Stand-ins may be any corpus word, names included ("religion" meets "Muslim"): limiting
    // them to words the corpus writes in lower case measured worse on the project set.
    const vocabulary = new Map([...stats.vocabulary()].map((v) => [v.word, v.term] as const));
    stats.related = new RelatedTerms(wordVectors, vocabulary.keys(), (w) => vocabulary.get(w));
  }
  // Learnt when the index was built; an index built before then learns them on the first
  // "how many" question (a pass over every document's sentences).
  let countedEvents: CountedEvents | undefined;
  stats.countedEvents = () => (countedEvents ??= index.countedEvents ? new CountedEvents(index.countedEvents) : CountedEvents.learn(index.documents.map((d) => d.text)));
  const contexts = new Map(index.documents.map((d) => [d.id, d.context ?? ""]));
  const contextOf = (documentId: string) => contexts.get(documentId) ?? "";
  const retriever = new HybridRetriever(index.store, index.chunks, analyzer, stats, contextOf);
  const texts = new Map(index.documents.map((d) => [d.id, d.text]));
  // Built on the first question that uses an initialism: a pass over every document's text.
  let initialisms: InitialismIndex | undefined;
  const usedByDocuments = (word: string) => {
    const terms = analyzer.terms(word);
    return terms.length > 0 && terms.every((t) => stats.has(t));
  };
  // Telling a slip from a word the documents lack takes general English: with word vectors only.
  // A slip may be of a word the documents use or of a question's small words ("acording").
  const known = (w: string) => stats.knowsWord(w) || STOPWORDS.has(w) || QUESTION_WORDS.has(w);
  const speller = wordVectors ? new SpellingCorrector({ knows: known, rank: (w) => wordVectors.rank(w) }) : undefined;
  const expandQuery = (typed: string) => {
    const question = speller ? speller.correct(typed).text : typed;
    return mayHoldInitialism(question) ? (initialisms ??= new InitialismIndex(index.documents.map((d) => d.text))).expand(question, usedByDocuments) : question;
  };
  const cache = llm || config.ANSWER_CACHE_SIZE === 0 ? undefined : (options.cache ?? new AnswerCache(config.ANSWER_CACHE_SIZE));
  const answers = new AnswerService({
    retriever,
    stats,
    defaultK: config.RETRIEVAL_K,
    llm,
    contextOf,
    documentText: (id) => texts.get(id),
    cache,
    indexId: indexIdentity(index.manifest),
    expandQuery,
  });
  return { config, index, analyzer, stats, retriever, answers, llm };
}

/** The composition root: load or build the index, then wire the pipeline. */
export async function createServices(
  config: AppConfig,
  onProgress?: (p: BuildProgress) => void,
): Promise<{ services: Services; ensure: EnsureResult }> {
  const [ensure, wordVectors] = await Promise.all([ensureIndex(config, onProgress), loadWordVectorsFor(config)]);
  const llm = await createLlm(config);
  return { services: servicesFromIndex(config, ensure.index, llm, { wordVectors }), ensure };
}

/**
 * The word vectors when WORD_VECTORS is on. Answers still work without them (exact and
 * stemmed matches only), so a missing or broken package is reported, not fatal.
 */
export async function loadWordVectorsFor(config: AppConfig, onWarning: (message: string) => void = (m) => console.warn(m)): Promise<WordVectorTable | undefined> {
  if (config.WORD_VECTORS === "off") return undefined;
  try {
    return await loadWordVectors();
  } catch (err) {
    onWarning(`Word vectors unavailable (${(err as Error).message}); matching question words exactly.`);
    return undefined;
  }
}
