import { APPROXIMATORS, figureSpans, statesAmount, VAGUE_AMOUNTS } from "./numbers.js";
import { STOPWORDS, stem, tokenize, type Token } from "./normalize.js";
import { splitSentences } from "./sentences.js";

/**
 * What happened to the people or things a figure counts, as the documents keep it apart:
 * "killing at least 30 people and wounding dozens", "killed 60 and wounded more than 100
 * others". A sentence that reports two such counts side by side shows that they are different
 * figures, so "killed" does not answer "how many were wounded". The pairs are learnt from the
 * documents themselves, never listed by hand: a corpus that reports arrests beside deaths
 * learns that pair too, and a question about a verb the documents never contrast is left alone.
 */

/** A verb form that can report a count: "killed", "wounding", "injured" (irregular forms are not read). */
const VERB_FORM = /^[a-z]{2,}(?:ed|ing)$/;
/** Words between a counted thing and what happened to it: "13 service members were killed". */
const AUXILIARIES = new Set(["is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "reportedly"]);
/** Words between a verb and the figure it reports, besides approximators: "the death of ten". */
const DETERMINERS = new Set(["the", "a", "of", "another", "further"]);
/** How far a verb may stand from its figure, in words: "killed an estimated 90". */
const VERB_REACH = 5;
/** How far back from "and" the first of two coordinated counts may start: "killing at least 30 people and …". */
const COORDINATION_REACH = 8;

/** An event word as the documents or the question write it, with its stem. */
export interface EventWord {
  stem: string;
  word: string;
}

/** Which tokens are amounts: figures ("30", "seventy-six", "2,500") or vague amounts ("dozens", "hundreds"). */
function amountMask(text: string, tokens: readonly Token[]): boolean[] {
  const mask = tokens.map((t) => VAGUE_AMOUNTS.test(t.word));
  let t = 0;
  for (const span of figureSpans(text)) {
    while (t < tokens.length && tokens[t]!.end <= span.start) t++;
    if (t < tokens.length && tokens[t]!.start < span.end) mask[t] = true;
  }
  return mask;
}

const isEventVerb = (word: string) => VERB_FORM.test(word) && !STOPWORDS.has(word) && !APPROXIMATORS.has(word);

/** Whether the verb at tokens[i] is followed by an amount: "killing at least 30", "wounding dozens". */
function reportsAmount(tokens: readonly Token[], amount: readonly boolean[], i: number): boolean {
  let j = i + 1;
  while (j < tokens.length && j - i <= VERB_REACH && (APPROXIMATORS.has(tokens[j]!.word) || DETERMINERS.has(tokens[j]!.word))) j++;
  return j < tokens.length && amount[j] === true;
}

/**
 * The pairs of verbs one sentence reports as separate counts, joined by "and": each followed
 * by its own amount ("killed an estimated 90 people and injured hundreds more"), or the two
 * side by side in a sentence that states an amount ("Hundreds have been killed and wounded").
 */
export function coordinatedCounts(sentence: string): [EventWord, EventWord][] {
  const tokens = tokenize(sentence);
  const amount = amountMask(sentence, tokens);
  if (!amount.includes(true)) return [];
  const pairs: [EventWord, EventWord][] = [];
  const event = (i: number): EventWord => ({ stem: stem(tokens[i]!.word), word: tokens[i]!.word });
  for (let a = 1; a + 1 < tokens.length; a++) {
    if (tokens[a]!.word !== "and" || !isEventVerb(tokens[a + 1]!.word)) continue;
    let left = -1;
    if (isEventVerb(tokens[a - 1]!.word)) left = a - 1;
    else if (reportsAmount(tokens, amount, a + 1)) {
      for (let l = a - 1; l >= Math.max(0, a - COORDINATION_REACH); l--) {
        if (isEventVerb(tokens[l]!.word) && reportsAmount(tokens, amount, l)) {
          left = l;
          break;
        }
      }
    }
    if (left < 0) continue;
    const [x, y] = [event(left), event(a + 1)];
    if (x.stem !== y.stem) pairs.push([x, y]);
  }
  return pairs;
}

/** What a figure-bearing sentence reports for a question's event: that event, another the documents keep apart, or nothing it can tell. */
export type EventVerdict = "asked" | "other" | "unknown";

/** The events a question asks a figure of, and the ones the documents report apart from them. */
export interface AskedEvents {
  asked: EventWord[];
  others: EventWord[];
}

/** Cosine similarity of two words' general-English vectors, or undefined when either is unknown. */
export type WordSimilarity = (a: string, b: string) => number | undefined;

/**
 * Least similarity for a word to side with an event it does not spell. A verb form: "killing"
 * with "killed"; not "left" with "injured" (0.63, as in "left injured"). Any other word must be
 * closer: "dead" with "killed" (0.83), but not "suicide" (0.75) or "civilians" with "wounded"
 * (0.79), which are what was counted, not what happened to it.
 */
const MIN_SIMILARITY = { verb: 0.7, other: 0.8 };

export class CountedEvents {
  /** Stem -> the stems it is reported apart from. */
  private readonly partners = new Map<string, Set<string>>();
  /** Stem -> the forms the documents write it in ("killing", "killed"). */
  private readonly forms = new Map<string, Set<string>>();

  constructor(pairs: Iterable<[EventWord, EventWord]>) {
    for (const [x, y] of pairs) {
      for (const [a, b] of [
        [x, y],
        [y, x],
      ] as const) {
        let set = this.partners.get(a.stem);
        if (!set) this.partners.set(a.stem, (set = new Set()));
        set.add(b.stem);
        let forms = this.forms.get(a.stem);
        if (!forms) this.forms.set(a.stem, (forms = new Set()));
        forms.add(a.word);
      }
    }
  }

  /** Learns the pairs from documents: one pass over their sentences. */
  static learn(texts: Iterable<string>): CountedEvents {
    const pairs: [EventWord, EventWord][] = [];
    for (const text of texts) {
      for (const s of splitSentences(text)) {
        // Cheap gate: coordinated counts need an "and" and a verb form.
        if (!/\band\b/i.test(s.text) || !/(?:ed|ing)\b/i.test(s.text)) continue;
        pairs.push(...coordinatedCounts(s.text));
      }
    }
    return new CountedEvents(pairs);
  }

  get size(): number {
    return this.partners.size;
  }

  /** The question's words that name an event the documents report apart from another, or undefined when none does. */
  askedIn(question: string): AskedEvents | undefined {
    const asked = new Map<string, EventWord>();
    for (const t of tokenize(question)) {
      const s = stem(t.word);
      if (this.partners.has(s) && !asked.has(s)) asked.set(s, { stem: s, word: t.word });
    }
    if (asked.size === 0) return undefined;
    // "How many were killed and wounded": the question asks the events the documents keep apart.
    for (const s of asked.keys()) if ([...this.partners.get(s)!].some((p) => asked.has(p))) return undefined;
    const partnersOfAsked = new Set([...asked.keys()].flatMap((s) => [...this.partners.get(s)!]));
    // An event reported apart from the same others as the asked one, and never apart from it,
    // stands with it: "wounded" with "injured", both only ever set against "killed". This
    // only ever keeps a sentence that would otherwise be set aside.
    for (const [s, partners] of this.partners) {
      if (asked.has(s) || partnersOfAsked.has(s)) continue;
      if ([...partners].some((p) => partnersOfAsked.has(p))) asked.set(s, { stem: s, word: [...this.forms.get(s)!][0]! });
    }
    const others = new Map<string, EventWord>();
    for (const p of partnersOfAsked) {
      if (asked.has(p)) continue;
      for (const word of this.forms.get(p) ?? []) others.set(`${p} ${word}`, { stem: p, word });
    }
    if (others.size === 0) return undefined;
    const askedForms = new Map<string, EventWord>();
    for (const e of asked.values()) {
      for (const word of [e.word, ...(this.forms.get(e.stem) ?? [])]) askedForms.set(`${e.stem} ${word}`, { stem: e.stem, word });
    }
    return { asked: [...askedForms.values()], others: [...others.values()] };
  }

  /**
   * What a sentence's figures report for the asked events; a sentence without an amount
   * reports none ("unknown"). A sentence that names an asked
   * event anywhere reports it, in the documents' word or a verb of the same meaning. Otherwise each amount's verb is read, before it ("killing more
   * than 150 people", "the death of ten civilians") or after what it counts ("more than 130
   * people dead", "13 service members were killed"): the documents' own word for another event,
   * or a word closer in meaning to another event than to the asked one ("dead" to "killed"
   * rather than "wounded"), makes the figure another event's.
   */
  whatSentenceReports(sentence: string, events: AskedEvents, similarity?: WordSimilarity): EventVerdict {
    const shape = this.shapeOf(sentence);
    if (!shape) return "unknown";
    const { words, stems } = shape;
    const askedStems = new Set(events.asked.map((e) => e.stem));
    const otherStems = new Set(events.others.map((e) => e.stem));
    const classify = (i: number): EventVerdict => {
      if (askedStems.has(stems[i]!)) return "asked";
      if (otherStems.has(stems[i]!)) return "other";
      const word = words[i]!;
      if (!similarity || STOPWORDS.has(word)) return "unknown";
      const closest = (list: readonly EventWord[]) => list.reduce((best, e) => Math.max(best, similarity(word, e.word) ?? -1), -1);
      const toAsked = closest(events.asked);
      const toOther = closest(events.others);
      const floor = shape.eventVerb[i] ? MIN_SIMILARITY.verb : MIN_SIMILARITY.other;
      if (Math.max(toAsked, toOther) < floor || toAsked === toOther) return "unknown";
      return toOther > toAsked ? "other" : "asked";
    };
    // An asked event named anywhere, in its own word or a verb of the same meaning ("wounded" for "injured").
    for (let i = 0; i < words.length; i++) {
      if (askedStems.has(stems[i]!) || (shape.eventVerb[i] && classify(i) === "asked")) return "asked";
    }
    let other = false;
    for (const { before, after } of shape.amounts) {
      let verdict = before >= 0 ? classify(before) : "unknown";
      if (verdict === "asked") return "asked";
      if (verdict === "other") other = true;
      for (const k of after) {
        verdict = classify(k);
        if (verdict !== "unknown") break;
      }
      if (verdict === "asked") return "asked";
      if (verdict === "other") other = true;
    }
    return other ? "other" : "unknown";
  }

  /**
   * A sentence read once, whatever the question: its words, and for each amount the words
   * that may say what happened to what it counts. Undefined when it states no amount. Kept,
   * bounded: the same sentences come back from question to question.
   */
  private shapeOf(sentence: string): SentenceShape | undefined {
    let shape = this.shapes.get(sentence);
    if (shape === undefined) {
      shape = statesAmount(sentence) ? readShape(sentence) : null;
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      this.shapes.set(sentence, shape);
    }
    return shape ?? undefined;
  }
  private readonly shapes = new Map<string, SentenceShape | null>();
}

const MAX_SHAPES = 20_000;

interface SentenceShape {
  words: string[];
  stems: string[];
  eventVerb: boolean[];
  /**
   * Per amount, the word before it (past approximators: "killing more than 150", "the death
   * of ten"; -1 for none) and the words after what it counts, tried in order until one tells:
   * "130 people dead", "13 service members were killed".
   */
  amounts: { before: number; after: number[] }[];
}

function readShape(sentence: string): SentenceShape {
  const tokens = tokenize(sentence);
  const words = tokens.map((t) => t.word);
  const amount = amountMask(sentence, tokens);
  const amounts: SentenceShape["amounts"] = [];
  for (let t = 0; t < tokens.length; t++) {
    if (!amount[t]) continue;
    let b = t - 1;
    while (b >= 0 && t - b <= VERB_REACH && (APPROXIMATORS.has(words[b]!) || DETERMINERS.has(words[b]!))) b--;
    amounts.push({ before: b >= 0 && !amount[b] ? b : -1, after: wordsAfterCount(sentence, tokens, amount, t) });
  }
  return { words, stems: words.map(stem), eventVerb: words.map(isEventVerb), amounts };
}

/** The words that may say what happened to what the amount at `t` counts: past names, its noun and any auxiliaries. */
function wordsAfterCount(sentence: string, tokens: readonly Token[], amount: readonly boolean[], t: number): number[] {
  let k = t + 1;
  // What is counted: names, then one lower-case word ("13 U.S. service …", "130 people …").
  while (k < tokens.length && k - t <= 4 && !STOPWORDS.has(tokens[k]!.word) && !amount[k]) {
    const lower = /^\p{Ll}/u.test(sentence.slice(tokens[k]!.start, tokens[k]!.end));
    k++;
    if (lower) break;
  }
  const after: number[] = [];
  for (let n = 0; n < 3 && k < tokens.length && !amount[k]; n++, k++) {
    const word = tokens[k]!.word;
    if (AUXILIARIES.has(word)) {
      // Past the auxiliaries the next word is the verb, whatever it tells.
      while (k < tokens.length && AUXILIARIES.has(tokens[k]!.word)) k++;
      if (k < tokens.length) after.push(k);
      break;
    }
    if (STOPWORDS.has(word)) break;
    after.push(k);
  }
  return after;
}
