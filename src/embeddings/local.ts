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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over `s.slice(from, to)`, continuing from `h`: a key's hash without building the key. */
function fnv1aFrom(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

// Hash states after each family's key prefix ("u:", "b:", "c:").
const UNIGRAM_SEED = fnv1aFrom(FNV_OFFSET, "u:");
const BIGRAM_SEED = fnv1aFrom(FNV_OFFSET, "b:");
const CHARS_SEED = fnv1aFrom(FNV_OFFSET, "c:");

/**
 * One feature family's hashed sums: a dense accumulator plus the slots in the order they were
 * first touched, so the family's norm is summed in that order and only touched slots are reset.
 */
class HashedFamily {
  readonly values: Float64Array;
  readonly touched: number[] = [];
  /** `dim - 1` when dim is a power of two: the same slot as `hash % dim`, without a float division. */
  private readonly mask: number;
  /** Whether a slot is in `touched` (a slot can sum back to zero, so its value cannot say). */
  private readonly seen: Uint8Array;
  constructor(dim: number) {
    this.values = new Float64Array(dim);
    this.seen = new Uint8Array(dim);
    this.mask = (dim & (dim - 1)) === 0 ? dim - 1 : -1;
  }
  add(hash: number, weight: number): void {
    const h = hash >>> 0;
    const slot = this.mask >= 0 ? h & this.mask : h % this.values.length;
    const sign = h & 0x80000000 ? -1 : 1;
    if (!this.seen[slot]) {
      this.seen[slot] = 1;
      this.touched.push(slot);
    }
    this.values[slot] = this.values[slot]! + sign * weight;
  }
  reset(): void {
    for (const slot of this.touched) {
      this.values[slot] = 0;
      this.seen[slot] = 0;
    }
    this.touched.length = 0;
  }
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
    const families = (this.families ??= [new HashedFamily(dim), new HashedFamily(dim), new HashedFamily(dim)]);
    const [unigrams, bigramFamily, chars] = families as [HashedFamily, HashedFamily, HashedFamily];
    try {
      const terms = this.analyzer.terms(text);
      const tf = new Map<string, number>();
      for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, c] of tf) unigrams.add(fnv1aFrom(UNIGRAM_SEED, t), (1 + Math.log(c)) * this.idfOf(t));
      const bigrams = new Map<string, number>();
      for (let i = 1; i < terms.length; i++) {
        const b = `${terms[i - 1]} ${terms[i]}`;
        bigrams.set(b, (bigrams.get(b) ?? 0) + 1);
      }
      for (const [b, c] of bigrams) bigramFamily.add(fnv1aFrom(BIGRAM_SEED, b), (1 + Math.log(c)) * this.idfOf(b));
      for (const [t, c] of tf) {
        if (this.analyzer.isAlias(t)) continue;
        // Character n-grams of "^term$", hashed in place.
        const padded = `^${t}$`;
        const weight = (1 + Math.log(c)) * 0.5;
        for (const n of [3, 4]) {
          for (let i = 0; i + n <= padded.length; i++) chars.add(fnv1aFrom(CHARS_SEED, padded, i, i + n), weight);
        }
      }
      // A copy of a zero vector already holding doubles: filling a new array with the integer 0
      // and then storing fractions converts it, which cost more than the rest of the embedding.
      const vector = (this.zeros ??= new Array<number>(dim).fill(0.5).fill(0)).slice();
      const weights = [WEIGHTS.unigram, WEIGHTS.bigram, WEIGHTS.chars];
      // Touched slots as a bitset: read back in index order without sorting them.
      const inVector = (this.inVector ??= new Uint32Array(Math.ceil(dim / 32)));
      families.forEach(({ values, touched }, f) => {
        let norm = 0;
        for (const slot of touched) norm += values[slot]! * values[slot]!;
        norm = Math.sqrt(norm);
        if (norm === 0) return;
        for (const slot of touched) {
          inVector[slot >>> 5]! |= 1 << (slot & 31);
          vector[slot]! += (weights[f]! * values[slot]!) / norm;
        }
      });
      // Only the touched slots (one to two hundred of 2048 for a question) are summed, in index
      // order: the same sum, to the bit, as a pass over the whole vector, whose zeros add nothing.
      const slots: number[] = [];
      for (let w = 0; w < inVector.length; w++) {
        let bits = inVector[w]!;
        if (bits === 0) continue;
        inVector[w] = 0;
        while (bits !== 0) {
          const lowest = bits & -bits;
          slots.push(w * 32 + 31 - Math.clz32(lowest));
          bits ^= lowest;
        }
      }
      let total = 0;
      for (const slot of slots) total += vector[slot]! * vector[slot]!;
      total = Math.sqrt(total);
      if (total !== 0) for (const slot of slots) vector[slot] = vector[slot]! / total;
      return vector;
    } finally {
      for (const family of families) family.reset();
      // Read back, the bitset is already clear; this is for a call that threw before then.
      this.inVector?.fill(0);
    }
  }
  /** Reused accumulators, one per feature family (embedding is synchronous). */
  private families?: HashedFamily[];
  private inVector?: Uint32Array;
  private zeros?: number[];

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((d) => this.embedText(d));
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.embedText(document);
  }
}
