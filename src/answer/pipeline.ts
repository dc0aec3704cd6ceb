import type { HybridOptions, HybridRetriever } from "../retrieval/hybrid.js";
import type { Passage } from "../retrieval/types.js";
import { answerKey, normalizeQuestion, type AnswerCache } from "./cache.js";
import { renumberCitations, validateCitations } from "./citations.js";
import { composeExtractiveAnswer, DEFAULT_EXTRACTIVE, toCitation, type DocumentAccess, type ExtractiveOptions } from "./extractive.js";
import { rewriteFollowUp } from "./followup.js";
import type { TermStats } from "../retrieval/scoring.js";
import type { Answer, AskOptions, Citation, HistoryTurn } from "./types.js";

/** What an LLM-backed answerer provides; `src/answer/llm.ts` implements it over ChatOpenAI. */
export interface LlmAnswerer {
  readonly model: string;
  /** Streams the answer through onToken and resolves with the full text; throws on failure or timeout. */
  generate(input: {
    question: string;
    passages: Passage[];
    history?: HistoryTurn[];
    signal?: AbortSignal;
    onToken?: (delta: string) => void;
  }): Promise<string>;
  /** Rewrites a follow-up into a standalone question; throws on failure. */
  rewrite(question: string, history: HistoryTurn[], signal?: AbortSignal): Promise<string>;
}

/** The model's way of saying the passages do not answer; see the prompt in llm.ts. */
export const LLM_ABSTAIN_MARKER = "NOT_IN_DOCUMENTS";

export class AbortError extends Error {
  constructor() {
    super("aborted");
    this.name = "AbortError";
  }
}

export interface AnswerServiceDeps {
  retriever: HybridRetriever;
  stats: TermStats;
  defaultK: number;
  llm?: LlmAnswerer;
  extractive?: ExtractiveOptions;
  /** A document's header text, scored as discounted context of its sentences. */
  contextOf?: (documentId: string) => string;
  /** A document's cleaned text, for list items beyond the retrieved passages. */
  documentText?: (documentId: string) => string | undefined;
  /**
   * Extractive answers already given, keyed by everything they depend on (see cache.ts). Used
   * only when no LLM is configured: model answers are not deterministic and are never cached.
   */
  cache?: AnswerCache;
  /** The index identity (cache.ts indexIdentity) that cache keys carry; required with `cache`. */
  indexId?: string;
  /** The question as searched: initialisms the documents spell out written out ("UN" -> "United Nations"). */
  expandQuery?: (question: string) => string;
}

/**
 * How one ask uses the answer cache: `use` (default) serves a cached answer when there is one and
 * stores a new one; `refresh` always computes, then stores (HTTP `Cache-Control: no-cache`);
 * `bypass` neither reads nor writes (`Cache-Control: no-store`).
 */
export type CacheMode = "use" | "refresh" | "bypass";

/** What an extractive answer is computed from: the standalone query as searched. */
export interface ExtractionRequest {
  query: string;
  k: number;
  retrieval?: Partial<HybridOptions>;
}

/** An extractive answer for one query, as plain data: a worker thread computes it as well as this one. */
export interface Extraction {
  answer: string;
  citations: Citation[];
  abstained: boolean;
  suggestions?: Citation[];
  /** How retrieval fell short (an embedder down). */
  warnings: string[];
  retrievalMs: number;
  generationMs: number;
}

/** A hybrid search for a query as searched (initialisms already expanded). */
export interface SearchRequest {
  query: string;
  k: number;
  retrieval?: Partial<HybridOptions>;
}

/** Passages found for a SearchRequest, as plain data, and how retrieval fell short (an embedder down). */
export interface SearchResult {
  passages: Passage[];
  warnings: string[];
}

/** Computes extractions (and searches) off the thread that serves requests (extractionPool.ts). */
export interface Extractor {
  extract(request: ExtractionRequest): Promise<Extraction>;
  /** Searches off this thread too, when the extractor can. */
  search?(request: SearchRequest): Promise<SearchResult>;
  /** Worker threads ready to take an extraction now. */
  readonly workers: number;
}

export type AskRequestOptions = AskOptions & { retrieval?: Partial<HybridOptions>; forceExtractive?: boolean; cacheMode?: CacheMode };

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * The answer pipeline: standalone query -> hybrid retrieval -> LLM answer with validated
 * citations, or the extractive answer (the default, and the fallback when the LLM fails).
 */
