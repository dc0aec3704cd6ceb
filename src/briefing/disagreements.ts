import { STOPWORDS } from "../text/normalize.js";
import { CALENDAR_WORD, SCALES, TENS, UNITS } from "../text/numbers.js";
import { REPORTING_VERB_ALTERNATION } from "../text/sentences.js";

/**
 * Figures about the same thing that differ across sources ("170 Afghans" vs "180 Afghans" killed
 * at Kabul airport; "1,000 to 3,000 fighters" vs "more than 2,500"). Pure: the caller supplies
 * the corpus statistics as functions.
 *
 * A figure is a number (digits or words, with an optional qualifier or range) followed by its
 * unit noun ("170 Afghan civilians", "more than 150 people") or preceded by it ("its fighters now
 * number more than 2,500"). Two figures are about the same thing when their units agree (same
 * head noun, or one's head is the other's modifier: "Afghans" ~ "Afghan civilians") and
 *   - they share an anchor: a capitalised name that is not a source being quoted and not so
 *     common in the corpus that it identifies nothing ("Moscow", "Kabul"), or
 *   - neither names an anchor and they share a subject (the alias-folded entity of the sentence
 *     or of its document: IS-K), which is how group-strength figures are written, or
 *   - their sentences overlap strongly in rarer terms ("attack", "airport", "killed", "13").
 * A group is a disagreement when at least two documents give different values.
 */

export interface Figure {
  /** The figure as printed, qualifier included: "at least 170", "between 1,000 to 3,000". */
  value: string;
  low: number;
  high: number;
  /** The unit as printed: "Afghan civilians", "people". */
  unit: string;
  /** The unit's head noun as printed ("civilians"), and its modifiers ("Afghan"). */
  head: string;
  modifiers: string[];
  /** Offsets of the figure (value and unit) in the sentence. */
  start: number;
  end: number;
}

export interface FigureSentence<R> {
  /** The verbatim sentence. */
  text: string;
  documentId: string;
  /** The caller's reference for the sentence (a source number, a passage key). */
  ref: R;
  /** Entities the sentence's document is mainly about (alias-folded terms), for sentences that say "the group". */
  subjects?: readonly string[];
}

export interface DisagreementOptions {
  /** Stemmed, alias-folded content terms of a text (TextAnalyzer.terms). */
  terms: (text: string) => string[];
  /** Inverse document frequency of a term; higher is rarer. */
  idf: (term: string) => number;
  /** Terms so common in the corpus that they identify nothing (IS-K in a corpus about IS-K). */
  isCommon: (term: string) => boolean;
  /** Display label of a term, e.g. "alias_isk" -> "IS-K". */
  labelOf?: (term: string) => string | undefined;
  /** Overlap in rare terms above which two figures are about the same thing anyway (0..1). */
  similarity?: number;
  /** Most claims shown per disagreement. */
  maxClaims?: number;
  /**
   * The events the documents count apart (CountedEvents): a figure of the dead and one of the
   * wounded are no two claims about one number, whatever else they share.
   */
  events?: { eventsIn(text: string): string[]; apart(a: string, b: string): boolean };
}

export interface Claim<R> {
  value: string;
  text: string;
  ref: R;
  documentId: string;
  low: number;
  high: number;
}

export interface Disagreement<R> {
  /** A short label: "Afghans killed at Kabul airport", "IS-K fighters". */
  about: string;
  claims: Claim<R>[];
}

// ---------------------------------------------------------------------------------------------
// Figures

const WORD_NUMBER = `(?:(?:${Object.keys(TENS).join("|")})(?:-(?:${Object.keys(UNITS).slice(0, 9).join("|")}))?|${Object.keys(UNITS).join("|")})`;
const DIGIT_NUMBER = String.raw`\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?`;
const NUMBER = `(?:${DIGIT_NUMBER}|${WORD_NUMBER})(?:\\s+(?:${Object.keys(SCALES).join("|")}))?`;
const QUALIFIER =
  "at least|at most|more than|no more than|less than|fewer than|over|nearly|almost|about|around|roughly|approximately|an estimated|estimated|up to|as many as|some|just over|just under";
