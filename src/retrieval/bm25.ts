import MiniSearch from "minisearch";
import type { TextAnalyzer } from "../text/analyzer.js";
import type { ChunkDocument } from "../store/hnswStore.js";

/**
 * BM25 over chunks with MiniSearch, tokenised by the shared analyzer so that alias folding
 * and stemming apply to queries exactly as to passages.
 */
export class Bm25Index {
  private readonly search: MiniSearch<{ id: number; text: string; context: string }>;

  constructor(chunks: ChunkDocument[], private readonly analyzer: TextAnalyzer, contextOf: (documentId: string) => string = () => "") {
    this.search = new MiniSearch({
      fields: ["text", "context"],
      idField: "id",
      tokenize: (text: string) => analyzer.terms(text),
      processTerm: (term: string) => term,
      // The document header counts, but far less than the passage's own words.
      searchOptions: { combineWith: "OR", boost: { text: 1, context: 0.25 }, bm25: { k: 1.2, b: 0.75, d: 0.5 } },
    });
    this.search.addAll(chunks.map((c, i) => ({ id: i, text: c.pageContent, context: contextOf(c.metadata.documentId) })));
  }

  /**
   * [chunk position, score] pairs, best first. `related` adds terms of nearly the same
   * meaning as the question's, each counted at the given share of an exact match.
   */
  query(text: string, limit: number, related?: Map<string, number>): { position: number; score: number }[] {
    const options = related?.size
      ? { tokenize: (t: string) => [...this.analyzer.terms(t), ...related.keys()], boostTerm: (term: string) => related.get(term) ?? 1 }
      : undefined;
    return this.search
      .search(text, options)
      .slice(0, limit)
      .map((r) => ({ position: r.id as number, score: r.score }));
  }
}
