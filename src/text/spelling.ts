import { atSentenceStart, foldTypography } from "./normalize.js";

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
/**
 * How much more common than a listed word the word it was meant to be must be. Slips are 40 to
 * 1,300 times rarer than their words ("withdrawl" 42, "responsibilty" 74, "recieved" 194); rare
 * words one edit from a commoner one are 7 to 30 times rarer ("enmities"/"entities" 11,
 * "rabidly"/"rapidly" 29, "prioritise"/"priorities" 15, "fulfils"/"fulfill" 11).
 */
const SLIP_RARITY = 35;
/** Shorter words have too many neighbours one edit away to tell a slip from another word. */
const MIN_LENGTH = 4;
/** Longer "words" are no typing: each letter costs ~54 strings one edit away. */
const MAX_LENGTH = 24;
/** Most new words per question tried for slips. */
const MAX_LOOKED_UP = 20;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz";
/** An "-ism" and its "-ist" are two words, whichever a word list lacks ("jihadism", "jihadist"). */
const ISM_OR_IST = /is(?:m|t)s?$/;

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
 * typed word must be one the documents lack. A word general English lacks too ("figters",
 * "Afganistan") may be a slip; a word it lists only if it is rare ("withdrawl", 118k of 120k
 * words), typed in lower case (a capitalised word is a name, and names are rare words: "Boko" is
 * no slip for "book"), and far rarer than the word it was meant to be. Of the words one edit
 * away, the most common in general English is what was meant, and it must be the documents'
 * own: "draged" is nearest "dragged", which they lack, and stands; "daesh" and "iswap" are names
 * general English does not know, nearest "dash" and "swap", and stand.
 */
export function correctionOf(word: string, capitalised: boolean, lexicon: SpellingLexicon): string | undefined {
  if (word.length < MIN_LENGTH || word.length > MAX_LENGTH || !/^[a-z]+$/.test(word) || lexicon.knows(word)) return undefined;
  const rank = lexicon.rank(word);
  if (rank !== undefined && (capitalised || rank < RARE_RANK)) return undefined;
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
  if (!best || !bestKnown) return undefined;
  if (rank !== undefined && rank < bestOrder * SLIP_RARITY) return undefined;
  if (ISM_OR_IST.test(word) && ISM_OR_IST.test(best) && word.slice(0, -4) === best.slice(0, -4)) return undefined;
  return best;
}

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
    const text = folded.replace(/\p{L}+(?:'\p{L}+)*/gu, (typed: string, offset: number) => {
      // A possessive is its word's: "Afganistan's" is read as "Afghanistan's".
      const possessive = /^(\p{L}+)('s)$/iu.exec(typed);
      const word = possessive ? possessive[1]! : typed;
      // All capitals is an initialism or shouting, another apostrophe a contraction ("doesn't"): neither is corrected.
      if (word.length < MIN_LENGTH || word === word.toUpperCase() || word.includes("'")) return typed;
      const lower = word.toLowerCase();
      // A capital opening a sentence is grammar: "Withdrawl of US troops: what followed?" is typed in lower case.
      const capitalised = word[0] !== lower[0] && !atSentenceStart(folded, offset);
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
      const read = word[0] !== lower[0] ? fixed[0]!.toUpperCase() + fixed.slice(1) : fixed;
      corrections.push([word, read]);
      return read + (possessive ? possessive[2]! : "");
    });
    return { text: corrections.length > 0 ? text : question, corrections };
  }
}
