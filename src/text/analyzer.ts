import { AliasNormalizer, type AliasTable } from "./aliases.js";
import { isContentWord, stem, tokenize } from "./normalize.js";
import { COUNT_WORD_VALUES, TENS, UNITS } from "./numbers.js";

const NUMBER_RANGE = /^(\d[\d,.]*)-(\d[\d,.]*)$/;
/** "twenty-five", "seventy-six": one figure. */
const TENS_AND_UNIT = new RegExp(`^(${Object.keys(TENS).join("|")})-(${Object.keys(UNITS).filter((w) => UNITS[w]! < 10).join("|")})$`);

/**
 * The one way text becomes terms, shared by the embedder, BM25 and sentence scoring so
 * that a query and a passage are always compared in the same vocabulary: content words,
 * alias forms folded to their cluster id, Porter-stemmed.
 */
export class TextAnalyzer {
  private readonly aliases: AliasNormalizer;

  constructor(readonly aliasTable: AliasTable = { clusters: [] }) {
    this.aliases = new AliasNormalizer(aliasTable);
  }

  /** Content words, lower case, alias-folded, unstemmed. */
  words(text: string): string[] {
    return this.split(text).words;
  }

  private split(text: string): { words: string[]; compounds: string[] } {
    const words: string[] = [];
    const compounds: string[] = [];
    for (const t of tokenize(text)) {
      // A range is its two figures: "1,000-3,000 fighters" meets "between 1,000 to 3,000".
      const range = NUMBER_RANGE.exec(t.word);
      if (range) {
        words.push(range[1]!, range[2]!);
        continue;
      }
      const compound = TENS_AND_UNIT.exec(t.word);
      if (compound) {
        words.push(String(TENS[compound[1]!]! + UNITS[compound[2]!]!));
        continue;
      }
      const whole = /^[a-z]{1,5}-[a-z]{1,3}$/.test(t.word) || /\d/.test(t.word);
      const parts = whole ? [t.word] : t.word.split("-");
      // A small count is the same term in words or figures: "6-12 months" meets "six to twelve months".
      for (const p of parts) if (p && isContentWord(p)) words.push(COUNT_WORD_VALUES.has(p) ? String(COUNT_WORD_VALUES.get(p)) : p);
      // "counter-terrorism" must also meet "counterterrorism": the joined form is a term too.
      if (!whole && parts.length > 1) compounds.push(parts.join(""));
    }
    return { words: this.aliases.apply(words), compounds };
  }

  /** Stemmed terms: what indexes and scores are built from. */
  terms(text: string): string[] {
    const { words, compounds } = this.split(text);
    const terms = words.map((w) => (w.startsWith("alias_") ? w : stem(w)));
    for (const c of compounds) terms.push(stem(c));
    return terms;
  }

  isAlias(term: string): boolean {
    return term.startsWith("alias_");
  }
}
