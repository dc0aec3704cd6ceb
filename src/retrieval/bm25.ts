import MiniSearch from "minisearch";
import type { TextAnalyzer } from "../text/analyzer.js";
import type { ChunkDocument } from "../store/hnswStore.js";
import { topIndices } from "../util/topK.js";

/** The document header counts, but far less than the passage's own words. */
const FIELD_BOOST = { text: 1, context: 0.25 } as const;
const BM25_PARAMS = { k: 1.2, b: 0.75, d: 0.5 };

/** One term's BM25 score per field, for every chunk holding it. */
interface TermPostings {
  /** Chunk positions in the order MiniSearch meets them: text-field matches, then header-only ones. */
  positions: Int32Array;
  /** Each field's score, 0 where the field lacks the term (a BM25 score with d > 0 never is 0). */
  text: Float64Array;
  context: Float64Array;
}

/**
 * What the per-term memo may hold before it starts again, counted in postings (20 bytes each)
 * plus MEMO_ENTRY_COST per term for the arrays, key and map slot: at least 2^21 (about 40 MB,
 * never reached by the project corpus's 89 chunks), and room for the 32 commonest terms of a
 * large corpus, so a question of common words does not empty it every time.
 */
const memoLimit = (chunks: number) => Math.max(2 ** 21, 32 * chunks);
const MEMO_ENTRY_COST = 32;
const NO_POSTINGS: TermPostings = { positions: new Int32Array(0), text: new Float64Array(0), context: new Float64Array(0) };

/**
 * BM25 over chunks with MiniSearch, tokenised by the shared analyzer so that alias folding
 * and stemming apply to queries exactly as to passages.
 *
 * MiniSearch scores a multi-term query by building a result object per chunk and term, which
 * cost a quarter of a cold ask (about 0.2 ms for a 20-term question over 89 chunks). Each
 * term's per-field scores are the same for every question, so they are asked of MiniSearch once
 * per term and remembered; `query` combines them exactly as MiniSearch's OR search does (the
 * sum of the terms' boosted field scores, times the number of distinct terms matched), to the
 * bit and in its order, which a test holds against `referenceQuery`.
 */
export class Bm25Index {
  private readonly search: MiniSearch<{ id: number; text: string; context: string }>;
  private readonly memo = new Map<string, TermPostings>();
  /** Every term MiniSearch indexed (text or header): a word outside it is answered without a search. */
  private readonly vocabulary = new Set<string>();
  private memoCost = 0;
  private readonly score: Float64Array;
  private readonly matched: Int32Array;

  constructor(
    chunks: ChunkDocument[],
    private readonly analyzer: TextAnalyzer,
    contextOf: (documentId: string) => string = () => "",
    /** The memo's bound, in the units of memoLimit. */
    private readonly maxMemoCost = memoLimit(chunks.length),
  ) {
    let indexing = true;
    this.search = new MiniSearch({
      fields: ["text", "context"],
      idField: "id",
      tokenize: (text: string) => {
        const terms = analyzer.terms(text);
        if (indexing) for (const t of terms) this.vocabulary.add(t);
        return terms;
      },
      processTerm: (term: string) => term,
      searchOptions: { combineWith: "OR", boost: { ...FIELD_BOOST }, bm25: BM25_PARAMS },
    });
    this.search.addAll(chunks.map((c, i) => ({ id: i, text: c.pageContent, context: contextOf(c.metadata.documentId) })));
    indexing = false;
    this.score = new Float64Array(chunks.length);
    this.matched = new Int32Array(chunks.length);
  }

  /**
   * [chunk position, score] pairs, best first. `related` adds terms of nearly the same
   * meaning as the question's, each counted at the given share of an exact match.
   */
  query(text: string, limit: number, related?: Map<string, number>): { position: number; score: number }[] {
    const tokens = this.tokensOf(text, related);
    const { score, matched } = this;
    const order: number[] = [];
    const counted = new Set<string>();
    try {
      for (const term of tokens) {
        const postings = this.postingsOf(term);
        const boost = related?.get(term) ?? 1;
        const first = !counted.has(term);
        counted.add(term);
        // MiniSearch's arithmetic, operand for operand: termBoost * fieldBoost * score per field.
        const textWeight = boost * FIELD_BOOST.text;
        const contextWeight = boost * FIELD_BOOST.context;
        for (let i = 0; i < postings.positions.length; i++) {
          const position = postings.positions[i]!;
          const t = postings.text[i]!;
          const c = postings.context[i]!;
          const termScore = t !== 0 && c !== 0 ? textWeight * t + contextWeight * c : t !== 0 ? textWeight * t : contextWeight * c;
          if (matched[position] === 0) {
            order.push(position);
            score[position] = termScore;
          } else {
            score[position] = score[position]! + termScore;
          }
          if (first) matched[position] = matched[position]! + 1;
        }
      }
      const final = order.map((position) => score[position]! * matched[position]!);
      // Ordered as MiniSearch's stable sort by score alone, so ties keep the order they were met in.
      return topIndices(order.length, limit, (i) => final[i]!).map((i) => ({ position: order[i]!, score: final[i]! }));
    } finally {
      // The counters are shared between questions: zero again whatever happened.
      for (const position of order) matched[position] = 0;
    }
  }

  /** How many terms' scores are remembered now. */
  get rememberedTerms(): number {
    return this.memo.size;
  }

  /** MiniSearch's own multi-term search: what `query` must equal. */
  referenceQuery(text: string, limit: number, related?: Map<string, number>): { position: number; score: number }[] {
    const options = related?.size
      ? { tokenize: (t: string) => [...this.analyzer.terms(t), ...related.keys()], boostTerm: (term: string) => related.get(term) ?? 1 }
      : undefined;
    return this.search
      .search(text, options)
      .slice(0, limit)
      .map((r) => ({ position: r.id as number, score: r.score }));
  }

  private tokensOf(text: string, related?: Map<string, number>): string[] {
    const tokens = this.analyzer.terms(text);
    if (related) for (const term of related.keys()) tokens.push(term);
    return tokens.filter((t) => t.length > 0);
  }

  private postingsOf(term: string): TermPostings {
    let postings = this.memo.get(term);
    if (postings) return postings;
    // A word no chunk holds (a typo, a name from elsewhere, a new figure) needs no search.
    if (!this.vocabulary.has(term)) return NO_POSTINGS;
    // One field at a time at boost 1 gives each field's plain BM25 score.
    const fieldScores = (field: "text" | "context") =>
      new Map(this.search.search(term, { tokenize: () => [term], fields: [field], boost: { [field]: 1 } }).map((r) => [r.id as number, r.score] as const));
    const text = fieldScores("text");
    const context = fieldScores("context");
    const ascending = (m: Map<number, number>) => [...m.keys()].sort((a, b) => a - b);
    const positions = [...ascending(text), ...ascending(context).filter((p) => !text.has(p))];
    postings = {
      positions: Int32Array.from(positions),
      text: Float64Array.from(positions, (p) => text.get(p) ?? 0),
      context: Float64Array.from(positions, (p) => context.get(p) ?? 0),
    };
    if (positions.length === 0) return NO_POSTINGS;
    const cost = positions.length + MEMO_ENTRY_COST;
    if (this.memoCost + cost > this.maxMemoCost) {
      this.memo.clear();
      this.memoCost = 0;
    }
    this.memo.set(term, postings);
    this.memoCost += cost;
    return postings;
  }
}