const FIGURE_RE = new RegExp(
  String.raw`(?<![\p{L}\p{N}$£€.,/-])(?:(${QUALIFIER})\s+)?(?:(between|from)\s+)?(${NUMBER})(?:\s*(?:to|and|-|–)\s*(${NUMBER}))?(?![\p{L}\p{N}%]|[.,]\d|\s*(?:%|percent|per cent))`,
  "giu",
);
/** "its fighters now number more than 2,500": the unit before the number. */
const NOUN_NUMBER_RE = new RegExp(
  String.raw`\b([\p{L}][\p{L}'’-]*)\s+(?:now\s+|currently\s+|reportedly\s+|already\s+)?(?:number|numbered|numbering|total|totalled|totaled)\s+(?:(${QUALIFIER})\s+)?(${NUMBER})(?![\p{L}\p{N}%]|[.,]\d)`,
  "giu",
);
const UNIT_WORD_RE = /^\s+([\p{L}][\p{L}.'’-]*)/u;
const IRREGULAR_PLURALS = new Set(["people", "children", "men", "women", "gunmen", "police", "personnel", "staff", "militia", "troops", "clergy"]);
/** Counts of these are durations or shares, not things a source can disagree about here. */
const NON_COUNT_UNITS = new Set([
  "years", "months", "weeks", "days", "hours", "minutes", "seconds", "decades", "centuries", "times", "percent", "others",
  "dollars", "euros", "pounds", "miles", "kilometres", "kilometers", "metres", "meters", "ones",
]);
const CASUALTY_KILLED = /\b(?:killed|killing|kills|kill|dead|died|deaths?|lives|massacred|murdered)\b/i;
const CASUALTY_WOUNDED = /\b(?:wounded|wounding|injured|injuring|injuries)\b/i;

function wordValue(text: string): number | null {
  const t = text.toLowerCase().replace(/,/g, "").trim();
  const parts = t.split(/\s+/);
  let base: number | null = null;
  const first = parts[0]!;
  if (/^\d+(?:\.\d+)?$/.test(first)) base = Number(first);
  else if (first in UNITS) base = UNITS[first]!;
  else {
    const [tens, unit] = first.split("-");
    if (tens && tens in TENS) base = TENS[tens]! + (unit && unit in UNITS ? UNITS[unit]! : 0);
  }
  if (base === null) return null;
  const scale = parts[1] ? SCALES[parts[1]] : undefined;
  return scale ? base * scale : base;
}

function scaleOf(text: string): number | undefined {
  const parts = text.toLowerCase().trim().split(/\s+/);
  return parts[1] ? SCALES[parts[1]] : undefined;
}

function isPluralNoun(word: string): boolean {
  const w = word.toLowerCase().replace(/[’']s$/, "");
  if (IRREGULAR_PLURALS.has(w)) return true;
  return /[a-z]{2,}s$/.test(w) && !/(?:ss|us|is)$/.test(w);
}

/** The unit noun phrase after a figure: up to three words, ending at the last plural noun. */
function unitAfter(sentence: string, from: number): { words: string[]; end: number } | null {
  const words: { word: string; end: number }[] = [];
  let pos = from;
  for (let i = 0; i < 3; i++) {
    const m = UNIT_WORD_RE.exec(sentence.slice(pos));
    if (!m) break;
    let word = m[1]!;
    const trailingDot = /\.$/.test(word) && !/^(?:[A-Za-z]\.)+$/.test(word);
    if (trailingDot) word = word.slice(0, -1);
    if (STOPWORDS.has(word)) break; // "US" is a name here, "us" a pronoun
    const end = pos + m[0].length - (trailingDot ? 1 : 0);
    words.push({ word, end });
    pos = end;
    // Punctuation after the word closes the phrase.
    if (/^[,;:)\]–—-]|^\s+[–—-]\s/.test(sentence.slice(pos)) || trailingDot) break;
  }
  for (let i = words.length - 1; i >= 0; i--) {
    if (isPluralNoun(words[i]!.word)) return { words: words.slice(0, i + 1).map((w) => w.word), end: words[i]!.end };
  }
  return null;
}

function rangeOf(first: string, second: string | undefined): { low: number; high: number } | null {
  const a = wordValue(first);
  if (a === null) return null;
  if (second === undefined) return { low: a, high: a };
  let b = wordValue(second);
  if (b === null) return null;
  let low = a;
  // "two to four thousand" is 2,000 to 4,000.
  const scale = scaleOf(second);
  if (scale && !scaleOf(first) && a < (b / scale)) low = a * scale;
  if (b < low) [low, b] = [b, low];
  return { low, high: b };
}

const YEAR_LIKE = /^(?:19|20)\d\d$/;

/** Every counted figure in a sentence, left to right. */
export function extractFigures(sentence: string): Figure[] {
  const out: Figure[] = [];
  FIGURE_RE.lastIndex = 0;
  for (let m = FIGURE_RE.exec(sentence); m; m = FIGURE_RE.exec(sentence)) {
    const [whole, , , first, second] = m;
    if (YEAR_LIKE.test(first!) || (second && YEAR_LIKE.test(second))) continue;
    const range = rangeOf(first!, second);
    if (!range || range.high <= 1) continue;
    const unit = unitAfter(sentence, m.index + whole.length);
    if (!unit) continue;
    const head = unit.words[unit.words.length - 1]!;
    if (NON_COUNT_UNITS.has(head.toLowerCase())) continue;
    out.push({
      value: whole.trim(),
      ...range,
      unit: unit.words.join(" "),
      head,
      modifiers: unit.words.slice(0, -1),
      start: m.index,
      end: m.index + whole.length + (unit.end - (m.index + whole.length)),
    });
  }
  NOUN_NUMBER_RE.lastIndex = 0;
  for (let m = NOUN_NUMBER_RE.exec(sentence); m; m = NOUN_NUMBER_RE.exec(sentence)) {
    const [whole, noun, qualifier, number] = m;
    if (!isPluralNoun(noun!) || NON_COUNT_UNITS.has(noun!.toLowerCase()) || YEAR_LIKE.test(number!)) continue;
    const range = rangeOf(number!, undefined);
    if (!range || range.high <= 1) continue;
    const valueStart = qualifier ? whole.lastIndexOf(qualifier) : whole.lastIndexOf(number!);
    const start = m.index;
    const end = m.index + whole.length;
    if (out.some((f) => f.start < end && start < f.end)) continue;
    out.push({ value: whole.slice(valueStart).trim(), ...range, unit: noun!, head: noun!, modifiers: [], start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------------------------------------
// Grouping

interface Mention<R> {
  sentence: FigureSentence<R>;
  figure: Figure;
  headKey: string;
  modifierKeys: Set<string>;
  anchors: Map<string, string>; // term -> surface
  weights: Map<string, number>;
  subjects: Set<string>;
  /** Values of the sentence's other figures ("13" soldiers beside "170" Afghans). */
  companions: Set<number>;
  /** The counted events named around the figure ("killed", "wounded"; DisagreementOptions.events). */
  events: Set<string>;
}

const REPORTING = new RegExp(`^\\s*(?:\\([^)]*\\)\\s*)?(?:,\\s*)?(?:has\\s+|have\\s+|had\\s+|also\\s+|now\\s+)?(?:${REPORTING_VERB_ALTERNATION})\\b`, "i");
const CAP_TOKEN_RE = /[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu;

/** Capitalised names of a sentence that say what or where, not who is being quoted; term -> name as printed. */
function anchorsOf(sentence: string, figures: Figure[], options: DisagreementOptions, exclude: Set<string>): Map<string, string> {
  const tokens = [...sentence.matchAll(CAP_TOKEN_RE)].map((m) => {
    const word = m[0].replace(/[’']s$/, "").replace(/\.$/, "");
    return { word, start: m.index, end: m.index + word.length };
  });
  // Runs of capitalised words joined across "of", "the", "in", "for" ("Islamic State in Khorasan
  // Province"), so an alias spread over them folds to its one term.
  type Run = { tokens: { word: string; start: number; end: number }[]; start: number; end: number };
  const runs: Run[] = [];
  let current: Run | null = null;
  tokens.forEach((t, i) => {
    const capital = /^\p{Lu}/u.test(t.word);
    const acronym = /^\p{Lu}[\p{Lu}\p{N}-]+$/u.test(t.word);
    if (capital && (i > 0 || acronym) && !CALENDAR_WORD.test(t.word)) {
      if (current && /^\s*(?:(?:of|the|for|in)\s+)*$/i.test(sentence.slice(current.end, t.start))) {
        current.tokens.push(t);
        current.end = t.end;
      } else {
        current = { tokens: [t], start: t.start, end: t.end };
        runs.push(current);
      }
    } else if (!/^(?:of|the|for|in)$/i.test(t.word)) current = null;
  });
  const anchors = new Map<string, string>();
  for (const run of runs) {
    // Names inside a counted unit ("170 Afghan civilians", "13 U.S. servicemembers") say who was
    // counted, not where or what happened.
    if (figures.some((f) => run.start >= f.start && run.end <= f.end)) continue;
    // A name followed by a reporting verb is the source being quoted ("The UN Security Council estimated").
    if (REPORTING.test(sentence.slice(run.end))) continue;
    if (/\baccording to\s*$/i.test(sentence.slice(Math.max(0, run.start - 20), run.start))) continue;
    const phrase = sentence.slice(run.start, run.end);
    for (const term of options.terms(phrase)) {
      if (exclude.has(term) || options.isCommon(term) || /\d/.test(term) || anchors.has(term)) continue;
      // Printed as the capitalised words around the token that gave the term ("Crocus City Hall", "Moscow").
      const i = run.tokens.findIndex((t) => options.terms(t.word).includes(term));
      if (i < 0) {
        anchors.set(term, phrase);
        continue;
      }
      let a = i;
      let b = i;
      while (a > 0 && /^\s+$/.test(sentence.slice(run.tokens[a - 1]!.end, run.tokens[a]!.start))) a--;
      while (b < run.tokens.length - 1 && /^\s+$/.test(sentence.slice(run.tokens[b]!.end, run.tokens[b + 1]!.start))) b++;
      anchors.set(term, sentence.slice(run.tokens[a]!.start, run.tokens[b]!.end));
    }
  }
  return anchors;
}

function mentionOf<R>(sentence: FigureSentence<R>, figure: Figure, all: Figure[], options: DisagreementOptions): Mention<R> {
  const headKey = options.terms(figure.head)[0] ?? figure.head.toLowerCase();
  const modifierKeys = new Set(figure.modifiers.filter((m) => /^\p{Lu}/u.test(m)).flatMap((m) => options.terms(m)));
  const unitTerms = new Set([headKey, ...modifierKeys]);
  const anchors = anchorsOf(sentence.text, all, options, unitTerms);
  const weights = new Map<string, number>();
  const ownValue = options.terms(sentence.text.slice(figure.start, figure.end)).filter((t) => /\d/.test(t));
  for (const t of options.terms(sentence.text)) {
    if (unitTerms.has(t) || ownValue.includes(t) || options.isCommon(t)) continue;
    weights.set(t, options.idf(t));
  }
  const companions = new Set(all.filter((f) => f !== figure && f.low === f.high && f.low >= 10).map((f) => f.low));
  const subjects = new Set<string>();
  for (const t of options.terms(sentence.text)) if (t.startsWith("alias_")) subjects.add(t);
  for (const s of sentence.subjects ?? []) subjects.add(s);
  const events = new Set(options.events?.eventsIn(nearFigure(sentence.text, figure)) ?? []);
  return { sentence, figure, headKey, modifierKeys, anchors, weights, subjects, companions, events };
}

/** The text around a figure where the words saying what it counts stand: "killing more than 150 people". */
function nearFigure(text: string, figure: Figure): string {
  return text.slice(Math.max(0, figure.start - 60), Math.min(text.length, figure.end + 25));
}

/**
 * Whether two figures may count the same thing: the same unit ("people"), and not two events the
 * documents count apart ("killed 140 people" and "wounded 500 people"). A figure near both
 * events ("killed 60 and wounded more than 100") may be either.
 */
function unitsAgree(a: Mention<unknown>, b: Mention<unknown>, options: DisagreementOptions): boolean {
  if (!(a.headKey === b.headKey || a.modifierKeys.has(b.headKey) || b.modifierKeys.has(a.headKey))) return false;
  const events = options.events;
  if (!events || a.events.size === 0 || b.events.size === 0 || [...a.events].some((e) => b.events.has(e))) return true;
  return ![...a.events].some((x) => [...b.events].some((y) => events.apart(x, y)));
}

function overlap(a: Map<string, number>, b: Map<string, number>): number {
  let wa = 0;
  let wb = 0;
  let shared = 0;
  for (const [t, w] of a) {
    wa += w;
    if (b.has(t)) shared += w;
  }
  for (const w of b.values()) wb += w;
  const min = Math.min(wa, wb);
  return min > 0 ? shared / min : 0;
}

const PERIOD_RE =
  /\b(?:(?:this|last|next|past|previous|coming)\s+(?:year|month|week|decade)|the year before|(?:in|since|during|by|until)\s+(?:(?:early|late|mid)[-\s]+)?(?:(?:19|20)\d\d|January|February|March|April|May|June|July|August|September|October|November|December))\b/gi;

/** The periods a sentence scopes its figures to, normalised ("this year", "in 2022"), or "". */
function periodOf(sentence: string): string {
  return [...sentence.matchAll(PERIOD_RE)].map((m) => m[0].toLowerCase().replace(/\s+/g, " ")).sort().join("|");
}

/** How strongly two figures are about the same thing; 0 when they are not. */
function linkScore(a: Mention<unknown>, b: Mention<unknown>, threshold: number, options: DisagreementOptions): number {
  if (!unitsAgree(a, b, options)) return 0;
  let score = 0;
  for (const t of a.anchors.keys()) if (b.anchors.has(t)) score += 1 + Math.min(a.weights.get(t) ?? 1, 5);
  // The same other figure beside both ("killed 13 … and 170 …" / "killed 13 … and 180 …").
  for (const v of a.companions) if (b.companions.has(v)) score += 3;
  const similar = overlap(a.weights, b.weights);
  if (similar >= threshold) score += 3 * similar;
  // Figures that name no place or event (group strength) match on their subject, unless one
  // of them counts over a period ("76 attacks this year") the other does not share.
  if (score === 0 && a.anchors.size === 0 && b.anchors.size === 0 && periodOf(a.sentence.text) === periodOf(b.sentence.text)) {
    for (const s of a.subjects) if (b.subjects.has(s)) return 1;
  }
  return score;
}

function sameValue(a: { low: number; high: number }, b: { low: number; high: number }): boolean {
  return a.low === b.low && a.high === b.high;
}

function mostCommon<T>(items: T[], key: (t: T) => string = String): T | undefined {
  const counts = new Map<string, { item: T; n: number }>();
  for (const item of items) {
    const k = key(item);
    const e = counts.get(k);
    if (e) e.n++;
    else counts.set(k, { item, n: 1 });
  }
  let best: { item: T; n: number } | undefined;
  for (const e of counts.values()) if (!best || e.n > best.n) best = e;
  return best?.item;
}

/** "at Kabul airport", "at Hamid Karzai International Airport": a preposition, capitalised words, and a last word. */
const PLACE_RE = /\b(at|in|on|near|outside|inside)\s+(?:the\s+|a\s+)?((?:\p{Lu}[\p{L}'’-]*\s+){1,4}[\p{L}][\p{L}'’-]*)/gu;

/** "Afghans killed at Kabul airport", "people killed in Moscow", "IS-K fighters". */
function labelOf<R>(group: Mention<R>[], options: DisagreementOptions): string {
  const unit = mostCommon(group.map((m) => m.figure.head), (h) => h.toLowerCase()) ?? group[0]!.figure.head;
  const near = (m: Mention<R>) => nearFigure(m.sentence.text, m.figure);
  const killed = group.filter((m) => CASUALTY_KILLED.test(near(m))).length * 2 >= group.length;
  const wounded = !killed && group.filter((m) => CASUALTY_WOUNDED.test(near(m))).length * 2 >= group.length;
  let label = unit + (killed ? " killed" : wounded ? " wounded" : "");

  // The anchor most of the group shares, rarest first, as printed.
  const anchorCounts = new Map<string, number>();
  for (const m of group) for (const t of m.anchors.keys()) anchorCounts.set(t, (anchorCounts.get(t) ?? 0) + 1);
  const shared = [...anchorCounts.entries()].filter(([, n]) => n >= 2).sort((x, y) => y[1] - x[1] || options.idf(y[0]) - options.idf(x[0]));
  if (shared.length > 0) {
    const [term] = shared[0]!;
    const holder = group.find((m) => m.anchors.has(term))!;
    let phrase = holder.anchors.get(term)!;
    // Extend "Kabul" to "Kabul airport" when the sources share the longer phrase.
    const next = new RegExp(`\\b${phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+([a-z][a-z-]+)`, "i");
    const follow = group.map((m) => next.exec(m.sentence.text)?.[1]?.toLowerCase()).filter((w): w is string => Boolean(w) && !STOPWORDS.has(w!));
    const extension = mostCommon(follow);
    if (extension && follow.filter((w) => w === extension).length >= 2) {
      phrase = `${phrase} ${extension}`;
      label += ` at ${phrase}`;
    } else label += ` in ${phrase}`;
    return label;
  }
  // No shared name: a place phrase around a rarer word they share ("at Kabul airport" and "at
  // Hamid Karzai International Airport" share "airport"); the phrase most claims print, shortest first.
  const sharedTerms = new Map<string, number>();
  for (const m of group) for (const t of m.weights.keys()) if (!/\d/.test(t)) sharedTerms.set(t, (sharedTerms.get(t) ?? 0) + 1);
  const rare = [...sharedTerms.entries()].filter(([, n]) => n >= 2).map(([t]) => t).sort((x, y) => options.idf(y) - options.idf(x));
  for (const term of rare) {
    const phrases: { prep: string; phrase: string }[] = [];
    for (const m of group) {
      for (const pm of m.sentence.text.matchAll(PLACE_RE)) {
        const words = pm[2]!.split(/\s+/);
        const last = words[words.length - 1]!;
        if (options.terms(last).includes(term) && words.length >= 2) phrases.push({ prep: pm[1]!.toLowerCase(), phrase: pm[2]! });
      }
    }
    if (phrases.length === 0) continue;
    const best = phrases.sort((a, b) => phrases.filter((p) => p.phrase === b.phrase).length - phrases.filter((p) => p.phrase === a.phrase).length || a.phrase.length - b.phrase.length)[0]!;
    return `${label} ${best.prep === "in" ? "in" : "at"} ${best.phrase}`;
  }
  // No place: the subject they share ("IS-K fighters").
  const subjectCounts = new Map<string, number>();
  for (const m of group) for (const s of m.subjects) subjectCounts.set(s, (subjectCounts.get(s) ?? 0) + 1);
  const subject = [...subjectCounts.entries()].filter(([, n]) => n === group.length).sort((x, y) => y[1] - x[1])[0]?.[0];
  const subjectLabel = subject ? (options.labelOf?.(subject) ?? subject) : undefined;
  return subjectLabel ? `${subjectLabel} ${label}` : label;
}

/**
 * Groups the figures of the sentences by what they count and returns the groups where
 * documents disagree, most documents first. Each claim keeps its sentence verbatim.
 */
export function findDisagreements<R>(sentences: FigureSentence<R>[], options: DisagreementOptions): Disagreement<R>[] {
  const threshold = options.similarity ?? 0.4;
  const maxClaims = options.maxClaims ?? 6;
  const mentions: Mention<R>[] = [];
  for (const s of sentences) {
    const figures = extractFigures(s.text);
    for (const f of figures) mentions.push(mentionOf(s, f, figures, options));
  }

  // Greedy grouping: a mention joins the group it is most strongly linked to, among groups whose
  // every member counts the same unit; loose chains across units are avoided.
  const groups: Mention<R>[][] = [];
  for (const m of mentions) {
    let home: Mention<R>[] | undefined;
    let best = 0;
    for (const g of groups) {
      if (!g.every((x) => unitsAgree(x, m, options) && x.sentence !== m.sentence)) continue;
      const score = Math.max(...g.map((x) => linkScore(x, m, threshold, options)));
      if (score > best) {
        best = score;
        home = g;
      }
    }
    if (home) home.push(m);
    else groups.push([m]);
  }

  const out: (Disagreement<R> & { documents: number })[] = [];
  for (const group of groups) {
    const claims: Claim<R>[] = [];
    for (const m of group) {
      if (claims.some((c) => c.documentId === m.sentence.documentId && sameValue(c, m.figure))) continue;
      claims.push({ value: m.figure.value, text: m.sentence.text, ref: m.sentence.ref, documentId: m.sentence.documentId, low: m.figure.low, high: m.figure.high });
    }
    const disagree = claims.some((a) => claims.some((b) => a.documentId !== b.documentId && !sameValue(a, b)));
    if (!disagree) continue;
    claims.sort((a, b) => a.low - b.low || a.high - b.high);
    out.push({ about: labelOf(group, options), claims: claims.slice(0, maxClaims), documents: new Set(claims.map((c) => c.documentId)).size });
  }
  out.sort((a, b) => b.documents - a.documents || b.claims.length - a.claims.length);
  return out.map(({ documents: _d, ...rest }) => rest);
}
