import { MONTH_ABBREVIATIONS, MONTH_FULL_NAMES, monthIndex, UNITS, WEEKDAY_NAMES } from "../text/numbers.js";

/**
 * Date expressions in a sentence, resolved to ISO dates. Pure: no clock, no I/O; relative
 * expressions are resolved against the document's publication date, never against today.
 *
 * Precision is carried by the ISO string itself:
 *   - day   "2024-03-22"  ("August 29, 2021", "the 12th of May 2020", "Friday's" in a dated piece)
 *   - month "2024-03"     ("March 2022", "last month", "in January", "last week")
 *   - year  "2021"        ("in 2015", "last year", "earlier this year")
 *
 * Explicit dates carry `inferred: false`. Anything whose year or month had to be worked out
 * (relative expressions, a month or a month+day printed without a year) carries
 * `inferred: true`, and is dropped when there is nothing to resolve it against. Forecasts
 * ("next year", "in the coming months") and vague spans ("in recent years") are ignored.
 */

export type DatePrecision = "day" | "month" | "year";

export interface DateMention {
  /** ISO date: YYYY-MM-DD, YYYY-MM or YYYY depending on `precision`. */
  date: string;
  precision: DatePrecision;
  /** The expression as printed. */
  text: string;
  /** Offsets of `text` in the input string. */
  start: number;
  end: number;
  /** True when resolved against the publication date or the document's other dates. */
  inferred: boolean;
}

export interface DateContext {
  /** The document's publication date (ISO YYYY-MM-DD), when known. */
  published?: string | null;
  /**
   * Full dates (YYYY-MM-DD) printed elsewhere in the same document: a bare "August 29" takes
   * its year from an "August 29, 2021" in the same document.
   */
  knownDates?: readonly string[];
}

const MONTH_NAME = `(?:${MONTH_FULL_NAMES}|(?:${MONTH_ABBREVIATIONS})\\.?)`;
const DAY = "(\\d{1,2})(?:st|nd|rd|th)?";
const YEAR = "((?:19|20)\\d\\d)";
const WEEKDAY = `(${WEEKDAY_NAMES.join("|")})`;
/** "a year ago", "two years ago", "nineteen days ago": the counts a span before publication is written with. */
const NUMBER_WORDS: Readonly<Record<string, number>> = { a: 1, an: 1, ...UNITS };
const APOSTROPHE = "['\u2019]";

interface Parsed {
  year: number;
  month?: number; // 0-based
  day?: number;
  inferred: boolean;
}

interface Rule {
  re: RegExp;
  /** Lower wins when two rules match the same span. */
  priority: number;
  resolve(m: RegExpExecArray, ctx: Resolved): Parsed | null;
}

interface Resolved {
  published: { year: number; month: number; day: number } | null;
  knownDates: readonly string[];
}

function valid(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day;
}

function parseIso(iso: string | null | undefined): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? "");
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  return valid(year, month, day) ? { year, month, day } : null;
}

function addDays(p: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(p.year, p.month, p.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate() };
}

function addMonths(p: { year: number; month: number }, months: number): { year: number; month: number } {
  const total = p.year * 12 + p.month + months;
  return { year: Math.floor(total / 12), month: ((total % 12) + 12) % 12 };
}

/** The most recent occurrence of `month` at or before the publication month (strictly before when `strict`). */
function recentMonth(pub: { year: number; month: number }, month: number, strict = false): { year: number; month: number } {
  const year = month < pub.month || (!strict && month === pub.month) ? pub.year : pub.year - 1;
  return { year, month };
}

function countOf(word: string): number | null {
  const w = word.toLowerCase();
  if (/^\d+$/.test(w)) return Number(w);
  return NUMBER_WORDS[w] ?? null;
}

