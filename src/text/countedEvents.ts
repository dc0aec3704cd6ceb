import { z } from "zod";
import { APPROXIMATORS, countedWordsEnd, countsTime, figureTokens, statesAmount, VAGUE_AMOUNTS } from "./numbers.js";
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
/** -ed and -ing words that introduce rather than report: "30 people, including 5 children". */
const NOT_EVENTS = new Set(["including", "according", "following", "regarding", "excluding", "concerning", "involving", "considering", "during", "notwithstanding"]);
/** Words between a counted thing and what happened to it: "13 service members were killed". */
const AUXILIARIES = new Set(["is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "reportedly"]);
/** Words between a verb and the figure it reports, besides approximators: "the death of ten". */
const DETERMINERS = new Set(["the", "a", "of", "another", "further"]);
/** How far a verb may stand from its figure, in words: "killed an estimated 90". */
const VERB_REACH = 5;
/** How far back from "and" the first of two coordinated counts may start: "killed at least 30 people, including 5 doctors, and …". */
const COORDINATION_REACH = 10;
/** Longer "sentences" (a table, a list run together) are not read: a figure's verb is no longer near it. */
const MAX_SENTENCE_CHARS = 2_000;
/** Words that start a clause about something else: "how many were wounded in the attack that killed 150", "… when gunmen killed 150". */
const CLAUSE_START = new Set(["that", "which", "who", "whom", "whose", "when", "while", "after", "before", "as", "since", "because", "where"]);

/** An event word as the documents or the question write it, with its stem. */
export interface EventWord {
  stem: string;
  word: string;
}

/**
 * Two events one sentence reports apart. `separate` when each has its own amount ("killed 60
 * and wounded more than 100"); not when the two stand side by side after theirs ("Hundreds
 * have been killed and wounded").
 */
export interface EventPair {
  events: [EventWord, EventWord];
  separate: boolean;
}

const EventWordSchema = z.object({ stem: z.string().max(100), word: z.string().max(100) });
/** Pairs as an index saves them: read back through this, since the file may be old or damaged. */
export const EventPairsSchema = z.array(z.object({ events: z.tuple([EventWordSchema, EventWordSchema]), separate: z.boolean() })).max(100_000);

/** Which tokens are amounts: figures ("30", "seventy-six", "2,500") or vague amounts ("dozens", "hundreds"). */
function amountMask(text: string, tokens: readonly Token[]): boolean[] {
  const mask = tokens.map((t) => VAGUE_AMOUNTS.test(t.word));
  for (const t of figureTokens(text, tokens)) mask[t] = true;
  return mask;
}

const isEventVerb = (word: string) => VERB_FORM.test(word) && !STOPWORDS.has(word) && !APPROXIMATORS.has(word) && !NOT_EVENTS.has(word);

/** Whether the token at `i` is followed by an amount: "killing at least 30", "wounding dozens". */
function reportsAmount(tokens: readonly Token[], amount: readonly boolean[], i: number): boolean {
  let j = i + 1;
  while (j < tokens.length && j - i <= VERB_REACH && (APPROXIMATORS.has(tokens[j]!.word) || DETERMINERS.has(tokens[j]!.word))) j++;
  return j < tokens.length && amount[j] === true;
}

/** Whether a comma stands between tokens[i] and tokens[i + 1]. */
const commaAfter = (text: string, tokens: readonly Token[], i: number) => text.slice(tokens[i]!.end, tokens[i + 1]!.start).includes(",");

/**
 * The pairs of verbs one sentence reports as separate counts, joined by "and": each followed
 * by its own amount ("killed an estimated 90 people and injured hundreds more"), or the two
 * side by side after the amount they both count ("Hundreds have been killed and wounded"). Not
 * two verbs of one amount ("attacked and killed 12 worshippers": the same twelve), nor across
 * another clause ("killed 30 people, the police said, and …"); an aside that only adds to the
 * count is passed over ("killed 30 people, including 5 children, and wounded 40").
 */
export function coordinatedCounts(sentence: string): EventPair[] {
  if (sentence.length > MAX_SENTENCE_CHARS) return [];
  const tokens = tokenize(sentence);
  const amount = amountMask(sentence, tokens);
  if (!amount.includes(true)) return [];
  const verb = (i: number) => !amount[i] && isEventVerb(tokens[i]!.word);
  const event = (i: number): EventWord => ({ stem: stem(tokens[i]!.word), word: tokens[i]!.word });
  const pairs: EventPair[] = [];
  for (let a = 1; a + 1 < tokens.length; a++) {
    if (tokens[a]!.word !== "and" || !verb(a + 1)) continue;
    let left = -1;
    let separate = false;
    if (reportsAmount(tokens, amount, a + 1)) {
      // Back from "and", within one clause ("…, and" is still the same clause), past an aside
      // that only adds to the count ("killed at least 30 people, including 5 doctors, and …").
      for (let l = a - 1; l >= Math.max(0, a - COORDINATION_REACH); l--) {
        if (l < a - 1 && commaAfter(sentence, tokens, l) && !NOT_EVENTS.has(tokens[l + 1]!.word)) break;
        if (verb(l) && reportsAmount(tokens, amount, l)) {
          left = l;
          separate = true;
          break;
        }
      }
    } else if (verb(a - 1) && amount.slice(0, a - 1).includes(true)) {
      left = a - 1;
    }
    if (left < 0) continue;
    const [x, y] = [event(left), event(a + 1)];
    if (x.stem !== y.stem) pairs.push({ events: [x, y], separate });
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

/**
 * A verb form and its other regular form ("killing" and "killed"): word vectors are compared
 * form for form, since "dead" is nearer "wounded" (0.78) than "killing" (0.71) yet nearer
 * "killed" (0.83). A form the vectors lack is simply not compared.
 */
function inflections(word: string): string[] {
  const base = /ing$/.test(word) ? word.slice(0, -3) : /ed$/.test(word) ? word.slice(0, -2) : undefined;
  return base ? [...new Set([word, `${base}ed`, `${base}ing`])] : [word];
}

export class CountedEvents {
  /** Stem -> the stems it is reported apart from. */
  private readonly partners = new Map<string, Set<string>>();
  /** Stem -> the stems it is reported apart from with an amount of its own (EventPair.separate). */
  private readonly separatePartners = new Map<string, Set<string>>();
  /** Stem -> the forms the documents write it in ("killing", "killed"). */
  private readonly forms = new Map<string, Set<string>>();

  /** The distinct pairs it was made from, as an index saves them. */
  readonly pairs: EventPair[] = [];

  constructor(pairs: Iterable<EventPair>) {
    const seen = new Set<string>();
    for (const pair of pairs) {
      const key = `${pair.events[0].stem} ${pair.events[0].word} ${pair.events[1].stem} ${pair.events[1].word} ${pair.separate}`;
      if (!seen.has(key)) {
        seen.add(key);
        this.pairs.push(pair);
      }
    }
    const add = (map: Map<string, Set<string>>, key: string, value: string) => {
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(value);
    };
    for (const { events: [x, y], separate } of this.pairs) {
      for (const [a, b] of [
        [x, y],
        [y, x],
      ] as const) {
        add(this.partners, a.stem, b.stem);
        if (separate) add(this.separatePartners, a.stem, b.stem);
        for (const form of inflections(a.word)) add(this.forms, a.stem, form);
      }
    }
  }

  /** Learns the pairs from documents: one pass over their sentences. */
  static learn(texts: Iterable<string>): CountedEvents {
    const pairs: EventPair[] = [];
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

  /** The stems of the events a text names that the documents count apart from another ("killing … wounding" -> kill, wound). */
  eventsIn(text: string): string[] {
    return [...new Set(tokenize(text).map((t) => stem(t.word)))].filter((s) => this.partners.has(s));
  }

  /** Whether the documents count two events apart ("kill" and "wound"). */
  apart(a: string, b: string): boolean {
    return this.partners.get(a)?.has(b) ?? false;
  }

  /**
   * The events a "how many" question asks a figure of: the words after "how many" (up to a
   * clause about something else, "…in the attack that killed 150") that the documents report
   * apart from another event. Undefined when there are none, or when the question asks both
   * ("How many were killed and wounded?").
   */
  askedIn(question: string): AskedEvents | undefined {
    const tokens = tokenize(question);
    const from = tokens.findIndex((t, i) => (t.word === "how" && /^(?:many|much)$/.test(tokens[i + 1]?.word ?? "")) || (t.word === "number" && tokens[i + 1]?.word === "of"));
    if (from < 0) return undefined;
    const asked = new Map<string, EventWord>();
    for (const t of tokens.slice(from + 2)) {
      if (CLAUSE_START.has(t.word)) break;
      const s = stem(t.word);
      if (this.partners.has(s) && !asked.has(s)) asked.set(s, { stem: s, word: t.word });
    }
    if (asked.size === 0) return undefined;
    for (const s of asked.keys()) if ([...this.partners.get(s)!].some((p) => asked.has(p))) return undefined;
    const partnersOfAsked = new Set([...asked.keys()].flatMap((s) => [...this.partners.get(s)!]));
    // An event reported with its own amount apart from the same others as the asked one, and
    // never apart from it, stands with it: "wounded" with "injured", both only ever set against
    // "killed". This only ever keeps a sentence that would otherwise be set aside.
    const separateOfAsked = new Set([...asked.keys()].flatMap((s) => [...(this.separatePartners.get(s) ?? [])]));
    for (const [s, partners] of this.separatePartners) {
      if (asked.has(s) || partnersOfAsked.has(s)) continue;
      if ([...partners].some((p) => separateOfAsked.has(p))) asked.set(s, { stem: s, word: [...this.forms.get(s)!][0]! });
    }
    const others = new Map<string, EventWord>();
    for (const p of partnersOfAsked) {
      if (asked.has(p)) continue;
      for (const word of this.forms.get(p) ?? []) others.set(`${p} ${word}`, { stem: p, word });
    }
    if (others.size === 0) return undefined;
    const askedForms = new Map<string, EventWord>();
    for (const e of asked.values()) {
      for (const word of [...inflections(e.word), ...(this.forms.get(e.stem) ?? [])]) askedForms.set(`${e.stem} ${word}`, { stem: e.stem, word });
    }
    return { asked: [...askedForms.values()], others: [...others.values()] };
  }

  /**
   * What a sentence's amounts report for the asked events. Each amount is read by its verb:
   * before it ("killing more than 150 people", "the death of ten civilians") or after what it
   * counts ("more than 130 people dead", "13 US service members were killed"). The documents'
   * word for an asked event near an amount, or a verb closer in meaning to it, makes the
   * sentence answer; another event's word, or a word closer to another event ("dead" to
   * "killed" rather than "wounded"), makes that amount another event's. A sentence is another
   * event's only when one amount is and no other amount has a verb that cannot be placed ("551
   * others were hurt" beside "killed 145"): that one may be the asked figure in other words.
   * Without an amount, a sentence reports nothing ("unknown").
   */
  whatSentenceReports(sentence: string, events: AskedEvents, similarity?: WordSimilarity): EventVerdict {
    return this.readerFor(events, similarity)(sentence);
  }

  /** whatSentenceReports for one question's sentences: what each word tells is worked out once for all of them. */
  readerFor(events: AskedEvents, similarity?: WordSimilarity): (sentence: string) => EventVerdict {
    const askedStems = new Set(events.asked.map((e) => e.stem));
    const otherStems = new Set(events.others.map((e) => e.stem));
    // How near a word comes to the asked events and to the others, read once per word.
    const nearness = new Map<string, { toAsked: number; toOther: number }>();
    const nearnessOf = (word: string, sim: WordSimilarity) => {
      let n = nearness.get(word);
      if (!n) {
        const closest = (list: readonly EventWord[]) => list.reduce((best, e) => Math.max(best, sim(word, e.word) ?? -1), -1);
        nearness.set(word, (n = { toAsked: closest(events.asked), toOther: closest(events.others) }));
      }
      return n;
    };
    const classify = (w: ShapeWord): EventVerdict => {
      if (askedStems.has(w.stem)) return "asked";
      if (otherStems.has(w.stem)) return "other";
      if (!similarity || STOPWORDS.has(w.word)) return "unknown";
      const { toAsked, toOther } = nearnessOf(w.word, similarity);
      const floor = w.verb ? MIN_SIMILARITY.verb : MIN_SIMILARITY.other;
      return Math.max(toAsked, toOther) < floor || toAsked === toOther ? "unknown" : toOther > toAsked ? "other" : "asked";
    };
    // A word nearer the asked events than the others, however far from both: "hurt" (0.60 to
    // "injured", 0.47 to "killed"), not "detained" (0.55 to "wounded", 0.61 to "killed").
    const leansAsked = (w: ShapeWord): boolean => {
      if (!similarity) return false;
      const { toAsked, toOther } = nearnessOf(w.word, similarity);
      return toAsked > toOther;
    };
    return (sentence) => {
      const shape = this.shapeOf(sentence);
      if (!shape) return "unknown";
      let other = false;
      let unplaced = false;
      for (const amount of shape.amounts) {
        for (let i = amount.from; i < amount.to; i++) if (askedStems.has(shape.stems[i]!)) return "asked";
        let verdict = amount.before ? classify(amount.before) : "unknown";
        if (verdict === "unknown") {
          for (const w of amount.after) {
            verdict = classify(w);
            if (verdict !== "unknown") break;
          }
        }
        if (verdict === "asked") return "asked";
        if (verdict === "other") other = true;
        // "…killed 145 people and 551 others were hurt": a verb no event places, but nearer the
        // asked one, may be its figure in other words. Not a span of time, nor "where 6,000
        // people had gathered" or "11 suspects were detained".
        else if (amount.verb && !amount.time && leansAsked(amount.verb)) unplaced = true;
      }
      return other && !unplaced ? "other" : "unknown";
    };
  }

  /**
   * A sentence read once, whatever the question: for each amount, the words near it and the
   * ones that may say what happened to what it counts. Undefined when it states no amount.
   * Kept, bounded, small: the same sentences come back from question to question.
   */
  private shapeOf(sentence: string): SentenceShape | undefined {
    if (sentence.length > MAX_SENTENCE_CHARS) return undefined;
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

interface ShapeWord {
  word: string;
  stem: string;
  /** An -ed or -ing form (the lower similarity floor). */
  verb: boolean;
}

interface SentenceShape {
  /** The stems of its words. */
  stems: string[];
  amounts: {
    /** Where the words within VERB_REACH of the amount begin and end (in `stems`): an asked event named there answers. */
    from: number;
    to: number;
    /** Whether the amount is a span of time ("20 minutes"). */
    time: boolean;
    /** Its verb, when an -ed or -ing word before it or a word after an auxiliary: one that may report the asked event in other words. */
    verb?: ShapeWord;
    /** The word before it, past approximators: "killing more than 150", "the death of ten". */
    before?: ShapeWord;
    /** The words after what it counts, tried in order until one tells: "130 people dead", "13 service members were killed". */
    after: ShapeWord[];
  }[];
}

function readShape(sentence: string): SentenceShape {
  const tokens = tokenize(sentence);
  const amount = amountMask(sentence, tokens);
  const word = (i: number): ShapeWord => ({ word: tokens[i]!.word, stem: stem(tokens[i]!.word), verb: isEventVerb(tokens[i]!.word) });
  const amounts: SentenceShape["amounts"] = [];
  for (let t = 0; t < tokens.length; t++) {
    if (!amount[t]) continue;
    let b = t - 1;
    while (b >= 0 && t - b <= VERB_REACH && (APPROXIMATORS.has(tokens[b]!.word) || DETERMINERS.has(tokens[b]!.word))) b--;
    const after: ShapeWord[] = [];
    let afterAuxiliary = false;
    // Past what is counted ("13 US service members", "130 people"), then up to three words,
    // or past auxiliaries to the verb.
    let k = countedWordsEnd(sentence, tokens, t);
    for (let n = 0; n < 3 && k < tokens.length && !amount[k]; n++, k++) {
      const w = tokens[k]!.word;
      if (AUXILIARIES.has(w)) {
        while (k < tokens.length && AUXILIARIES.has(tokens[k]!.word)) k++;
        if (k < tokens.length) {
          after.push(word(k));
          afterAuxiliary = true;
        }
        break;
      }
      if (STOPWORDS.has(w)) break;
      after.push(word(k));
    }
    const before = b >= 0 && !amount[b] ? word(b) : undefined;
    const verb = before?.verb ? before : afterAuxiliary ? after[after.length - 1] : undefined;
    amounts.push({
      from: Math.max(0, t - VERB_REACH),
      to: Math.min(tokens.length, t + VERB_REACH + 1),
      time: t + 1 < tokens.length && countsTime([tokens[t + 1]!.word]),
      ...(before ? { before } : {}),
      ...(verb ? { verb } : {}),
      after,
    });
  }
  return { stems: tokens.map((x) => stem(x.word)), amounts };
}
