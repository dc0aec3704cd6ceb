import type { ChunkDocument, HnswStore } from "../store/hnswStore.js";
import { TextAnalyzer } from "../text/analyzer.js";
import { Bm25Index } from "./bm25.js";
import { rerankPassages } from "./rerank.js";
import { nameRunsIn, queryTerms, type TermStats } from "./scoring.js";
import { containment, sameStatement, shingleSet } from "../text/similarity.js";
import { foldTypography, JOINED_NAME, tokenize } from "../text/normalize.js";
import { DOCUMENT_NOUN_ALTERNATION, REPORTING_VERB_ALTERNATION } from "../text/sentences.js";
import { EmbedderUnavailableError, type Passage } from "./types.js";

export interface HybridOptions {
  /** Candidates taken from each ranker before fusion. */
  candidates: number;
  /** RRF constant: larger flattens the rank curve. */
  rrfK: number;
  /** Which rankers take part; the ablation study turns one off. */
  mode: "hybrid" | "dense" | "bm25";
  /** How many fused candidates the sentence-level reranker re-orders (0 turns it off). */
  rerankDepth: number;
}

/** A chunk's standing in the fusion: its RRF sum and each ranker's own score. */
interface FusedEntry {
  position: number;
  rrf: number;
  dense: number;
  bm25: number;
}

/** What a client is told when hybrid search ran without the embedder. */
export const KEYWORD_ONLY_WARNING = "The embedding service did not answer; passages were found by keyword search alone.";
const EMBEDDER_RETRY_MS = 30_000;

/** Words for a document as a whole: "the CSIS analysis", "the Spectator's article". */
const DOCUMENT_NOUN = new RegExp(`^(?:${DOCUMENT_NOUN_ALTERNATION})$`);

/** Verbs that set sources side by side: "How do the Spectator and Tricia Bacon differ on …", "differ from Bacon". */
const COMPARING_VERB_ALTERNATION = "differ|differs|differed|agree|agrees|agreed|disagree|disagrees|disagreed";
/** Verbs of what a source does with what it says, besides the reporting verbs: "Khalid Iqbal suggest", "Bacon argues". */
const SOURCE_VERB_ALTERNATION = [
  REPORTING_VERB_ALTERNATION,
  "suggest|warn|note|claim|find|believe|predict|assess|recommends?|recommended|proposes?|proposed|argues?|argued|writes?|wrote|written",
  "means?|meant|describes?|described|think|thinks|thought|see|sees|saw|calls?|called|views?|viewed|conclude|concludes|concluded",
  "consider|considers|considered|explain|explains|explained|characteri[sz]es?|characteri[sz]ed|portrays?|portrayed",
  "identify|identifies|identified|list|lists|listed|highlight|highlights|highlighted|attributes?|attributed|blames?|blamed",
  "mentions?|mentioned|cites?|cited|expect|expects|expected|advocates?|advocated|urges?|urged|stress|stresses|stressed",
  "emphasi[sz]es?|emphasi[sz]ed|observes?|observed",
  COMPARING_VERB_ALTERNATION,
].join("|");
/** A verb of saying after a name: "does the Spectator say", "Bacon also argues". */
const SOURCE_VERB = new RegExp(`^\\s+(?:(?:also|actually|really|now|\\w+ly)\\s+)?(?:${SOURCE_VERB_ALTERNATION})\\b`, "i");
/**
 * Words before a name that make it who says something: "according to the Spectator", "estimates
 * given by Bacon", "…, says CSIS", "differ from Tricia Bacon". "By" only after a verb of giving or saying ("carried out by"
 * names who did it); a verb of saying only after a comma ("describe IS-K" has IS-K as its object).
 */
const SOURCE_BEFORE = new RegExp(
  `(?:\\b(?:according\\s+to|per|(?:given|provided|offered|made|put forward|set out|presented|published|issued|expressed|held|shared|${SOURCE_VERB_ALTERNATION})\\s+by|(?:${COMPARING_VERB_ALTERNATION})\\s+(?:from|with)|compared\\s+(?:with|to))|[,;:]\\s*(?:${SOURCE_VERB_ALTERNATION}))\\s+(?:the\\s+)?$`,
  "i",
);
/** How many query vectors are kept (2048 dimensions by default: 16 KB each). */
const QUERY_VECTORS_KEPT = 256;

