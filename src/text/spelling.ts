import { foldTypography } from "./normalize.js";

/** What correcting a question's spelling reads. */
export interface SpellingLexicon {
  /** Whether the documents use the word (lower case). */
  knows(word: string): boolean;
  /** The word's place in general-English frequency (0 = most frequent), or undefined when unknown. */
  rank(word: string): number | undefined;
}

/**
 * A lower-case word more common than this in general English is a word, not a slip, even when
 * the documents never use it: "configure" (52k) is one edit from their "configured", "hive" (33k)
 * from their "have". Slips that word lists carry at all sit further out ("recieved" 89k,
 * "withdrawl" 118k, of 120k words).
 */
const RARE_RANK = 80_000;
/** Shorter words have too many neighbours one edit away to tell a slip from another word. */
const MIN_LENGTH = 4;
/** Most new words per question tried for slips. */
const MAX_LOOKED_UP = 20;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz";

/** Every string one deletion, transposition, substitution or insertion away (Damerau, distance 1). */
export function oneEditAway(word: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    if (tail) out.add(head + tail.slice(1));
    if (tail.length > 1) out.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of ALPHABET) {
      if (tail && c !== tail[0]) out.add(head + c + tail.slice(1));
      out.add(head + c + tail);
    }
  }
  out.delete(word);
  return out;
}

/**
 * The documents' word a typed word was meant to be, or undefined when it stands as typed. The
 * typed word must be one the documents lack and general English does not use either, or only
 * rarely for a word typed in lower case: a capitalised word must be unknown to it altogether, as
 * names are rare words ("Boko" is no slip for "book"). Of the words one edit away, the most common
 * in general English is what was meant, and it must be the documents' own ("Afganistan",
 * "withdrawl"). Otherwise the word stands: "prioritise" is nearest "priorities", but is a spelling
 * of "prioritize"; "draged" is nearest "dragged", which the documents lack; "daesh" and "iswap"
 * are names general English does not know, nearest "dash" and "swap".
 */
export function correctionOf(word: string, capitalised: boolean, lexicon: SpellingLexicon): string | undefined {
  if (word.length < MIN_LENGTH || !/^[a-z]+$/.test(word) || lexicon.knows(word)) return undefined;
  const rank = lexicon.rank(word);
  if (rank !== undefined && (capitalised || rank < RARE_RANK)) return undefined;
  // British spellings are rarer in general English than the American ones the word list favours.
  if (rank !== undefined && americanSpellingsOf(word).some((w) => (lexicon.rank(w) ?? Infinity) < RARE_RANK)) return undefined;
  let best: string | undefined;
  let bestOrder = Infinity;
  let bestKnown = false;
  for (const candidate of oneEditAway(word)) {
    if (candidate.length < MIN_LENGTH) continue;
    const known = lexicon.knows(candidate);
    const r = lexicon.rank(candidate);
    if (r === undefined && !known) continue;
    // A word of the documents general English lacks (a name) comes after every word it has.
    const order = r ?? Number.MAX_SAFE_INTEGER;
    if (order < bestOrder || (order === bestOrder && best !== undefined && candidate < best)) {
      best = candidate;
      bestOrder = order;
      bestKnown = known;
    }
  }
  return bestKnown ? best : undefined;
}

/** The American spellings a British one may have: "prioritise" -> "prioritize", "labour" -> "labor". */
export function americanSpellingsOf(word: string): string[] {
  const out = new Set<string>();
  for (const [british, american] of BRITISH_TO_AMERICAN) if (british.test(word)) out.add(word.replace(british, american));
  out.delete(word);
  return [...out];
}
const BRITISH_TO_AMERICAN: [RegExp, string][] = [
  [/is(e|ed|es|ing|ation|ations|er|ers)$/, "iz$1"],
  [/ys(e|ed|es|ing)$/, "yz$1"],
  [/our(s|ed|ing|able|ite|ites)?$/, "or$1"],
  [/tre(s)?$/, "ter$1"],
  [/ence(s)?$/, "ense$1"],
  [/ogue(s)?$/, "og$1"],
  [/ll(ed|ing|er|ers)$/, "l$1"],
];

export interface SpellingCorrection {
  /** The question with each slip replaced, its case kept. */
  text: string;
  /** What was replaced, in order: [as typed, as read]. */
  corrections: [string, string][];
}

/**
 * Reads a question's slips as the documents' words ("withdrawl" as "withdrawal"), so a typo
 * neither hides the passage that answers nor reads as a topic the documents lack. Only letters
 * are touched: numbers, initialisms and words of other scripts stand as typed.
 */
export class SpellingCorrector {
  /** Per word and case, its correction or null: a slip is looked up once, not per question. */
  private readonly memo = new Map<string, string | null>();

  constructor(private readonly lexicon: SpellingLexicon) {}

  correct(question: string): SpellingCorrection {
    const folded = foldTypography(question);
    const corrections: [string, string][] = [];
    let looked = 0;
    const text = folded.replace(/\p{L}+(?:'\p{L}+)*/gu, (typed) => {
      // All capitals is an initialism or shouting, an apostrophe a contraction ("doesn't"): neither is corrected.
      if (typed.length < MIN_LENGTH || typed === typed.toUpperCase() || typed.includes("'")) return typed;
      const lower = typed.toLowerCase();
      const capitalised = typed[0] !== lower[0];
      const key = capitalised ? `^${lower}` : lower;
      let fixed = this.memo.get(key);
      if (fixed === undefined) {
        // A new word costs a few hundred lookups: a pasted essay of strange words gets no more
        // than MAX_LOOKED_UP of them.
        if (this.lexicon.knows(lower) || ++looked > MAX_LOOKED_UP) return typed;
        fixed = correctionOf(lower, capitalised, this.lexicon) ?? null;
        if (this.memo.size >= 10_000) this.memo.clear();
        this.memo.set(key, fixed);
      }
      if (fixed === null) return typed;
      const read = capitalised ? fixed[0]!.toUpperCase() + fixed.slice(1) : fixed;
      corrections.push([typed, read]);
      return read;
    });
    return { text: corrections.length > 0 ? text : question, corrections };
  }
}
