import { extractFigures } from "./disagreements.js";
import { containment, shingleSet } from "../text/similarity.js";

/**
 * The facets a briefing covers, each a question templated from the topic, and the pure
 * checks that keep headings, bylines and fragments out of a briefing.
 */

export type FacetId = "what" | "who" | "where" | "when" | "howMany" | "why" | "outlook";

export interface Facet {
  id: FacetId;
  heading: string;
  question(topic: string): string;
  /** Extra fit of a sentence for this facet, on top of the sentence scorer (1 = neutral, 0 = unfit). */
  fit(sentence: string, hasDate: boolean): number;
}

const FUTURE = /\b(?:will|would|could|likely|unlikely|expect\w*|predict\w*|future|coming|next|continue\w*|persist\w*|long[- ]term|remain\w*|increasingly|trajectory)\b/i;
/** "in Kabul", "across Central Asia", "at Hamid Karzai International Airport": a place named after a preposition. */
const PLACE_PHRASE =
  /\b(?:in|at|near|across|into|from|inside|outside|throughout)\s+(?:the\s+)?(?!(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)\p{Lu}[\p{L}'’-]+/u;
const PRESCRIPTIVE = /\b(?:should|must|need(?:s)? to|is (?:imperative|crucial|vital|essential|necessary|key))\b/i;

function hasFigure(sentence: string): boolean {
  return extractFigures(sentence).length > 0 || /\d[\d,.]*\s*(?:%|percent)/.test(sentence);
}

/** Sentence order is the briefing's section order. */
export const FACETS: readonly Facet[] = [
  { id: "what", heading: "Overview", question: (t) => `What is ${t}?`, fit: () => 1 },
  { id: "who", heading: "Who is involved", question: (t) => `Who is behind ${t}?`, fit: () => 1 },
  { id: "where", heading: "Where", question: (t) => `Where is ${t}?`, fit: (s) => (PLACE_PHRASE.test(s) ? 1.2 : 0.5) },
  { id: "when", heading: "When", question: (t) => `When did ${t} happen?`, fit: (_s, hasDate) => (hasDate ? 1 : 0) },
  {
    id: "howMany",
    heading: "Figures",
    question: (t) => `How many people, fighters or attacks are involved in ${t}?`,
    fit: (s) => (hasFigure(s) ? 1 : 0),
  },
  { id: "why", heading: "Drivers and motives", question: (t) => `Why does ${t} happen, and what motivates it?`, fit: () => 1 },
  {
    id: "outlook",
    heading: "Outlook",
    question: (t) => `What is the outlook for ${t}, and what should be done?`,
    fit: (s) => (FUTURE.test(s) ? 1.3 : PRESCRIPTIVE.test(s) ? 1.1 : 0.6),
  },
];

const BOILERPLATE = /https?:|www\.|\[gview|\bsubscribe\b|\blog in\b|\bcomments?\b.*\bbelow\b|\bjoin the (?:discussion|conversation)\b|\ball rights reserved\b|\bclick here\b|\bnewsletter\b|\bcookies?\b/i;
const PRONOUN_START = /^(?:It|Its|This|These|Those|They|Their|That|Such|He|She|His|Her|Both|Meanwhile)\b/;

/**
 * Whether a sentence reads as a standalone statement an analyst can quote: a complete
 * declarative sentence, not a heading, byline, dateline, question, fragment or page furniture.
 */
export function isStatement(sentence: string): boolean {
  const s = sentence.trim();
  if (s.length < 40 || s.length > 600) return false;
  if (!/^["'\u201C\u2018(]?[\p{Lu}\p{N}]/u.test(s)) return false;
  if (!/[.!]["'\u201D\u2019)\]]*$/.test(s)) return false;
  if (BOILERPLATE.test(s)) return false;
  const words = s.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  if (words.length < 8) return false;
  // Title Case lines are headings even with a full stop.
  const capitalised = words.filter((w) => /^["'\u201C\u2018(]?\p{Lu}/u.test(w)).length;
  if (capitalised / words.length > 0.6) return false;
  return true;
}

/** "this promise", "these attempts": a reference back to something the reader of a briefing has not seen. */
const DEMONSTRATIVE = /\b(?:this|these|those|such)\s+(?!(?:year|month|week|day|time|is|was|are|were|means|has|have|will|would|could|may)\b)[a-z]+/i;

/** Sentences opening on a pronoun, or pointing back with "this …", lean on the sentence before; they read worse out of context. */
export function standaloneFit(sentence: string): number {
  const s = sentence.trim();
  return PRONOUN_START.test(s) ? 0.8 : DEMONSTRATIVE.test(s) ? 0.85 : 1;
}

/** Word 3-gram shingles of a text's lower-case words. */
export function shingles(text: string, n = 3): Set<string> {
  return shingleSet(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [], n);
}

/** Whether two texts say mostly the same words in the same order (a summary repeating its body). */
export function nearDuplicate(a: Set<string>, b: Set<string>, threshold = 0.5): boolean {
  if (a.size === 0 || b.size === 0) return false;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  return containment(small, large) >= threshold;
}