/** How many characters either side of a name its cues are looked for in. */
const CUE_REACH = 48;
/** A source's word for its view, after its name: "Bacon's view", "the Spectator's take". */
const VIEW_NOUN = /^(?:views?|take|argument|account|verdict|opinion|words|estimates?|conclusions?|recommendations?)$/;

/**
 * The names of a question read as its sources: a name with a word for a document after it ("the
 * CSIS analysis", "the Spectator's article", "Bacon's view"), after "according to", "by" or a
 * verb of saying ("says CSIS"), or before one ("does the Spectator say", "Khalid Iqbal
 * suggest"). Other names are what the question asks about: "the capital of Australia", "When
 * was the Spectator founded?", though each word is in one document's header only. A run of names
 * ("Tricia Bacon") is read as one.
 */
export function namesAsSources(query: string): { surface: string; start: number; end: number }[] {
  const runs = nameRunsIn(query).map((run) => {
    // Every cue is a few words long: only the words near the name are read.
    const before = query.slice(Math.max(0, run[0]!.start - CUE_REACH), run[0]!.start);
    const after = query.slice(run[run.length - 1]!.end, run[run.length - 1]!.end + CUE_REACH);
    const next = /^(?:['\u2019]s)?\s+([\p{L}-]+)/u.exec(after)?.[1]?.toLowerCase();
    const documentAfter = next !== undefined && (DOCUMENT_NOUN.test(next) || (/^['\u2019]s/.test(after) && VIEW_NOUN.test(next)));
    return { names: run, source: documentAfter || SOURCE_BEFORE.test(before) || SOURCE_VERB.test(after) };
  });
  // Names joined by "and" share what is said of them: "according to Bacon and the Spectator",
  // "How do Tricia Bacon and the Spectator describe …".
  const joined = (a: (typeof runs)[number], b: (typeof runs)[number]) =>
    /^\s*(?:,\s*|\s(?:and|or|&)\s+)(?:by\s+)?(?:the\s+)?$/i.test(query.slice(a.names[a.names.length - 1]!.end, b.names[0]!.start));
  for (let r = 1; r < runs.length; r++) if (runs[r - 1]!.source && joined(runs[r - 1]!, runs[r]!)) runs[r]!.source = true;
  for (let r = runs.length - 2; r >= 0; r--) if (runs[r + 1]!.source && joined(runs[r]!, runs[r + 1]!)) runs[r]!.source = true;
  return runs.filter((r) => r.source).flatMap((r) => r.names);
}

const NO_SOURCES: ReadonlyMap<string, Set<string>> = new Map();

/** Which documents' headers and texts hold each term, and the publishers named by a phrase (lower case) with their documents. */
interface SourceTerms {
  headerDocs: Map<string, Set<string>>;
  textDocs: Map<string, Set<string>>;
  phrases: Map<string, Set<string>>;
}

/** Where `phrase` occurs in `text` as whole words, or -1. */
function wordAt(text: string, phrase: string): number {
  for (let at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
    if (!/[\p{L}\p{N}]/u.test(text[at - 1] ?? "") && !/[\p{L}\p{N}]/u.test(text[at + phrase.length] ?? "")) return at;
  }
  return -1;
}

/** The names a question reads as sources (terms), the documents they name, and, once asked for, the question without them. */
interface SourceReading {
  terms: ReadonlySet<string>;
  sources: Map<string, Set<string>>;
  /** The terms of names that name a document by a header word, and the spans of publishers' phrases: what the question without its sources leaves out. */
  nameTerms: ReadonlySet<string>;
  spans: [number, number][];
  asked?: string;
}

/**
 * The header text whose names name its document: a publisher line the page's header did not
 * show counts by its first word only ("Spectator" of "Spectator Australia", "Diplomat" of "The
 * Diplomat"). Its other words are editions and places: "What does Australia say …" is no
 * question to the Spectator. A name joined by small words ("Rise to Peace") is not in the
 * header: it is read as a phrase (SourceTerms.phrases).
 */
function namingHeader(context: string, publisher: string | null | undefined): string {
  if (!publisher) return context;
  const lines = context.split("\n");
  const own = lines.findIndex((l) => l.trim() === publisher);
  if (own < 0) return context;
  const first = publisher.replace(/^The\s+/, "").split(/\s+/)[0] ?? "";
  return [...lines.slice(0, own), ...lines.slice(own + 1), first].join("\n");
}

/** Added to the rerank score (0..1 scale) of passages from the source a question names. */
const SOURCE_BONUS = 0.5;

/**
 * Rerank weights when the question names its source. Every candidate is then of that source,
 * so the rankers' topical agreement says less and the sentence that says what was asked more.
 */
const SCOPED_RERANK_WEIGHTS = { fused: 0.4, sentence: 0.4, passage: 0.2 };

export const DEFAULT_HYBRID: HybridOptions = { candidates: 40, rrfK: 60, mode: "hybrid", rerankDepth: 30 };

/**
 * Dense (HNSW) and BM25 rankings fused by Reciprocal Rank Fusion. A passage whose text is
 * mostly contained in one ranked above it (a summary repeated in the body, an overlapping
 * chunk) is dropped so it does not take two of the k slots.
 */
export class HybridRetriever {
  private readonly bm25: Bm25Index;
  private readonly shingleCache = new Map<number, Set<string>>();

  private readonly positionOf: Map<ChunkDocument, number>;
  /** Each document's chunk positions: a named source's passages without a pass over every chunk. */
  private readonly positionsOf = new Map<string, number[]>();

  constructor(
    private readonly store: HnswStore,
    private readonly chunks: ChunkDocument[],
    readonly analyzer: TextAnalyzer,
    private readonly stats?: TermStats,
    readonly contextOf: (documentId: string) => string = () => "",
  ) {
    this.bm25 = new Bm25Index(chunks, analyzer, contextOf);
    this.positionOf = new Map(chunks.map((c, i) => [c, i] as const));
    chunks.forEach((c, i) => {
      const positions = this.positionsOf.get(c.metadata.documentId);
      if (positions) positions.push(i);
      else this.positionsOf.set(c.metadata.documentId, [i]);
    });
  }

  private shinglesOf(position: number): Set<string> {
    let s = this.shingleCache.get(position);
    if (!s) {
      s = shingleSet(this.analyzer.words(this.chunks[position]!.pageContent));
      this.shingleCache.set(position, s);
    }
    return s;
  }

  /**
   * Whether most of a chunk's text is in another's (a summary repeated in the body, an
   * overlapping chunk). A pure function of two chunks, met again on later questions: remembered.
   */
  private mostlyContained(position: number, other: number): boolean {
    const key = position * this.chunks.length + other;
    let verdict = this.containedPairs.get(key);
    if (verdict === undefined) {
      verdict = containment(this.shinglesOf(position), this.shinglesOf(other)) >= 0.6;
      if (this.containedPairs.size >= 1_000_000) this.containedPairs.clear();
      this.containedPairs.set(key, verdict);
    }
    return verdict;
  }
  private readonly containedPairs = new Map<number, boolean>();

  /**
   * @param warnings receives what the caller should tell its client about how the passages
   * were found: when the embedder fails, hybrid search goes on with BM25 alone and says so here.
   */
  async search(query: string, k: number, options: Partial<HybridOptions> = {}, warnings?: string[]): Promise<Passage[]> {
    const opts = { ...DEFAULT_HYBRID, ...options };
    const fused = new Map<number, FusedEntry>();
    const entry = (p: number) => {
      let e = fused.get(p);
      if (!e) fused.set(p, (e = { position: p, rrf: 0, dense: 0, bm25: 0 }));
      return e;
    };
    // A question naming its source ("the CSIS analysis") is about that document: all of its
    // passages are candidates, even those neither ranker put in its top list. The name has done
    // its work once the source is known: the rankers look for the rest of the question, or the
    // source's title block, the one passage that repeats its name, would lead every answer.
    // A question naming two ("given by Bacon and by the Spectator") is about both.
    const named = this.stats && opts.rerankDepth > 0 ? this.sourcesNamedBy(query) : NO_SOURCES;
    const sources = new Set(named.keys());
    const asked = sources.size > 0 ? this.questionWithoutSource(query) : query;
    let vector: number[] | undefined;
    if (opts.mode !== "bm25") {
      // A remote embedder may be down while BM25, in process, is not: an answer found by
      // keywords, flagged as such, serves the analyst better than an error.
      vector = await this.embedQuery(asked);
      if (!vector) {
        if (opts.mode === "dense") throw new EmbedderUnavailableError(this.embedderFailure ?? "unavailable");
        if (warnings && !warnings.includes(KEYWORD_ONLY_WARNING)) warnings.push(KEYWORD_ONLY_WARNING);
      }
    }
    if (vector) {
      const dense = await this.store.similaritySearchVectorWithScore(vector, opts.candidates);
      const ranked = new Set<ChunkDocument>();
      dense.forEach(([doc, sim], rank) => {
        ranked.add(doc);
        const e = entry(this.positionOf.get(doc)!);
        e.rrf += 1 / (opts.rrfK + rank + 1);
        e.dense = sim;
      });
      for (const documentId of sources) {
        // A named source's other passages rank after the top list, in their own order (a
        // filtered search: never a walk of the whole graph of a large index).
        const inSource = (doc: ChunkDocument) => doc.metadata.documentId === documentId;
        const own = await this.store.similaritySearchVectorWithScore(vector, this.positionsOf.get(documentId)?.length ?? 0, inSource);
        let rank = opts.candidates;
        for (const [doc, sim] of own) {
          if (ranked.has(doc)) continue;
          const e = entry(this.positionOf.get(doc)!);
          e.rrf += 1 / (opts.rrfK + ++rank);
          e.dense = sim;
        }
      }
    }
    if (opts.mode !== "dense") {
      // The named source's passages keep their BM25 rank however deep it is, so they are
      // ordered among themselves by evidence rather than all tied at nothing.
      const limit = sources.size > 0 ? Infinity : opts.candidates;
      this.bm25.query(asked, limit, this.relatedTermsOf(asked)).forEach(({ position, score }, rank) => {
        if (rank >= opts.candidates && !sources.has(this.chunks[position]!.metadata.documentId)) return;
        const e = entry(position);
        e.rrf += 1 / (opts.rrfK + rank + 1);
        e.bm25 = score;
      });
    }
    for (const documentId of sources) for (const position of this.positionsOf.get(documentId) ?? []) entry(position);
    const ranked = [...fused.values()].sort((a, b) => b.rrf - a.rrf || a.position - b.position);
    // Passages are made as they are read: the reranked head, then the fused order below it,
    // which de-duplication rarely reaches.
    let head: Passage[] = [];
    let bestSentence = new Map<string, string[]>();
    if (this.stats && opts.rerankDepth > 0) {
      // The named source's passages are all reranked, however far down the fused list.
      const depth = sources.size > 0 ? Math.max(opts.rerankDepth, ranked.length) : opts.rerankDepth;
      const reranked = rerankPassages(query, ranked.slice(0, depth).map((e) => this.toPassage(e.position, e)), this.stats, this.contextOf, sources.size > 0 ? SCOPED_RERANK_WEIGHTS : undefined);
      head = reranked.passages;
      if (sources.size > 0) {
        head = head.map((p) => (sources.has(p.documentId) ? { ...p, score: p.score + SOURCE_BONUS } : p)).sort((a, b) => b.score - a.score);
      }
      bestSentence = reranked.bestSentence;
    }
    // Sources named side by side ("given by Bacon and by the Spectator") each lead with their
    // best passage, so none is crowded out of the k by another's.
    if (sources.size >= 2) {
      const firsts = new Set([...sources].map((d) => head.find((p) => p.documentId === d)).filter((p): p is Passage => p !== undefined));
      head = [...head.filter((p) => firsts.has(p)), ...head.filter((p) => !firsts.has(p))];
    }
    const kept: Passage[] = [];
    const keptPositions: number[] = [];
    const keptSentences: string[][] = [];
    for (let i = 0; i < ranked.length && kept.length < k; i++) {
      const p = i < head.length ? head[i]! : this.toPassage(ranked[i]!.position, ranked[i]!);
      const position = this.positionOfId.get(p.chunkId)!;
      if (keptPositions.some((other) => this.mostlyContained(position, other))) continue;
      // A passage whose best sentence for this query restates one already shown adds nothing
      // (document summaries repeat their body's sentences).
      const best = bestSentence.get(p.chunkId);
      if (best?.length && keptSentences.some((s) => sameStatement(best, s))) continue;
      kept.push(p);
      keptPositions.push(position);
      for (const s of this.sentencesOf(p.text)) keptSentences.push(s);
    }
    return kept;
  }

  /**
   * The vectors of the latest queries, least recently used first: a question asked again (by
   * another analyst, a retry, `Cache-Control: no-cache`) is searched without embedding it again,
   * which for a remote embedder is a round trip. Vectors are never changed after they are made.
   */
  private readonly queryVectors = new Map<string, number[]>();
  /** How many query vectors are kept (0: every query is embedded). */
  queryVectorsKept = QUERY_VECTORS_KEPT;

  /**
   * Called with the error when the embedder fails on a query (the server logs it: clients get
   * KEYWORD_ONLY_WARNING, whose text quotes no upstream message, URL or key).
   */
  onEmbedderError?: (err: unknown) => void;
  /**
   * After a failure, how long questions skip the embedder and go to BM25 straight away: a
   * server that is down or timing out costs one question its deadline, not every question.
   */
  embedderRetryMs = EMBEDDER_RETRY_MS;
  private embedderDownUntil = 0;
  /** What went wrong the last time the embedder failed. */
  private embedderFailure?: string;

  /** The query's vector, or undefined when the embedder fails (or failed moments ago). */
  private async embedQuery(text: string): Promise<number[] | undefined> {
    const known = this.queryVectorsKept > 0 ? this.queryVectors.get(text) : undefined;
    if (known) {
      this.queryVectors.delete(text);
      this.queryVectors.set(text, known);
      return known;
    }
    if (performance.now() < this.embedderDownUntil) return undefined;
    try {
      const embedded = await this.store.embeddings.embedQuery(text);
      // Vectors of the wrong size or with NaN in them (another model, a broken server) are no answer either.
      const problem = this.store.queryProblem(embedded);
      if (problem) throw new Error(problem);
      if (this.queryVectorsKept > 0) this.queryVectors.set(text, embedded);
      if (this.queryVectors.size > this.queryVectorsKept) this.queryVectors.delete(this.queryVectors.keys().next().value as string);
      return embedded;
    } catch (err) {
      this.embedderFailure = (err as Error)?.message ?? String(err);
      this.embedderDownUntil = performance.now() + this.embedderRetryMs;
      this.onEmbedderError?.(err);
      return undefined;
    }
  }

  /**
   * Documents the question names as its sources ("the CSIS analysis", "by Bacon and by the
   * Spectator"): names read as sources (namesAsSources) whose term is in exactly one document's
   * header and in no other document's text. Such a question asks what those documents say, so
   * their passages go first.
   */
  sourcesNamedIn(query: string): Set<string> {
    return new Set(this.stats ? this.sourcesNamedBy(query).keys() : []);
  }

  /**
   * The terms of the names the question reads as who says something ("csi", "bacon", and "rise",
   * "peac" of "per the Rise to Peace piece", though no header names it): who says it, not what
   * it is about.
   */
  sourceTermsIn(query: string): ReadonlySet<string> {
    return this.sourceReading(query).terms;
  }

  /** Each document the question names as a source, with the terms that name it. */
  private sourcesNamedBy(query: string): Map<string, Set<string>> {
    return this.sourceReading(query).sources;
  }

  /** The names a question reads as sources, and the documents they name; an ask reads it several times, so the last is kept. */
  private sourceReading(query: string): SourceReading {
    if (this.lastReading?.query === query) return this.lastReading;
    // Only words written as names count: "Examining the evidence, …" opens a sentence with a
    // word that happens to be in one header; "the CSIS analysis" names its source. And only
    // names read as a source: "the capital of Australia" asks about a place that one header
    // happens to name ("Spectator Australia").
    const names = namesAsSources(query);
    const terms = new Set(names.flatMap((n) => this.analyzer.terms(n.surface)));
    const sources = this.documentsNamedBy(terms);
    const nameTerms = new Set([...sources.values()].flatMap((t) => [...t]));
    // "According to Rise to Peace": a publisher's name of common words ("rise", "peace" are in
    // other articles too) names its documents as the whole phrase, read as a source. Only that
    // span names them: "are prospects for peace rising?" keeps its own words.
    const { phrases } = this.sourceTerms;
    const folded = phrases.size > 0 ? foldTypography(query).toLowerCase() : "";
    const spans: [number, number][] = [];
    for (const [phrase, docs] of phrases) {
      const at = wordAt(folded, phrase);
      if (at < 0 || !names.some((n) => n.start >= at && n.end <= at + phrase.length)) continue;
      spans.push([at, at + phrase.length]);
      const named = this.analyzer.terms(phrase);
      named.forEach((t) => terms.add(t));
      for (const doc of docs) sources.set(doc, new Set([...(sources.get(doc) ?? []), ...named]));
    }
    this.lastReading = { query, terms, sources, nameTerms, spans };
    return this.lastReading;
  }
  private lastReading?: SourceReading & { query: string };

  /** Whether a name ("Bacon", "the Spectator", "Rise to Peace") names one of the documents, as a source. */
  namesDocument(name: string): boolean {
    if (!this.stats) return false;
    const terms = new Set(this.analyzer.terms(name));
    if (this.documentsNamedBy(terms).size > 0) return true;
    const phrase = foldTypography(name).toLowerCase().replace(/^the\s+/, "");
    return this.sourceTerms.phrases.has(phrase);
  }

  private documentsNamedBy(named: ReadonlySet<string>): Map<string, Set<string>> {
    const { headerDocs, textDocs } = this.sourceTerms;
    const out = new Map<string, Set<string>>();
    for (const t of named) {
      if (this.analyzer.isAlias(t)) continue;
      const headers = headerDocs.get(t);
      if (headers?.size !== 1) continue;
      const [doc] = headers;
      if ([...(textDocs.get(t) ?? [])].every((d) => d === doc)) {
        const terms = out.get(doc!);
        if (terms) terms.add(t);
        else out.set(doc!, new Set([t]));
      }
    }
    return out;
  }

  /**
   * What a question asks of the sources it names: the question without the words naming them,
   * nor the word for the document or view after them ("According to the CSIS analysis, …",
   * "What does the Spectator article say about …", "In Bacon's view, …"). The question itself
   * when it names no source. A source's name says where to look, not what a sentence must say:
   * it is said by the header and the byline, whose neighbours it would otherwise lift.
   */
  questionWithoutSource(query: string): string {
    if (!this.stats) return query;
    const reading = this.sourceReading(query);
    if (reading.sources.size === 0) return query;
    return (reading.asked ??= this.withoutSource(query, reading.nameTerms, reading.spans));
  }

  /**
   * The query with the words of the given terms or within the given spans, their possessive,
   * and a word for the document or view right after them, taken out.
   */
  private withoutSource(query: string, terms: ReadonlySet<string>, spans: readonly [number, number][]): string {
    let out = "";
    let from = 0;
    let afterName = false;
    const folded = foldTypography(query);
    for (const tok of tokenize(query)) {
      const naming =
        spans.some(([a, b]) => tok.start >= a && tok.end <= b) || this.analyzer.terms(query.slice(tok.start, tok.end)).some((t) => terms.has(t));
      const document = afterName && (DOCUMENT_NOUN.test(tok.word) || VIEW_NOUN.test(tok.word));
      afterName = naming;
      if (!naming && !document) continue;
      // The tokens leave a name's possessive out: "the Spectator's view" loses it with the name.
      const end = naming && /^'s\b/.test(folded.slice(tok.end)) ? tok.end + 2 : tok.end;
      out += query.slice(from, tok.start);
      from = end;
    }
    return out + query.slice(from);
  }
  private _sourceTerms?: SourceTerms;
  /** Built on the first question that may name a source, then kept. */
  private get sourceTerms(): SourceTerms {
    return (this._sourceTerms ??= this.buildSourceTerms());
  }

  private buildSourceTerms(): SourceTerms {
    const add = (m: Map<string, Set<string>>, t: string, d: string) => {
      let s = m.get(t);
      if (!s) m.set(t, (s = new Set()));
      s.add(d);
    };
    const headerDocs = new Map<string, Set<string>>();
    const textDocs = new Map<string, Set<string>>();
    const docs = new Set<string>();
    for (const c of this.chunks) {
      const d = c.metadata.documentId;
      if (!docs.has(d)) {
        docs.add(d);
        for (const t of this.analyzer.terms(namingHeader(this.contextOf(d), c.metadata.publisher))) add(headerDocs, t, d);
      }
      for (const t of this.analyzer.terms(c.pageContent)) add(textDocs, t, d);
    }
    // Publishers named by a phrase joined by small words, with their documents, unless another
    // publisher's document says the phrase (it is then a subject there, not only a source).
    const phrases = new Map<string, Set<string>>();
    for (const c of this.chunks) {
      const publisher = c.metadata.publisher;
      if (publisher && JOINED_NAME.test(publisher)) add(phrases, foldTypography(publisher).toLowerCase(), c.metadata.documentId);
    }
    if (phrases.size > 0) {
      // One scan of each chunk for all the phrases, longest first.
      const alternation = [...phrases.keys()].sort((a, b) => b.length - a.length).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternation.join("|")})(?![\\p{L}\\p{N}])`, "gu");
      const quoted = new Set<string>();
      for (const c of this.chunks) {
        for (const m of foldTypography(c.pageContent).toLowerCase().matchAll(pattern)) {
          if (!phrases.get(m[0])?.has(c.metadata.documentId)) quoted.add(m[0]);
        }
      }
      for (const phrase of quoted) phrases.delete(phrase);
    }
    return { headerDocs, textDocs, phrases };
  }

  /**
   * Stand-in terms for the query's words, each at its share of an exact match, and the terms the
   * question's reading puts in place of a typed word ("size" for "How large is IS-K?") in full:
   * BM25 finds candidates by the reading the reranker scores them by.
   */
  private relatedTermsOf(query: string): Map<string, number> | undefined {
    if (!this.stats) return undefined;
    const read = queryTerms(query, this.stats);
    const out = new Map<string, number>();
    for (const term of read.substituted) out.set(term, 1);
    for (const alternatives of read.related.values()) {
      for (const [term, share] of alternatives) out.set(term, Math.max(share, out.get(term) ?? 0));
    }
    return out.size > 0 ? out : undefined;
  }

  /** A passage's sentences as terms, from the sentence cache the reranker already filled. */
  private sentencesOf(text: string): string[][] {
    return this.stats ? this.stats.sentencesOf(text).terms : [];
  }

  /** The chunk holding [start, end) of a document, as a passage (scores zero: it was not retrieved). */
  passageFor(documentId: string, start: number, end: number): Passage | undefined {
    const position = this.chunks.findIndex((c) => c.metadata.documentId === documentId && c.metadata.start <= start && c.metadata.end >= end);
    return position < 0 ? undefined : this.toPassage(position, { rrf: 0, dense: 0, bm25: 0 });
  }

  private get positionOfId(): Map<string, number> {
    return (this._positionOfId ??= new Map(this.chunks.map((c, i) => [this.chunkIdOf(c), i] as const)));
  }
  private _positionOfId?: Map<string, number>;

  private chunkIdOf(c: ChunkDocument): string {
    return c.id ?? `${c.metadata.documentId}#${c.metadata.chunkIndex}`;
  }

  private toPassage(position: number, s: { rrf: number; dense: number; bm25: number }): Passage {
    const c = this.chunks[position]!;
    return {
      chunkId: this.chunkIdOf(c),
      documentId: c.metadata.documentId,
      title: c.metadata.title,
      label: c.metadata.label,
      section: c.metadata.section,
      author: c.metadata.author,
      publisher: c.metadata.publisher,
      date: c.metadata.date,
      text: c.pageContent,
      start: c.metadata.start,
      end: c.metadata.end,
      score: s.rrf,
      fusedScore: s.rrf,
      denseScore: s.dense,
      bm25Score: s.bm25,
    };
  }
}
