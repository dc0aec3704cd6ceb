import { STOPWORDS, type Token } from "./normalize.js";

/**
 * The one vocabulary of written numbers, shared by sentence scoring (counts and spans of time),
 * the answer composer, word-vector specificity and the briefing's figures and relative dates,
 * so "seventy" is a number to all of them or to none.
 */

export const UNITS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
export const TENS: Readonly<Record<string, number>> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
export const SCALES: Readonly<Record<string, number>> = { hundred: 100, thousand: 1_000, million: 1_000_000, billion: 1_000_000_000 };

/** Every cardinal number word, as a regex alternation. */
export const CARDINAL_WORD_ALTERNATION = [...Object.keys(UNITS), ...Object.keys(TENS), ...Object.keys(SCALES)].join("|");

/** A cardinal number word anywhere in a text ("one" included). */
export const CARDINAL_WORD = new RegExp(`\\b(?:${CARDINAL_WORD_ALTERNATION})\\b`, "i");

// "one" is too often not a count ("one of the groups"), and a year is a date, not a figure;
// so is a day of a month ("30 November", "2nd of November", "August 29"), which a byline or
// dateline would otherwise offer as the answer to "how many".
// Separators count only between digits: "killed 13." states 13, as "13 people" does.
/** Count words and their values: units and tens, not "one", too often no count ("one of the groups"). */
export const COUNT_WORD_VALUES: ReadonlyMap<string, number> = new Map(Object.entries({ ...UNITS, ...TENS }).filter(([word]) => word !== "one"));
const COUNTING_WORDS = [...COUNT_WORD_VALUES.keys(), ...Object.keys(SCALES)].join("|");
/** Month names as a regex alternation, and their abbreviations (which may take a full stop). */
export const MONTH_FULL_NAMES = "January|February|March|April|May|June|July|August|September|October|November|December";
/** The days of the week, Sunday first (JavaScript's getDay order). */
export const WEEKDAY_NAMES: readonly string[] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
/** A day or a month as written capitalised ("Friday", "November"): when, not a name of anything. */
export const CALENDAR_WORD = new RegExp(`^(?:${WEEKDAY_NAMES.join("|")}|${MONTH_FULL_NAMES})$`);
export const MONTH_ABBREVIATIONS = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec";
export const MONTH_NAME_ALTERNATION = `${MONTH_FULL_NAMES}|${MONTH_ABBREVIATIONS}`;
const DAY_OF_MONTH = String.raw`(\d{1,2})(?:st|nd|rd|th)?`;
const MONTH_OF_DAY = `(${MONTH_NAME_ALTERNATION})\\.?`;
// "In May 12 people were killed": after "in", a month is when, and the number a count.
const MONTH_DAY = new RegExp(String.raw`(?<!\b[Ii]n\s+)\b${MONTH_OF_DAY}\s+${DAY_OF_MONTH}\b|\b${DAY_OF_MONTH}\s+(?:of\s+)?${MONTH_OF_DAY}(?![\p{L}])`, "gu");

/** The days of a month a text names ("August 26", "Aug. 27th", "the 2nd of November"), as "august 26", in order; not impossible ones ("31 February"). */
export function dayDatesIn(text: string): string[] {
  const days: string[] = [];
  for (const m of text.matchAll(MONTH_DAY)) {
    const month = monthIndex((m[1] ?? m[4])!);
    const day = Number(m[2] ?? m[3]);
    // 2024 is a leap year: the 29th of February is possible in some year.
    if (month < 0 || day < 1 || new Date(Date.UTC(2024, month, day)).getUTCMonth() !== month) continue;
    days.push(`${MONTH_KEYS[month]} ${day}`);
  }
  return days;
}
const MONTH_KEYS = MONTH_FULL_NAMES.toLowerCase().split("|");
/** A month's number (0 = January) from its name or abbreviation, in any case ("Aug.", "AUGUST"); -1 for none. */
export function monthIndex(name: string): number {
  const prefix = name.toLowerCase().slice(0, 3);
  return MONTH_KEYS.findIndex((m) => m.startsWith(prefix));
}

