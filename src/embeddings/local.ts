import { Embeddings } from "@langchain/core/embeddings";
import type { AliasTable } from "../text/aliases.js";
import { TextAnalyzer } from "../text/analyzer.js";

/**
 * The built-in embedder: no network, no download, deterministic. Three hashed feature
 * families, each L2-normalised and then mixed:
 *  - stemmed unigrams with alias folding (IS-K, ISKP, "Islamic State Khorasan" are one term), TF-IDF;
 *  - bigrams of adjacent terms, TF-IDF, for phrases ("drone strike", "military base");
 *  - character 3/4-grams of each word, for spelling and morphological variants.
 * Fitted state (IDF tables and aliases) is saved with the index so queries embed the same way.
 */
export interface LocalEmbedderState {
  kind: "local-hash-tfidf";
  version: 1;
  dim: number;
  documentCount: number;
  idf: Record<string, number>;
  aliases: AliasTable;
}

const WEIGHTS = { unigram: 1.0, bigram: 0.55, chars: 0.35 };

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class LocalEmbeddings extends Embeddings {
  readonly analyzer: TextAnalyzer;
  private readonly idf: Map<string, number>;
  private readonly maxIdf: number;

  constructor(readonly state: LocalEmbedderState) {
    super({});
    this.analyzer = new TextAnalyzer(state.aliases);
    this.idf = new Map(Object.entries(state.idf));
    this.maxIdf = Math.log(1 + (state.documentCount + 1) / 0.5);
  }

  /** Learns IDF (over the given texts, usually chunks) and uses the alias table supplied. */
  static fit(texts: string[], options: { dim: number; aliases: AliasTable }): LocalEmbeddings {
    const analyzer = new TextAnalyzer(options.aliases);
    const df = new Map<string, number>();
    for (const text of texts) {
      const terms = analyzer.terms(text);
      const seen = new Set<string>(terms);
      for (let i = 1; i < terms.length; i++) seen.add(`${terms[i - 1]} ${terms[i]}`);
      for (const t of seen) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const n = texts.length;
    const idf: Record<string, number> = {};
    for (const [t, d] of [...df.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      idf[t] = Math.round(Math.log(1 + (n + 1) / (d + 0.5)) * 1e4) / 1e4;
    }
    return new LocalEmbeddings({ kind: "local-hash-tfidf", version: 1, dim: options.dim, documentCount: n, idf, aliases: options.aliases });
  }

  get id(): string {
    return `local-hash-tfidf-v1`;
  }

  idfOf(term: string): number {
    return this.idf.get(term) ?? this.maxIdf;
  }

  embedText(text: string): number[] {
    const dim = this.state.dim;
    const families: Map<number, number>[] = [new Map(), new Map(), new Map()];
    const add = (family: number, key: string, weight: number) => {
      const h = fnv1a(key);
      const slot = h % dim;
      const sign = h & 0x80000000 ? -1 : 1;
      const m = families[family]!;
      m.set(slot, (m.get(slot) ?? 0) + sign * weight);
    };
    const terms = this.analyzer.terms(text);
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, c] of tf) add(0, `u:${t}`, (1 + Math.log(c)) * this.idfOf(t));
    const bigrams = new Map<string, number>();
    for (let i = 1; i < terms.length; i++) {
      const b = `${terms[i - 1]} ${terms[i]}`;
      bigrams.set(b, (bigrams.get(b) ?? 0) + 1);
    }
    for (const [b, c] of bigrams) add(1, `b:${b}`, (1 + Math.log(c)) * this.idfOf(b));
    for (const [t, c] of tf) {
      if (this.analyzer.isAlias(t)) continue;
      const padded = `^${t}$`;
      for (const n of [3, 4]) {
        for (let i = 0; i + n <= padded.length; i++) add(2, `c:${padded.slice(i, i + n)}`, (1 + Math.log(c)) * 0.5);
      }
    }
    const vector = new Array<number>(dim).fill(0);
    const weights = [WEIGHTS.unigram, WEIGHTS.bigram, WEIGHTS.chars];
    const touched = new Set<number>();
    families.forEach((m, f) => {
      let norm = 0;
      for (const v of m.values()) norm += v * v;
      norm = Math.sqrt(norm);
      if (norm === 0) return;
      for (const [slot, v] of m) {
        vector[slot]! += (weights[f]! * v) / norm;
        touched.add(slot);
      }
    });
    // Only the touched slots (one to two hundred of 2048 for a question) are visited, in index
    // order: the same sum, to the bit, as a pass over the whole vector, whose zeros add nothing.
    const slots = [...touched].sort((a, b) => a - b);
    let total = 0;
    for (const slot of slots) total += vector[slot]! * vector[slot]!;
    total = Math.sqrt(total);
    if (total !== 0) for (const slot of slots) vector[slot] = vector[slot]! / total;
    return vector;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((d) => this.embedText(d));
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.embedText(document);
  }
}
