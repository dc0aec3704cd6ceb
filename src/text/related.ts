import type { WordVectorTable } from "./wordVectors.js";
import { PAST_OF_ANOTHER_VERB, sameLemma } from "./normalize.js";
import { CARDINAL_WORD_ALTERNATION } from "./numbers.js";

export interface RelatedTerm {
  /** The corpus term (stemmed, as the analyzer writes it). */
  term: string;
  /** Cosine similarity of the two words' vectors. */
  similarity: number;
}

export interface RelatedTermsOptions {
  /** Least cosine similarity for a corpus word to stand in for a question word. */
  minSimilarity: number;
  /** Most stand-ins per question word. */
  perWord: number;
}

/**
 * Chosen on the project's own question set: 0.6 keeps "founded"/"formed" (0.70) and
 * "killed"/"dead" (0.83) while dropping loose associations ("insult"/"branding", 0.33).
 */
export const DEFAULT_RELATED: RelatedTermsOptions = { minSimilarity: 0.6, perWord: 3 };

const NUMBER_WORD = new RegExp(`^(?:\\d.*|${CARDINAL_WORD_ALTERNATION}|dozens?|hundreds|thousands|millions|billions|first|second|third|fourth|fifth)$`);

/** Below `fullRank` in general frequency a word counts less, down to `floor` for the commonest. */
const SPECIFICITY = { floor: 0.3, fullRank: 30_000 };

/**
 * Words of the corpus that mean nearly what a question's word means, by general-English
 * word vectors: the question's "founded" finds the documents' "formed". Only the corpus's
 * own words are candidates, so a stand-in always matches something; the caller decides how
 * much less than an exact match it counts.
 */
export class RelatedTerms {
  private readonly words: { word: string; term: string }[] = [];
  private readonly matrix: Float32Array;
  private readonly cache = new Map<string, RelatedTerm[]>();
  /** Per corpus term, its words (rows of `words`): "attack", "attacks", "attacked". */
  private readonly forms = new Map<string, number[]>();

  constructor(
    private readonly vectors: WordVectorTable,
    corpusWords: Iterable<string>,
    /** The corpus term a word indexes as, or undefined for words the index drops. */
    private readonly termOf: (word: string) => string | undefined,
    readonly options: RelatedTermsOptions = DEFAULT_RELATED,
  ) {
    const rows: Float32Array[] = [];
    for (const word of corpusWords) {
      const term = termOf(word);
      const v = term === undefined ? undefined : vectors.vector(word);
      if (!v) continue;
      this.words.push({ word, term: term! });
      rows.push(v);
      const forms = this.forms.get(term!);
      if (forms) forms.push(this.words.length - 1);
      else this.forms.set(term!, [this.words.length - 1]);
    }
    this.matrix = new Float32Array(rows.length * vectors.dims);
    rows.forEach((r, i) => this.matrix.set(r, i * vectors.dims));
  }

  /**
   * How specific a word is in general English (0..1]: "way" and "best" say little about a
   * topic however rare they are in five articles; "bread" and "boiling" say much. Words the
   * table lacks (names, rare terms) count as fully specific.
   */
  specificity(word: string): number {
    let s = this.specificities.get(word);
    if (s === undefined) {
      // Counts are never filler in a question: "what two steps" asks for exactly two things.
      const rank = NUMBER_WORD.test(word) ? undefined : this.vectors.rank(word);
      s = rank === undefined ? 1 : Math.min(1, Math.max(SPECIFICITY.floor, Math.log(rank + 1) / Math.log(SPECIFICITY.fullRank)));
      if (this.specificities.size >= 10_000) this.specificities.clear();
      this.specificities.set(word, s);
    }
    return s;
  }
  private readonly specificities = new Map<string, number>();

  /** Cosine similarity of two words, or undefined when the table lacks either. */
  similarity(a: string, b: string): number | undefined {
    const x = this.vectorOf(a);
    const y = this.vectorOf(b);
    if (!x || !y) return undefined;
    let s = 0;
    for (let d = 0; d < x.length; d++) s += x[d]! * y[d]!;
    return s;
  }

  /** A file-backed table reads each vector from disk: the words compared recur from question to question. */
  private vectorOf(word: string): Float32Array | undefined {
    let v = this.vectorCache.get(word);
    if (v === undefined) {
      v = this.vectors.vector(word) ?? null;
      if (this.vectorCache.size >= 10_000) this.vectorCache.clear();
      this.vectorCache.set(word, v);
    }
    return v ?? undefined;
  }
  private readonly vectorCache = new Map<string, Float32Array | null>();

  get vocabularySize(): number {
    return this.words.length;
  }

  /**
   * How nearly the corpus's own forms of a word's stem mean the word: the closest one's
   * similarity, 1 when the corpus writes the word itself, a regular inflection of it ("waged"
   * and "wage", 0.34 apart in the vectors; "militaries" and "military"), or either side lacks a
   * vector. Stemming also joins words that only look alike: "operated" and "operatives" (0.26),
   * "nationalities" and "nations", and an inflection of a past tense that is another verb's:
   * "founded" and the "found" of "found themselves" (0.37).
   */
  formAgreement(word: string, term: string): number {
    const forms = this.forms.get(term);
    if (!forms) return 1;
    for (const i of forms) {
      const form = this.words[i]!.word;
      if (form === word || (sameLemma(word, form) && !PAST_OF_ANOTHER_VERB.has(word) && !PAST_OF_ANOTHER_VERB.has(form))) return 1;
    }
    const v = this.vectorOf(word);
    if (!v) return 1;
    // The corpus's words are rows of the matrix already: no vector is read for them.
    let best = -Infinity;
    for (const i of forms) best = Math.max(best, this.similarityToRow(v, i));
    return best;
  }

  /** Cosine similarity of a unit vector and the corpus word in row `i` of the matrix. */
  private similarityToRow(v: Float32Array, i: number): number {
    const dims = this.vectors.dims;
    const base = i * dims;
    let s = 0;
    for (let d = 0; d < dims; d++) s += v[d]! * this.matrix[base + d]!;
    return s;
  }

  /** Corpus terms close to the word, best first; none for words without a vector. */
  of(word: string): RelatedTerm[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const result = this.compute(word);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  private compute(word: string): RelatedTerm[] {
    const v = this.vectors.vector(word);
    const own = this.termOf(word);
    if (!v) return [];
    const best = new Map<string, number>();
    for (let i = 0; i < this.words.length; i++) {
      const s = this.similarityToRow(v, i);
      if (s < this.options.minSimilarity) continue;
      const { term } = this.words[i]!;
      if (term === own) continue;
      if (s > (best.get(term) ?? -1)) best.set(term, s);
    }
    return [...best.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, this.options.perWord)
      .map(([term, similarity]) => ({ term, similarity }));
  }
}