// Capitalised or in capitals ("30 NOVEMBER 2023" in a dateline), never lower case: "12 may" is a figure.
const MONTH_WORD = `(?:${MONTH_NAME_ALTERNATION}|${MONTH_NAME_ALTERNATION.toUpperCase()})\\b`;
// A day is one or two digits, not the start of a longer figure: "May 2,500 fighters" is a figure.
const DAY = "\\d{1,2}(?:st|nd|rd|th)?\\b(?![.,]?\\d)";
const NOT_A_DAY = `(?<!\\b${MONTH_WORD}\\.?\\s+(?=${DAY}))(?!${DAY}\\s+(?:of\\s+)?${MONTH_WORD})`;
// Case-sensitive, so "12 may" is a figure and "12 May" a day; number words in any case.
const ANY_CASE_COUNTING_WORDS = COUNTING_WORDS.split("|")
  .flatMap((w) => [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase()])
  .join("|");
// "9/11", "24/7": a date or a phrase, not a count.
const FIGURE_SOURCE = `(?<!\\d[.,/])\\b(?!(?:19|20)\\d\\d\\b)${NOT_A_DAY}\\d+(?:[.,]\\d+)*%?(?![\\d/])|\\b(?:${ANY_CASE_COUNTING_WORDS})\\b`;
const FIGURE = new RegExp(FIGURE_SOURCE);
const FIGURES = new RegExp(FIGURE_SOURCE, "g");

/** Whether a text states a figure: digits other than a year, or a cardinal word above one. */
export function statesFigure(text: string): boolean {
  return FIGURE.test(text);
}

/** The figures a text states, as written, lower case, in order. */
export function figuresIn(text: string): string[] {
  return (text.match(FIGURES) ?? []).map((f) => f.toLowerCase());
}