export class AnswerService {
  private readonly documentAccess?: DocumentAccess;
  private extractor?: { extractor: Extractor; onError: (err: unknown) => void };

  constructor(private readonly deps: AnswerServiceDeps) {
    const textOf = deps.documentText;
    if (textOf) this.documentAccess = { textOf, passageFor: (id, start, end) => deps.retriever.passageFor(id, start, end) };
  }

  /**
   * Hands extractive answers to `extractor` (worker threads), so this thread is left to serve
   * requests; an extraction it fails is computed here instead, after `onError` hears why.
   * `undefined` computes them here again.
   */
  useExtractor(extractor: Extractor | undefined, onError: (err: unknown) => void = () => {}): void {
    this.extractor = extractor ? { extractor, onError } : undefined;
  }

  /** Worker threads computing extractive answers; 0 when they are computed on this thread. */
  get extractionWorkers(): number {
    return this.extractor?.extractor.workers ?? 0;
  }

  /** Answers the worker threads have computed since they started (the rest were computed here). */
  get answeredByWorkers(): number {
    return this.workerAnswers;
  }
  private workerAnswers = 0;

  /**
   * Hybrid search for a query, by the worker threads when there are any (else, or when they fail,
   * here), so a search does not hold up this thread's other requests.
   * @param warnings receives how retrieval fell short (an embedder down: keyword search alone).
   */
  async search(query: string, k = this.deps.defaultK, options?: Partial<HybridOptions>, warnings?: string[]): Promise<Passage[]> {
    const expanded = this.deps.expandQuery?.(query) ?? query;
    const off = this.extractor;
    if (off?.extractor.search && off.extractor.workers > 0) {
      try {
        const found = await off.extractor.search({ query: expanded, k, ...(options ? { retrieval: options } : {}) });
        for (const w of found.warnings) if (warnings && !warnings.includes(w)) warnings.push(w);
        return found.passages;
      } catch (err) {
        off.onError(err);
      }
    }
    return this.deps.retriever.search(expanded, k, options, warnings);
  }

  /** The query searched for a question: a follow-up rewritten to stand alone, initialisms expanded. */
  async standaloneQuery(question: string, history: HistoryTurn[] | undefined, warnings: string[], signal?: AbortSignal): Promise<string> {
    const standalone = await this.rewrittenQuery(question, history, warnings, signal);
    return this.deps.expandQuery?.(standalone) ?? standalone;
  }

  private async rewrittenQuery(question: string, history: HistoryTurn[] | undefined, warnings: string[], signal?: AbortSignal): Promise<string> {
    if (!history?.length) return question;
    if (this.deps.llm) {
      try {
        const rewritten = (await this.deps.llm.rewrite(question, history, signal)).trim();
        if (rewritten && rewritten.length <= 2000) return rewritten;
      } catch (err) {
        if (signal?.aborted) throw new AbortError();
        warnings.push(`Follow-up rewrite by the LLM failed (${(err as Error).message}); used the deterministic rewrite.`);
      }
    }
    return rewriteFollowUp(question, history, this.deps.stats.analyzer, { namesDocument: (name) => this.deps.retriever.namesDocument(name) });
  }

  /** Whether answers of this service are cached (extractive mode with a cache of non-zero size). */
  get caching(): boolean {
    return !this.deps.llm && this.deps.indexId !== undefined && (this.deps.cache?.capacity ?? 0) > 0;
  }

  async ask(options: AskRequestOptions): Promise<Answer> {
    const t0 = performance.now();
    const warnings: string[] = [];
    const k = options.k ?? this.deps.defaultK;
    // Normalised for every answer, cached or not, so a cached answer is exactly what the same
    // question would get computed afresh.
    const question = normalizeQuestion(options.question);
    const mode = options.cacheMode ?? "use";
    // Cached answers exist only without an LLM, where a follow-up's standalone query is the
    // deterministic rewrite: the answer depends on that query, not on the whole history, so the
    // key holds the query (a long history neither bloats the cache nor defeats it).
    const cacheQuery = this.caching && mode !== "bypass" ? await this.standaloneQuery(question, options.history, warnings, options.signal) : undefined;
    const key = cacheQuery !== undefined ? answerKey({ indexId: this.deps.indexId!, question: cacheQuery, k, retrieval: options.retrieval }) : undefined;
    if (key !== undefined && mode === "use") {
      const hit = this.deps.cache!.get(key);
      if (hit) {
        if (options.signal?.aborted) throw new AbortError();
        options.onSources?.(hit.citations);
        streamExtractive(hit.answer, options.onToken);
        const totalMs = round(performance.now() - t0);
        // Nothing was retrieved or composed: the timings are the lookup's, and `cached` says so.
        return { ...hit, cached: true, timings: { retrievalMs: 0, generationMs: 0, totalMs } };
      }
    }
    const answer = await this.compute(options, cacheQuery ?? (await this.standaloneQuery(question, options.history, warnings, options.signal)), k, warnings, t0);
    // An answer with warnings was made with something missing (the embedder, the LLM's
    // rewrite): the same question should get the whole pipeline's answer once it is back.
    if (key !== undefined && answer.mode === "extractive" && answer.warnings.length === 0) this.deps.cache!.set(key, answer);
    return answer;
  }

