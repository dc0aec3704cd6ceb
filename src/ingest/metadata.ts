import { MONTH_NAME_ALTERNATION, monthIndex } from "../text/numbers.js";
import { cleanPage, decodeEntities, type CleanedPage } from "./clean.js";
import { JOINED_NAME, NAME_CONNECTOR_ALTERNATION, STOPWORDS } from "../text/normalize.js";
/** Title, author, publisher and publication date, where the page shows them; null where it does not. */
export interface DocumentMetadata {
  title: string | null;
  author: string | null;
  /** The publication or site the page comes from ("CSIS", "Spectator Australia"). */
  publisher: string | null;
  /** ISO date (YYYY-MM-DD). */
  date: string | null;
  /** The date as printed. */
  dateText: string | null;
  /**
   * What to call the document: its title, or, when it shows none, its opening words ("There
   * are growing concerns that Islamic State Khorasan (IS-K) could set its sights…"), so a
   * citation always says which document it is from in words, not an id.
   */
  label: string;
}

const MONTH = `(${MONTH_NAME_ALTERNATION})\\.?`;
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH},?\\s+(\\d{4})\\b`, "i");
const MONTH_DAY_YEAR = new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, "i");
const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/;

function iso(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/** Finds a full calendar date (day, month and year) in a string. */
export function findFullDate(text: string): { iso: string; text: string; index: number } | null {
  const candidates: { iso: string | null; text: string; index: number }[] = [];
  const a = DAY_MONTH_YEAR.exec(text);
  if (a) candidates.push({ iso: iso(+a[3]!, monthIndex(a[2]!), +a[1]!), text: a[0], index: a.index });
  const b = MONTH_DAY_YEAR.exec(text);
  if (b) candidates.push({ iso: iso(+b[3]!, monthIndex(b[1]!), +b[2]!), text: b[0], index: b.index });
  const c = ISO_DATE.exec(text);
  if (c) candidates.push({ iso: iso(+c[1]!, +c[2]! - 1, +c[3]!), text: c[0], index: c.index });
  const valid = candidates.filter((x): x is { iso: string; text: string; index: number } => x.iso !== null);
  valid.sort((x, y) => x.index - y.index);
  return valid[0] ?? null;
}

const NAME = String.raw`\p{Lu}[\p{L}'.-]+(?:\s+\p{Lu}[\p{L}'.-]*){1,3}`;
const BYLINE = new RegExp(String.raw`^(?:by|written by|author:)\s+(${NAME})`, "iu");
const BARE_NAME = new RegExp(String.raw`^(${NAME})$`, "u");

/**
 * The document's header (title, site line, byline, dateline) as one string, with the
 * publisher's name when the header does not show it. It is indexed with every chunk of the
 * document, so a question naming the source ("the CSIS analysis", "according to the
 * Spectator") finds passages whose own text never says it.
 */
export function documentContext(cleanedText: string, publisher?: string | null): string {
  const header = headerLines(cleanedText);
  // A name of common words joined by small ones ("Rise to Peace") would lend every passage its
  // words ("rising prices"): the retriever reads it as a source by the whole phrase instead.
  if (publisher && !JOINED_NAME.test(publisher) && !header.some((line) => line.includes(publisher))) header.push(publisher);
  return header.join(" \n");
}

/** Lines before the body starts: the first long paragraph ends the header. */
function headerLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const header: string[] = [];
  for (const line of lines.slice(0, 10)) {
    if (line.length > 220) break;
    header.push(line);
  }
  return header;
}

function isTitleLike(line: string): boolean {
  const words = line.split(/\s+/);
  if (words.length < 3 || words.length > 25 || line.length > 200) return false;
  if (/[.!?]$/.test(line) && !/\?$/.test(line)) return false;
  if (findFullDate(line) && line.length < 40) return false;
  if (BYLINE.test(line)) return false;
  return /^[\p{Lu}\p{N}"'\u201C]/u.test(line);
}

/** A publication's name: capitalised words, with the small words names carry ("Council on Foreign Relations"). */
const PUBLICATION = String.raw`(?:The\s+)?[\p{Lu}\p{N}][\p{L}\p{N}&'.-]*(?:\s+(?:(?:${NAME_CONNECTOR_ALTERNATION})\s+)?[\p{Lu}\p{N}][\p{L}\p{N}&'.-]*){0,5}`;
/**
 * Chrome that names the publication: "Join the conversation with other Spectator Australia
 * readers", "© 2024 Lawfare", "Copyright 2019-2024 The Diplomat". Case matters: a name is capitalised.
 */
const NAMED_BY_CHROME = [
  new RegExp(String.raw`\b(?:other|fellow)\s+(${PUBLICATION})\s+(?:readers|subscribers|members)\b`, "u"),
  new RegExp(String.raw`(?:©|\([cC]\)|\b[Cc]opyright\b|\bCOPYRIGHT\b)\s*(?:©\s*)?(?:\d{4}(?:\s*[-\u2013]\s*\d{4})?\s*,?\s*)?(?!\d{4}\b)(?!All\s+[Rr]ights\b)(${PUBLICATION})`, "u"),
];
/**
 * A sign-off line naming the writer's institution before their title, standing alone after an
 * article: "Rise to Peace Counter-Terrorism Research Fellow", "CSIS Senior Fellow", "Brookings
 * Institution Nonresident Fellow". The title ends with one of these nouns…
 */
const TITLE_NOUN = /^(?:Fellow|Analyst|Researcher|Scholar|Correspondent|Contributor|Intern)$/;
/** …and words like these begin it; an institution holds none ("Research Fellow" names no one). */
const TITLE_WORD = /^(?:Senior|Junior|Research|Visiting|Associate|Assistant|Adjunct|Non-?[Rr]esident|Nonresident|Policy|Program|Principal|Lead|Chief|Staff|Contributing|Graduate|Postdoctoral|Doctoral|Distinguished|Fellow|Analyst|Researcher|Scholar|Correspondent|Contributor|Intern)$/;
const CONNECTOR = new RegExp(`^(?:${NAME_CONNECTOR_ALTERNATION})$`);

/**
 * The institution of a sign-off line: opening words that make a name (an acronym alone, or two
 * or more capitalised words that are not function words, lower-case connectors between them)
 * and leave a title of at most four capitalised words. Where the title can begin with a title
 * word ("Council on Foreign Relations | Senior Fellow"), it does, unless that would take a
 * field of study into the name ("Rise to Peace | Counter-Terrorism Research Fellow"): then the
 * shortest name. Null for any other line ("Jane Doe, Senior Fellow", "By John Smith, Fellow").
 */
export function signOffInstitution(line: string): string | null {
  const words = line.trim().split(/\s+/);
  if (words.length < 2 || words.length > 8 || !TITLE_NOUN.test(words[words.length - 1]!)) return null;
  const splits: number[] = [];
  for (let k = 1; k <= words.length - 1; k++) {
    if (words.length - k > 4) continue;
    const org = words.slice(0, k);
    if ((CONNECTOR.test(org[0]!) && org[0] !== "The") || CONNECTOR.test(org[k - 1]!)) continue;
    const named = org.filter((w, i) => !CONNECTOR.test(w) && !(i === 0 && w === "The"));
    if (named.some((w) => !/^[\p{Lu}\p{N}][\p{L}\p{N}&'.-]*$/u.test(w) || /[.']$/.test(w) || TITLE_WORD.test(w) || STOPWORDS.has(w.toLowerCase()))) continue;
    if (!words.slice(k, -1).every((w) => /^\p{Lu}[\p{L}-]*$/u.test(w))) continue;
    const acronym = named.length === 1 && /^[\p{Lu}]{2,}$/u.test(named[0]!);
    if (acronym || named.length >= 2) splits.push(k);
  }
  if (splits.length === 0) return null;
  const titled = splits.find((k) => TITLE_WORD.test(words[k]!) && !words.slice(0, k).some((w) => w.includes("-")));
  return words.slice(0, titled ?? splits[0]).join(" ");
}

/** How much of a capture its declared site name is looked for in: the head of a page. */
const META_WINDOW = 65_536;
const SITE_NAME_PROPERTY = /^(?:og:site_name|application-name|citation_publisher|dc\.publisher)$/i;

/** A found name as shown: one sentence's worth ("Lawfare. All rights reserved" is "Lawfare"), no closing stop. */
function publicationName(found: string): string | null {
  const name = found.split(/\.\s/)[0]!.replace(/\s+/g, " ").replace(/[.,;:]+$/, "").trim();
  return name.length >= 2 && name.length <= 60 && /^[\p{Lu}\p{N}]/u.test(name) ? name : null;
}

/** The site name a page declares in its head: `<meta property="og:site_name" content="…">` and its kin. */
function declaredSiteName(raw: string): string | null {
  const head = raw.slice(0, META_WINDOW);
  const end = head.search(/<\/head>/i);
  for (const tag of (end >= 0 ? head.slice(0, end) : head).matchAll(/<meta\b[^>]{0,1000}>/gi)) {
    const attributes = new Map<string, string>();
    for (const a of tag[0].matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? "");
    const property = attributes.get("property") ?? attributes.get("name") ?? "";
    const content = attributes.get("content");
    if (content && SITE_NAME_PROPERTY.test(property)) {
      const name = publicationName(decodeEntities(content));
      if (name) return name;
    }
  }
  return null;
}

/**
 * The publication a page comes from, as the page itself names it: a declared site name, the
 * site part of a headline's title line ("Examining Extremism: ISKP | Examining Extremism | CSIS"),
 * the chrome the cleaner drops ("other Spectator Australia readers", "© 2024 Lawfare"), or the
 * institution an article is signed off for ("Rise to Peace Counter-Terrorism Research Fellow").
 * The article's own sentences are never read for it. Null when the page names none.
 */
export function findPublisher(raw: string, page: Pick<CleanedPage, "lines" | "chrome"> = cleanPage(raw)): string | null {
  const declared = declaredSiteName(raw);
  if (declared) return declared;
  for (const line of page.lines.filter(Boolean).slice(0, 15)) {
    const parts = line.split(/\s+\|\s+/);
    // A headline before the bars: "Home | World | Asia" and "Year | Attacks | Deaths" are menus and tables.
    if (parts.length < 2 || line.length > 200 || parts[0]!.split(/\s+/).length < 3) continue;
    const site = publicationName(parts[parts.length - 1]!);
    if (site && site.split(" ").length <= 4) return site;
  }
  for (const line of page.chrome) {
    if (line.length > 300) continue;
    for (const pattern of NAMED_BY_CHROME) {
      const found = pattern.exec(line);
      const name = found && publicationName(found[1]!);
      if (name) return name;
    }
  }
  // Last, the institution an article is signed off for: a page that names no site often
  // names it only there. A line of its own, at most eight words; a title alone names no one.
  for (const line of page.lines) {
    const name = line.length <= 100 ? signOffInstitution(line) : null;
    if (name) return name;
  }
  return null;
}

/**
 * Extracts metadata from the cleaned text's header, and the publisher from the raw capture
 * when given (else from the cleaned text). Pure.
 */
export function extractMetadata(cleanedText: string, page?: { raw: string } & Pick<CleanedPage, "lines" | "chrome">): DocumentMetadata {
  const header = headerLines(cleanedText);
  let title: string | null = null;
  let titleIndex = -1;
  for (let i = 0; i < header.length; i++) {
    if (isTitleLike(header[i]!)) {
      title = header[i]!;
      titleIndex = i;
      break;
    }
  }

  let author: string | null = null;
  for (let i = 0; i < header.length; i++) {
    const line = header[i]!;
    const byline = BYLINE.exec(line);
    if (byline) {
      // "by Khalid Iqbal     30 November 2023": the name stops where the date starts.
      const date = findFullDate(line);
      const name = date ? line.slice(0, date.index) : line;
      author = BYLINE.exec(name.trim())?.[1]?.trim() ?? byline[1]!.trim();
      break;
    }
    // A bare name directly under the title ("Tricia Bacon") is a byline too.
    if (i === titleIndex + 1 && titleIndex >= 0 && BARE_NAME.test(line) && line.split(/\s+/).length <= 4) {
      author = line;
      break;
    }
  }

  let date: string | null = null;
  let dateText: string | null = null;
  for (const line of header) {
    const found = findFullDate(line);
    if (found) {
      date = found.iso;
      dateText = found.text;
      break;
    }
  }
  // Without the capture, only a site line of the cleaned header can name it.
  const publisher = findPublisher(page?.raw ?? "", page ?? { lines: cleanedText.split("\n", 15), chrome: [] });
  return { title, author, publisher, date, dateText, label: title ?? openingWords(cleanedText) };
}

/** The most characters of a label made of a document's opening words. */
const LABEL_CHARS = 80;

/**
 * A document's first line of prose (not an address, a byline or a date line, which say who and
 * when, not what), cut at a word before LABEL_CHARS characters with an ellipsis; "Untitled
 * document" when it has none. Cut by code points, so no character is split in two.
 */
export function openingWords(cleanedText: string): string {
  const first = cleanedText
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /\p{L}/u.test(l) && !/^(?:https?:\/\/|www\.)\S*$/i.test(l) && !BYLINE.test(l) && !(findFullDate(l) && l.length <= 40));
  if (!first) return "Untitled document";
  const chars = Array.from(first);
  if (chars.length <= LABEL_CHARS) return first;
  const cut = chars.slice(0, LABEL_CHARS + 1).join("");
  const space = cut.lastIndexOf(" ");
  const kept = space > cut.length / 2 ? cut.slice(0, space) : chars.slice(0, LABEL_CHARS).join("");
  return `${kept.replace(/[\s,;:.(\u2013\u2014-]+$/u, "")}…`;
}

/** A line that reads as a heading: short, capitalised, no closing punctuation, not a date or byline. */
export function isHeadingLine(line: string): boolean {
  const t = line.trim();
  const words = t.split(/\s+/);
  if (t.length < 3 || t.length > 120 || words.length > 14) return false;
  if (/[.!?,;:]["'\u201D\u2019)]*$/.test(t)) return false;
  if (!/^[\p{Lu}\p{N}"'\u201C]/u.test(t)) return false;
  if (BYLINE.test(t) || (findFullDate(t) && t.length < 40)) return false;
  return true;
}

/** Headings of a cleaned text with their offsets, in order. */
export function headingsOf(cleanedText: string): { start: number; text: string }[] {
  const out: { start: number; text: string }[] = [];
  for (const m of cleanedText.matchAll(/[^\n]+/g)) {
    if (isHeadingLine(m[0])) out.push({ start: m.index, text: m[0].trim() });
  }
  return out;
}