/** Where the figures of a text are, in order. */
export function figureSpans(text: string): { start: number; end: number }[] {
  return [...text.matchAll(FIGURES)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Words between a verb and its figure: "number more than 2,500", "killing at least 30", "killed an estimated 90". */
export const APPROXIMATORS: ReadonlySet<string> = new Set(["more", "than", "over", "under", "about", "around", "nearly", "almost", "some", "roughly", "approximately", "at", "least", "most", "an", "estimated", "up", "to", "fewer", "less", "just", "only"]);

/**
 * The tokens the figures of a text stand on, each once and in order ("seventy-six" holds two
 * figures in one token). `tokens` must come from tokenize(text).
 */
export function figureTokens(text: string, tokens: readonly Token[]): number[] {
  const out: number[] = [];
  let t = 0;
  for (const span of figureSpans(text)) {
    while (t < tokens.length && tokens[t]!.end <= span.start) t++;
    if (t < tokens.length && tokens[t]!.start < span.end && out[out.length - 1] !== t) out.push(t);
  }
  return out;
}

/** Amounts stated without a figure: "dozens", "doubled", "several". */
export const VAGUE_AMOUNTS = /\b(?:dozens|hundreds|thousands|millions|half|double|doubled|tripled|several|numerous)\b/i;

/** Whether a text states an amount: a figure, or a vague amount ("dozens", "doubled"). */
export function statesAmount(text: string): boolean {
  return statesFigure(text) || VAGUE_AMOUNTS.test(text);
}

const TIME_UNIT = "(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|century|centuries)";
/** A span of time: "20 years", "two and a half years", "a six-month", "several years" (use with "i"). */
export const SPAN_OF_TIME_SOURCE = `\\b(?:\\d+(?:[.,]\\d+)?|an?|${CARDINAL_WORD_ALTERNATION}|few|several)(?:[\\s-]+and\\s+a\\s+half)?[\\s-]+${TIME_UNIT}\\b`;
const SPAN_OF_TIME = new RegExp(SPAN_OF_TIME_SOURCE, "gi");
const SPAN_OF_TIME_ONE = new RegExp(SPAN_OF_TIME_SOURCE, "i");
/**
 * A point in time: a year, a month, "last year", "days earlier", "two years ago". A weekday
 * alone ("this Tuesday") is left out: it dates nothing a reader can place.
 */
const POINT_IN_TIME = new RegExp(
  // Month names in their own case ("may" is a verb); the rest at a sentence's start too ("Last month, …").
  `\\b(?:1[89]\\d\\d|20\\d\\d)s?\\b|\\b(?:${MONTH_FULL_NAMES})\\b|\\b(?:[Ll]ast|[Tt]his|[Nn]ext|[Ee]arlier this|[Ll]ater that) (?:year|month|week)\\b|\\b(?:[Yy]esterday|[Tt]oday)\\b|\\b${TIME_UNIT} (?:ago|earlier|later)\\b`,
);

/** Whether a text says when: a point in time or a span of time ("within six to twelve months"). */
export function statesTime(text: string): boolean {
  return POINT_IN_TIME.test(text) || SPAN_OF_TIME_ONE.test(text);
}

/** It has not happened: "has not been able to attack there yet", "not yet", "never". */
const NOT_YET = /\bnot\s+yet\b|\b(?:has|have|had)(?:n['\u2019]t| not)\b[^.;,]{0,60}\byet\b|\b[Nn]ever\b/;

const POINT_IN_TIME_ALL = new RegExp(POINT_IN_TIME.source, "g");
/** A month as a text writes it: capitalised or in capitals, in full or abbreviated ("Mar. 2022", "30 NOVEMBER 2023"). */
const MONTH_IN_TEXT = new RegExp(`\\b${MONTH_WORD}`, "g");
const WEEKDAY = new RegExp(`\\b(?:${WEEKDAY_NAMES.join("|")})\\b`, "g");
/** A part of a year or month, finer than it: "late 2022", "mid-2021", "early March". */
const PART_OF_TIME = new RegExp(`\\b(?:early|mid|late|spring|summer|autumn|fall|winter)[\\s-]+(?:(?:1[89]|20)\\d\\d|${MONTH_FULL_NAMES})\\b`, "gi");

/**
 * A time told by an event: "since the Taliban takeover", "after the U.S. withdrawal", "in the wake
 * of the invasion". Only events that mark an era or a turn, after a word that places a time
 * against them and an article, with nothing between but names ("before the group could launch
 * attacks" and "before revenues fall" tell no time).
 */
const EVENT_TIME = new RegExp(
  String.raw`\b(?:[Ss]ince|[Aa]fter|[Ff]ollowing|[Bb]efore|[Uu]ntil|[Ii]n the (?:wake|aftermath) of)\s+(?:the|its|their)\s+(?:\p{Lu}[\p{L}.'’-]*\s+){0,3}(takeover|withdrawal|invasion|fall|collapse|evacuation|war|coup|election|attack|bombing)s?\b`,
  "gu",
);

/** The times a text states (points, spans, parts of a year and days of a month), lower case. */
function timesIn(text: string): string[] {
  const spans = [...text.matchAll(POINT_IN_TIME_ALL), ...text.matchAll(SPAN_OF_TIME), ...text.matchAll(PART_OF_TIME)];
  return [...spans.map((m) => m[0].toLowerCase().replace(/[\s-]+/g, " ")), ...dayDatesIn(text)];
}

/** The events a text tells a time by ("takeover" of "since the Taliban takeover"). */
function eventsTimedIn(text: string): string[] {
  return [...text.matchAll(EVENT_TIME)].map((m) => m[1]!.toLowerCase());
}

/** The months a text names, as numbers (0 = January). */
function monthsIn(text: string): number[] {
  return [...text.matchAll(MONTH_IN_TEXT)].map((m) => monthIndex(m[0]));
}

/** How fine a time a question asks: "On what date …" a day, "In which month of 2022 …" a month ("day-to-day" asks none). */
const ASKS_DAY = /\b(?:what|which)\s+(?:date|day)(?![\w-])/i;
const ASKS_WEEKDAY = /\b(?:what|which)\s+day(?![\w-])(?!\s+of\s+the\s+month)/i;
const ASKS_MONTH = /\b(?:what|which)\s+month(?![\w-])/i;
/** Times a question offers to choose from ("2014 or 2015") are not times it states. */
const ALTERNATIVES = /[^\s,]+(?:\s+[^\s,]+)?,?\s+or\s+[^\s,?]+(?:\s+[^\s,?]+)?/gi;

/**
 * Whether a text answers "when": it says when, or that it has not happened yet. Given the
 * question, the time must be one it does not state already ("In which month of 2022 …" is not
 * answered by "in 2022", but is by "late 2022"), and as fine as it asks: a day of the month for
 * "on what date", a weekday too for "which day", a month for "which month".
 */
export function answersWhen(text: string, question?: string): boolean {
  if (NOT_YET.test(text)) return true;
  if (question === undefined) return statesTime(text);
  const stated = question.replace(ALTERNATIVES, " ");
  if (ASKS_DAY.test(question)) {
    const weekdays = ASKS_WEEKDAY.test(question);
    const daysOf = (t: string) => [...dayDatesIn(t), ...(weekdays ? [...t.matchAll(WEEKDAY)].map((m) => m[0]) : [])];
    const known = new Set(daysOf(stated));
    return daysOf(text).some((d) => !known.has(d));
  }
  if (ASKS_MONTH.test(question)) {
    const known = new Set(monthsIn(stated));
    return monthsIn(text).some((m) => m >= 0 && !known.has(m));
  }
  const known = new Set(timesIn(stated));
  if (timesIn(text).some((t) => !known.has(t))) return true;
  // An event the question names tells no time of it: "after the attack" for "When did the attack happen?".
  const named = new Set(stated.toLowerCase().match(/\p{L}+/gu)?.map((w) => w.replace(/s$/, "")));
  return eventsTimedIn(text).some((event) => !named.has(event));
}

/**
 * A share of a whole: "95%", "20 percent", "half of", "a third", "the majority of", "one in five".
 * Not "two and a half years", "half a century" or "minority groups".
 */
const SHARE = new RegExp(
  String.raw`\d\s?%|\b(?:per ?cent|percentage|(?:a|one|two) (?:thirds?|quarters?|fifths?|tenths?)|(?:majority|minority) of)\b|\bhalf (?:of|the)\b|\b(?:\d+|one|two|three) (?:in|out of) (?:every )?(?:\d+|${CARDINAL_WORD_ALTERNATION})\b`,
  "i",
);

/** Whether a text states a share of a whole. */
export function statesShare(text: string): boolean {
  return SHARE.test(text);
}

/** Whether a question asks for a share of a whole: "What percentage of …", "What proportion of …". */
export function asksShare(question: string): boolean {
  return /\bwhat (?:share|percentage|proportion|fraction|percent|part)\b|\bhow much of\b|\bhow large a (?:share|part|proportion)\b/i.test(question);
}

/** A unit of time as a word or its Porter stem ("days" or "dai", "decades" or "decad"). */
const TIME_UNIT_TERM = new RegExp(`^(?:${TIME_UNIT}|minut|dai|decad|centuri)$`, "i");

/** Whether words or stems counted by a question name a unit of time ("how many years"). */
export function countsTime(counted: readonly string[]): boolean {
  return counted.some((w) => TIME_UNIT_TERM.test(w));
}

/**
 * Whether a text states an amount of something other than time, for a question that counts
 * something other than time (see countsTime): "over the past 20 years" is when, not how many people.
 */
export function statesAmountBesidesTime(text: string): boolean {
  return statesAmount(text.replace(SPAN_OF_TIME, " "));
}

/** Words after a figure where what it counts is looked for: "13 U.S. servicemembers", "170 Afghan civilians". */
const COUNT_WINDOW = 4;

/**
 * Where the words a figure at tokens[t] counts end (the index after the last): names, then
 * the first lower-case word ("13 American soldiers", "130 people"), at most four, stopping at
 * a function word unless it is an acronym ("13 US service members"). Token offsets must index
 * `sentence` (tokenize keeps them: folding typography changes no length).
 */
export function countedWordsEnd(sentence: string, tokens: readonly Token[], t: number): number {
  let j = t + 1;
  for (; j <= Math.min(tokens.length - 1, t + COUNT_WINDOW); j++) {
    const surface = sentence.slice(tokens[j]!.start, tokens[j]!.end);
    if (STOPWORDS.has(tokens[j]!.word) && !/^\p{Lu}{2,}$/u.test(surface)) break;
    if (/^\p{Ll}/u.test(surface)) return j + 1;
  }
  return j;
}