  /** Retrieval and extractive composition for a standalone query, on this thread. */
  async extract(request: ExtractionRequest): Promise<Extraction> {
    const t0 = performance.now();
    const warnings: string[] = [];
    const passages = await this.deps.retriever.search(request.query, request.k, request.retrieval, warnings);
    const t1 = performance.now();
    const composed = this.composeExtractive(request.query, passages);
    return { ...composed, warnings, retrievalMs: round(t1 - t0), generationMs: round(performance.now() - t1) };
  }

  /** The extractive answer's text and citations (suggestions when it abstains); `sources` when the caller has them. */
  private composeExtractive(query: string, passages: Passage[], sources = this.deps.retriever.sourcesNamedIn(query)) {
    const result = composeExtractiveAnswer(
      query,
      passages,
      this.deps.stats,
      this.deps.extractive ?? DEFAULT_EXTRACTIVE,
      this.deps.contextOf,
      this.documentAccess,
      { asked: this.deps.retriever.questionWithoutSource(query), sources, sourceTerms: this.deps.retriever.sourceTermsIn(query) },
    );
    return {
      answer: result.answer,
      citations: result.citations,
      abstained: result.abstained,
      ...(result.abstained ? { suggestions: result.suggestions } : {}),
    };
  }

  /** The extraction by the worker threads when there are any, else (or when they fail) here. */
  private async extraction(request: ExtractionRequest): Promise<Extraction> {
    const off = this.extractor;
    if (off && off.extractor.workers > 0) {
      try {
        const extraction = await off.extractor.extract(request);
        this.workerAnswers++;
        return extraction;
      } catch (err) {
        off.onError(err);
      }
    }
    return this.extract(request);
  }

  /** Retrieval and composition for the standalone query (the question, or a follow-up rewritten). */
  private async compute(options: AskRequestOptions, query: string, k: number, warnings: string[], t0: number): Promise<Answer> {
    if (!this.deps.llm || options.forceExtractive) {
      // Retrieval is timed from the start of the ask, as on the LLM path: the rewrite, the
      // query's expansion and the cache lookup count as part of it.
      const before = performance.now() - t0;
      const x = await this.extraction({ query, k, ...(options.retrieval ? { retrieval: options.retrieval } : {}) });
      if (options.signal?.aborted) throw new AbortError();
      warnings.push(...x.warnings);
      return extractiveAnswer(x, query, warnings, options, { retrievalMs: round(before + x.retrievalMs), generationMs: x.generationMs, totalMs: round(performance.now() - t0) });
    }
    const passages = await this.deps.retriever.search(query, k, options.retrieval, warnings);
    const t1 = performance.now();
    if (options.signal?.aborted) throw new AbortError();

    // A question naming its sources asks what they say: the model sees their passages only, as
    // the extractive answer quotes them only. With nothing to ground an answer in, the extractive
    // answer abstains.
    const sources = this.deps.retriever.sourcesNamedIn(query);
    const grounding = sources.size > 0 ? passages.filter((p) => sources.has(p.documentId)) : passages;
    const llm = grounding.length === 0 ? undefined : this.deps.llm;
    if (llm) {
      options.onSources?.(grounding.map((p, i) => toCitation(p, i + 1)));
      const stream = holdBackAbstention(options.onToken);
      try {
        const raw = await llm.generate({ question: query, passages: grounding, history: options.history, signal: options.signal, onToken: stream.push });
        stream.flush(raw);
        return this.finishLlmAnswer(raw, grounding, query, warnings, t0, t1);
      } catch (err) {
        if (options.signal?.aborted) throw new AbortError();
        warnings.push(`The LLM did not answer (${(err as Error).message}); this is the extractive answer instead.`);
        // Text already streamed belongs to the failed answer: tell the client to discard it.
        if (stream.emitted) options.onReset?.();
      }
    }

    // Also after an LLM failure: the fallback's numbering replaces the one sent for the LLM.
    const composed = this.composeExtractive(query, passages, sources);
    const t2 = performance.now();
    return extractiveAnswer(composed, query, warnings, options, { retrievalMs: round(t1 - t0), generationMs: round(t2 - t1), totalMs: round(t2 - t0) });
  }