/** A bare month+day takes its year from the same month+day printed with a year, else from the publication date. */
function yearForMonthDay(month: number, day: number, ctx: Resolved): number | null {
  const suffix = `-${String(month + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  const years = new Set(ctx.knownDates.filter((d) => d.endsWith(suffix)).map((d) => Number(d.slice(0, 4))));
  if (years.size === 1) return [...years][0]!;
  if (years.size > 1) return null;
  const pub = ctx.published;
  if (!pub) return null;
  // Newsroom convention: a month and day later in the year than the dateline are last year's.
  return month < pub.month || (month === pub.month && day <= pub.day) ? pub.year : pub.year - 1;
}

const RULES: Rule[] = [
  // "the 12th of May 2020", "30 November 2023", "2nd of November 2021"
  {
    re: new RegExp(`\\b(?:the\\s+)?${DAY}\\s+(?:of\\s+)?(${MONTH_NAME}),?\\s+${YEAR}\\b`, "g"),
    priority: 0,
    resolve: (m) => {
      const day = Number(m[1]);
      const month = monthIndex(m[2]!);
      const year = Number(m[3]);
      return valid(year, month, day) ? { year, month, day, inferred: false } : null;
    },
  },
  // "May 7, 2022", "August 29, 2021"
  {
    re: new RegExp(`\\b(${MONTH_NAME})\\s+${DAY},?\\s+${YEAR}\\b`, "g"),
    priority: 0,
    resolve: (m) => {
      const month = monthIndex(m[1]!);
      const day = Number(m[2]);
      const year = Number(m[3]);
      return valid(year, month, day) ? { year, month, day, inferred: false } : null;
    },
  },
  // ISO "2024-03-22"
  {
    re: /\b((?:19|20)\d\d)-(\d{2})-(\d{2})\b/g,
    priority: 0,
    resolve: (m) => {
      const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
      return valid(year, month, day) ? { year, month, day, inferred: false } : null;
    },
  },
  // "March 2022", "in late October 2021", "mid-March 2020"
  {
    re: new RegExp(`\\b(?:(?:early|mid|late)[-\\s]+)?(${MONTH_NAME}),?\\s+${YEAR}\\b`, "g"),
    priority: 1,
    resolve: (m) => ({ year: Number(m[2]), month: monthIndex(m[1]!), inferred: false }),
  },
  // "August 26", "August 27th", "on the 26th of August": the year comes from context.
  {
    re: new RegExp(`\\b(${MONTH_NAME})\\s+${DAY}\\b(?!\\s*[,:]?\\s*\\d)|\\b(?:the\\s+)?${DAY}\\s+of\\s+(${MONTH_NAME})\\b(?!,?\\s*\\d)`, "g"),
    priority: 2,
    resolve: (m, ctx) => {
      const month = monthIndex((m[1] ?? m[4])!);
      const day = Number(m[2] ?? m[3]);
      if (month < 0 || day < 1 || day > 31) return null;
      const year = yearForMonthDay(month, day, ctx);
      if (year === null || !valid(year, month, day)) return null;
      return { year, month, day, inferred: true };
    },
  },
  // "In March last year", "in January", "late October", "last March", "this May": a month without a year.
  {
    re: new RegExp(
      `\\b(?:(in|since|by|during|until|from|early|late|mid|last|this|earlier this|past)\\s+)(?:(early|late|mid)[-\\s]+)?(${MONTH_NAME})(?:\\s+(last|this)\\s+year)?\\b(?!\\s*,?\\s*(?:\\d|${MONTH_NAME}))`,
      "gi",
    ),
    priority: 3,
    resolve: (m, ctx) => {
      // Month names are proper nouns: "in may" is not a date, nor is "March" the verb.
      if (!/^\p{Lu}/u.test(m[3]!)) return null;
      const pub = ctx.published;
      if (!pub) return null;
      const month = monthIndex(m[3]!);
      const lead = (m[1] ?? "").toLowerCase();
      const yearWord = (m[4] ?? "").toLowerCase();
      if (yearWord === "last") return { year: pub.year - 1, month, inferred: true };
      if (yearWord === "this" || lead === "this" || lead === "earlier this") {
        if (month > pub.month) return null; // "this December" in a March piece is a forecast
        return { year: pub.year, month, inferred: true };
      }
      const r = recentMonth(pub, month, lead === "last");
      return { year: r.year, month: r.month, inferred: true };
    },
  },
  // "in 2015", "since late 2022", "by mid-2019", "the 2003 United States’ intervention"
  {
    re: new RegExp(`\\b(?:(?:in|since|by|during|from|until|till|of|before|after|around|throughout)\\s+(?:(?:early|late|mid)[-\\s]+)?|(?:early|late|mid)[-\\s]+|[Tt]he\\s+(?=(?:19|20)\\d\\d\\s+\\p{Lu}))${YEAR}\\b(?!\\s*[-\\u2013]\\s*\\d|,\\d|%)`, "gu"),
    priority: 4,
    resolve: (m) => ({ year: Number(m[1]), inferred: false }),
  },
  // "last year", "earlier this year", "this year", "the previous year"
  {
    re: /\b(last year|the previous year|the year before|(?:earlier |so far |late |early )?this year)\b/gi,
    priority: 5,
    resolve: (m, ctx) => {
      const pub = ctx.published;
      if (!pub) return null;
      return /this year/i.test(m[1]!) ? { year: pub.year, inferred: true } : { year: pub.year - 1, inferred: true };
    },
  },
  // "last month", "this past month", "earlier this month"
  {
    re: /\b(last month|this past month|the past month|the previous month|(?:earlier |late |early )?this month)\b/gi,
    priority: 5,
    resolve: (m, ctx) => {
      const pub = ctx.published;
      if (!pub) return null;
      const r = /this month/i.test(m[1]!) ? { year: pub.year, month: pub.month } : addMonths(pub, -1);
      return { ...r, inferred: true };
    },
  },
  // "last week", "this week", "earlier this week": reported at month precision.
  {
    re: /\b(last week|this past week|the past week|(?:earlier |late )?this week)\b/gi,
    priority: 5,
    resolve: (m, ctx) => {
      const pub = ctx.published;
      if (!pub) return null;
      const d = /this week/i.test(m[1]!) ? pub : addDays(pub, -7);
      return { year: d.year, month: d.month, inferred: true };
    },
  },
  // "yesterday"
  {
    re: /\b(yesterday)\b/gi,
    priority: 5,
    resolve: (_m, ctx) => (ctx.published ? { ...addDays(ctx.published, -1), inferred: true } : null),
  },
  // "two years ago", "a month ago", "almost a year ago"
  {
    re: new RegExp(`\\b(${Object.keys(NUMBER_WORDS).join("|")}|\\d{1,2})\\s+(years?|months?|weeks?|days?)\\s+ago\\b`, "gi"),
    priority: 5,
    resolve: (m, ctx) => {
      const pub = ctx.published;
      const n = countOf(m[1]!);
      if (!pub || n === null) return null;
      const unit = m[2]!.toLowerCase().replace(/s$/, "");
      if (unit === "year") return { year: pub.year - n, inferred: true };
      if (unit === "month") return { ...addMonths(pub, -n), inferred: true };
      const d = addDays(pub, -(unit === "week" ? 7 * n : n));
      return unit === "week" ? { year: d.year, month: d.month, inferred: true } : { ...d, inferred: true };
    },
  },
  // "this Tuesday", "last Friday", "on Monday", "Friday's attack"
  {
    re: new RegExp(`\\b(?:([Tt]his past|[Tt]his|[Ll]ast|[Oo]n|[Pp]ast)\\s+)?${WEEKDAY}(${APOSTROPHE}s)?\\b`, "g"),
    priority: 5,
    resolve: (m, ctx) => {
      const pub = ctx.published;
      const lead = m[1]?.toLowerCase();
      if (!pub || (!lead && !m[3])) return null; // a bare "Friday" may be habitual ("Friday prayers")
      const target = WEEKDAY_NAMES.indexOf(m[2]!);
      const pubDay = new Date(Date.UTC(pub.year, pub.month, pub.day)).getUTCDay();
      let back = (pubDay - target + 7) % 7;
      if (back === 0 && (lead === "last" || lead === "past" || lead === "this past")) back = 7;
      return { ...addDays(pub, -back), inferred: true };
    },
  },
];

function isoOf(p: Parsed): { date: string; precision: DatePrecision } {
  const y = String(p.year).padStart(4, "0");
  if (p.month === undefined) return { date: y, precision: "year" };
  const m = String(p.month + 1).padStart(2, "0");
  if (p.day === undefined) return { date: `${y}-${m}`, precision: "month" };
  return { date: `${y}-${m}-${String(p.day).padStart(2, "0")}`, precision: "day" };
}

/** Every date expression in `text`, left to right, overlapping matches resolved to the longest. */
export function findDates(text: string, context: DateContext = {}): DateMention[] {
  const ctx: Resolved = { published: parseIso(context.published), knownDates: context.knownDates ?? [] };
  const found: (DateMention & { priority: number })[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
      const parsed = rule.resolve(m, ctx);
      const start = m.index;
      const end = m.index + m[0].length;
      // Even an unresolvable match claims its span, so a shorter rule cannot misread part of it.
      found.push({ ...(parsed ? isoOf(parsed) : { date: "", precision: "year" }), text: m[0], start, end, inferred: parsed?.inferred ?? true, priority: rule.priority });
    }
  }
  found.sort((a, b) => b.end - b.start - (a.end - a.start) || a.priority - b.priority || a.start - b.start);
  const kept: (DateMention & { priority: number })[] = [];
  for (const f of found) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  return kept
    .filter((k) => k.date !== "")
    .sort((a, b) => a.start - b.start)
    .map(({ priority: _p, ...rest }) => rest);
}

/** Full dates (day precision, printed with their year) in a text: the context for bare month+day mentions. */
export function explicitFullDates(text: string): string[] {
  return [...new Set(findDates(text).filter((d) => d.precision === "day" && !d.inferred).map((d) => d.date))];
}

const PRECISION_RANK: Record<DatePrecision, number> = { day: 3, month: 2, year: 1 };

/**
 * The date a sentence is about, when it has one: explicit before inferred, then the most
 * precise, then the first printed.
 */
export function principalDate(mentions: DateMention[]): DateMention | null {
  let best: DateMention | null = null;
  for (const m of mentions) {
    if (!best) best = m;
    else if (best.inferred && !m.inferred) best = m;
    else if (best.inferred === m.inferred && PRECISION_RANK[m.precision] > PRECISION_RANK[best.precision]) best = m;
  }
  return best;
}
