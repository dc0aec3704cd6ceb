import { stemmer } from "stemmer";

/** Typographic variants folded to ASCII so that "IS‑K", "IS–K" and "IS-K" compare equal. */
export function foldTypography(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033]/g, '"')
    .replace(/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/g, "-")
    .replace(/\u00A0/g, " ");
}

/** Words that carry no topical signal in a question or a passage. */
export const STOPWORDS = new Set(
  (
    "a about above after again against all am an and any are aren't as at be because been before being below " +
    "between both but by can could did do does doing down during each few for from further had has have having " +
    "he her here hers herself him himself his how i if in into is isn't it it's its itself just me more most my " +
    "myself no nor not now of off on once only or other our ours ourselves out over own same she should so some " +
    "such than that that's the their theirs them themselves then there these they this those through to too " +
    "under until up very was wasn't we were what what's when where which while who whom why will with would you " +
    "your yours yourself yourselves also s t don didn doesn shall may might must us via per whose yet " +
    // Indefinite pronouns and adverbs point at something unnamed: "did it pick up anywhere else?"
    "else anywhere somewhere everywhere anything something everything anyone someone everyone anybody somebody everybody"
  ).split(/\s+/),
);

/**
 * Words a question uses to ask rather than to name a topic. They are kept out of query
 * term weighting so "How many fighters…" weighs "fighters", not "many".
 */
export const QUESTION_WORDS = new Set(
  (
    "how many much what which who whom whose when where why tell describe explain give list name say said " +
    "according documents document sources source mention mentioned kind sort type happened happen did does " +
    "versus vs compare compared comparison"
  ).split(/\s+/),
);

export interface Token {
  /** Lower-cased surface form, typography folded. */
  word: string;
  /** Character offsets in the input string. */
  start: number;
  end: number;
}

// Words, numbers with separators (1,000 / 2.5 / 300%), hyphenated compounds (IS-K, air-bases).
const TOKEN_RE = /[\p{L}\p{N}]+(?:[-'.,][\p{L}\p{N}]+)*%?/gu;

/** Splits text into word tokens with offsets. Pure. */
// Scripts written without spaces between words: a run of them is one regex "token".
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: "word" });

export function tokenize(text: string): Token[] {
  const folded = foldTypography(text);
  const tokens: Token[] = [];
  for (const m of folded.matchAll(TOKEN_RE)) {
    if (UNSPACED_SCRIPT.test(m[0])) {
      // ICU's dictionary segmentation finds the words ("莫斯科" in a sentence of Chinese).
      for (const seg of wordSegmenter.segment(m[0])) {
        if (!seg.isWordLike) continue;
        const start = m.index + seg.index;
        tokens.push({ word: seg.segment.toLowerCase(), start, end: start + seg.segment.length });
      }
      continue;
    }
    let word = m[0];
    // A trailing "'s" is possessive, not part of the name.
    if (/'s$/i.test(word)) word = word.slice(0, -2);
    tokens.push({ word: word.toLowerCase(), start: m.index, end: m.index + word.length });
  }
  return tokens;
}

/**
 * Stems of words seen, bounded: the corpus's vocabulary is stemmed once, and questions add
 * their own words. Only words the stemmer works on are kept: a number or a hyphenated name
 * costs a replace, and a stream of new ones (every question a new figure) must not fill memory.
 */
const stemCache = new Map<string, string>();
const MAX_STEMS = 50_000;

/** Porter stem of a lower-case word; numbers and hyphenated names pass through unchanged. */
export function stem(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word.replace(/,/g, "");
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stemCache.size >= MAX_STEMS) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** A word and what it may be without one regular inflection: "waged" -> "wag", "wage"; "militaries" -> "military"; "stopped" -> "stop". */
function uninflected(word: string): string[] {
  const out = [word];
  const strip = (suffix: string, add = "") => {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) out.push(word.slice(0, -suffix.length) + add);
  };
  strip("s");
  strip("es");
  strip("ies", "y");
  strip("d");
  strip("ed");
  strip("ied", "y");
  strip("ing");
  strip("ing", "e");
  // A doubled consonant before the ending: "stopped", "stopping".
  const doubled = /([b-df-hj-np-tv-z])\1(?:ed|ing)$/.exec(word);
  if (doubled) out.push(word.slice(0, doubled.index + 1));
  return out;
}

/** Whether two words are regular inflections of one ("waged" and "waging", "approach" and "approached"). */
export function sameLemma(a: string, b: string): boolean {
  const bases = new Set(uninflected(a));
  return uninflected(b).some((x) => bases.has(x));
}

/**
 * Irregular past tenses that are also words of their own: "found" (of "find", or "to found"),
 * "left", "saw". Their regular inflections ("founded") are no inflections of the past tense.
 */
export const PAST_OF_ANOTHER_VERB: ReadonlySet<string> = new Set(["found", "bound", "ground", "wound", "saw", "left", "fell", "felt", "rose", "lay", "spoke", "bore", "stole"]);

/** Whether `offset` of a (typography-folded) text opens a sentence: its start, or after a full stop, colon, "?" or "!" (quotes and brackets aside). */
export function atSentenceStart(folded: string, offset: number): boolean {
  // Only the characters just before matter: every word of a long question is asked about, and
  // the whole text before each would make reading it quadratic.
  const from = Math.max(0, offset - SENTENCE_START_REACH);
  return (from === 0 ? OPENS_TEXT_OR_SENTENCE : OPENS_SENTENCE).test(folded.slice(from, offset));
}
const SENTENCE_START_REACH = 64;
const OPENS_SENTENCE = /[.!?:]["')\]]*\s*["'(\[]?$/;
const OPENS_TEXT_OR_SENTENCE = /(?:^|[.!?:]["')\]]*)\s*["'(\[]?$/;

export function isContentWord(word: string): boolean {
  return !STOPWORDS.has(word) && word.length > 0;
}

/** The small words a name's capitalised words may be joined by: "Council on Foreign Relations", "Rise to Peace". */
export const NAME_CONNECTOR_ALTERNATION = "of|on|for|and|the|to|&";
/**
 * A name whose words a small word joins ("Rise to Peace", "Council on Foreign Relations"):
 * its words are often common ones, so it names something only as the whole phrase.
 */
export const JOINED_NAME = new RegExp(`\\S\\s(?:${NAME_CONNECTOR_ALTERNATION})\\s\\S`);