  private finishLlmAnswer(raw: string, passages: Passage[], query: string, warnings: string[], t0: number, t1: number): Answer {
    const t2 = performance.now();
    const timings = { retrievalMs: round(t1 - t0), generationMs: round(t2 - t1), totalMs: round(t2 - t0) };
    if (raw.trim().startsWith(LLM_ABSTAIN_MARKER) || raw.trim().length === 0) {
      return {
        answer: "The documents do not answer this question. The closest passages are listed as suggestions.",
        citations: [],
        abstained: true,
        mode: "llm",
        warnings,
        query,
        suggestions: passages.slice(0, 3).map((p, i) => toCitation(p, i + 1)),
        timings,
      };
    }
    const check = validateCitations(raw, passages.length);
    // An answer that cites nothing cannot be checked against the documents: not ours to give.
    if (check.used.length === 0) throw new Error("its answer cited no passage");
    if (check.invalid.length > 0) {
      warnings.push(`Removed citation markers that named no passage: ${check.invalid.map((n) => `[${n}]`).join(", ")}.`);
    }
    const text = renumberCitations(check.text, check.used);
    const citations = check.used.map((n, i) => toCitation(passages[n - 1]!, i + 1));
    return { answer: text, citations, abstained: false, mode: "llm", warnings, query, timings };
  }
}

/** An extractive answer as returned and streamed: its sources first, then its text sentence by sentence. */
function extractiveAnswer(
  composed: Pick<Extraction, "answer" | "citations" | "abstained" | "suggestions">,
  query: string,
  warnings: string[],
  options: Pick<AskOptions, "onSources" | "onToken">,
  timings: Answer["timings"],
): Answer {
  options.onSources?.(composed.citations);
  streamExtractive(composed.answer, options.onToken);
  return {
    answer: composed.answer,
    citations: composed.citations,
    abstained: composed.abstained,
    mode: "extractive",
    warnings,
    query,
    ...(composed.abstained ? { suggestions: composed.suggestions ?? [] } : {}),
    timings,
  };
}

/**
 * Extractive answers arrive whole; they are streamed sentence by sentence so a client renders
 * them the same way as model tokens.
 */
function streamExtractive(answer: string, onToken?: (delta: string) => void): void {
  if (!onToken) return;
  for (const part of answer.split(/(?<=[\]:]\s+)(?=\S)/)) onToken(part);
}

/**
 * Streams model tokens but holds back the opening characters until they cannot be the
 * abstention marker, so a client never shows "NOT_IN_DOCUMENTS" as if it were an answer.
 */
function holdBackAbstention(onToken?: (delta: string) => void): { push: (delta: string) => void; flush: (full: string) => void; emitted: boolean } {
  let buffer = "";
  let decided = false;
  const state = {
    emitted: false,
    push(delta: string) {
      if (!onToken) return;
      if (decided) {
        state.emitted = true;
        onToken(delta);
        return;
      }
      buffer += delta;
      const head = buffer.trimStart();
      if (head.length >= LLM_ABSTAIN_MARKER.length || !LLM_ABSTAIN_MARKER.startsWith(head.slice(0, LLM_ABSTAIN_MARKER.length))) {
        decided = true;
        if (head.startsWith(LLM_ABSTAIN_MARKER)) {
          // An abstention: nothing of it is streamed; the `done` event carries the answer.
          onToken = undefined;
          return;
        }
        state.emitted = true;
        onToken(buffer);
      }
    },
    flush(full: string) {
      if (!decided && onToken && buffer && !full.trim().startsWith(LLM_ABSTAIN_MARKER)) {
        state.emitted = true;
        onToken(buffer);
      }
    },
  };
  return state;
}
