import { foldTypography } from "../text/normalize.js";

/**
 * Turns a raw web capture into the text an analyst would read. Every rule is general
 * (tags, shortcodes, footers, repeated datelines); none names a document.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "\u2013",
  mdash: "\u2014",
  lsquo: "\u2018",
  rsquo: "\u2019",
  ldquo: "\u201C",
  rdquo: "\u201D",
  hellip: "\u2026",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === "#") {
      const n = code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n < 0x110000 ? String.fromCodePoint(n) : whole;
    }
    return NAMED_ENTITIES[code.toLowerCase()] ?? whole;
  });
}

const DROPPED_ELEMENTS = new Set(["script", "style", "noscript", "iframe", "svg", "template"]);

/**
 * Removes comments and whole script/style/iframe/… elements in one left-to-right pass.
 * Hand-written rather than a regex: captures are untrusted, and a lazy `[\s\S]*?` per
 * unclosed tag rescans to the end each time (quadratic on "<script>" × 40 000).
 */
function dropInvisible(text: string): string {
  let out = "";
  let i = 0;
  const lower = text.toLowerCase();
  // Next occurrence of a needle at or after `from`, remembered (searches only move forward), so that many unclosed
  // openers do not each rescan the rest of the text.
  const found = new Map<string, number>();
  const next = (needle: string, from: number): number => {
    const known = found.get(needle);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const at = lower.indexOf(needle, from);
    found.set(needle, at);
    return at;
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) break;
    out += text.slice(i, lt);
    if (text.startsWith("<!--", lt)) {
      const close = next("-->", lt + 4);
      // An unclosed comment hides nothing after it: drop just its opener.
      i = close < 0 ? lt + 4 : close + 3;
      continue;
    }
    const name = /^<([a-z][a-z0-9-]*)\b/i.exec(text.slice(lt, lt + 40))?.[1]?.toLowerCase();
    const tagEnd = next(">", lt);
    if (name && DROPPED_ELEMENTS.has(name) && tagEnd >= 0) {
      const closing = next(`</${name}`, tagEnd);
      const closingEnd = closing < 0 ? -1 : next(">", closing);
      // An unclosed iframe/script in a capture swallows nothing but its own tag.
      i = closingEnd < 0 ? tagEnd + 1 : closingEnd + 1;
      continue;
    }
    out += "<";
    i = lt + 1;
  }
  return out + text.slice(i);
}

const BLOCK_TAG_RE = new RegExp(`</?(?:${"p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|blockquote|figure|figcaption|pre"})\\b[^<>]{0,2000}>`, "gi");
const ANY_TAG_RE = /<\/?[a-z][a-z0-9-]{0,40}(?:\s[^<>]{0,2000})?\/?>/gi;

/** Strips markup: drops scripts, styles, iframes and comments whole; block tags become line breaks. */
export function stripHtml(text: string): string {
  return decodeEntities(dropInvisible(text).replace(BLOCK_TAG_RE, "\n").replace(ANY_TAG_RE, ""));
}

/** WordPress-style embed shortcodes: `[gview file="…"]`, `[embed]…[/embed]`, `[caption id=…]`. */
export function stripShortcodes(text: string): string {
  return text
    .replace(/\[(\w+)(?:\s[^\]\n]*)?\][^\[\n]*\[\/\1\]/g, "")
    .replace(/\[\/?[a-z_][\w-]*(?:\s+[\w-]+\s*=\s*[^\]\n]*)?\]/gi, "");
}

/**
 * Lines that open a page's comment or subscription footer. Everything from the first such
 * line on is dropped when what follows is short boilerplate, not more article.
 */
const FOOTER_START =
  /^(?:no comments:?|\d+\s+comments?:?|comments?:?|leave a (?:reply|comment)|join the (?:conversation|discussion)\b.*|got something to add\?.*|already a subscriber\?.*|subscribe\b.*|sign up\b.*|share this:?|related (?:posts|articles|stories):?|post a comment|you might also like.*|don't miss out)$/i;

const BOILERPLATE_LINE =
  /^(?:close|log ?in|sign ?in|share|tweet|print|email|advertisement|read more|already a subscriber\? log in|subscribe to leave a comment\.?|(?:©|\(c\)|copyright\b\s*©?)\s*\d{4}\b.{0,120}|.{0,120}\ball rights reserved\.?)$/i;

const TIME_OF_DAY = /^\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?$/i;

function isFooterTail(lines: string[]): boolean {
  // A footer is a handful of short lines; a long paragraph after the marker means article text.
  const substantive = lines.filter((l) => l.trim().length > 0);
  return substantive.length <= 12 && substantive.every((l) => l.trim().length <= 220);
}

export function stripFooter(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const line = foldTypography(lines[i]!.trim());
    if (FOOTER_START.test(line) && isFooterTail(lines.slice(i + 1))) return lines.slice(0, i);
  }
  return lines;
}

/**
 * Short lines repeated verbatim (a dateline printed above and below a headline, a time
 * stamp) keep their first occurrence only; lone time stamps go.
 */
export function dropRepeatedShortLines(lines: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const key = line.trim();
    if (key && TIME_OF_DAY.test(key)) continue;
    if (key && key.length <= 60 && seen.has(key)) continue;
    if (key) seen.add(key);
    out.push(line);
  }
  return out;
}

export function looksLikeHtml(text: string): boolean {
  return /<(?:html|body|div|p|iframe|script|span|a|br|article|section|h[1-6])\b[^>]*>/i.test(text);
}

/** A raw capture's lines as a reader sees them, markup gone, before any line is judged boilerplate. */
export function pageLines(raw: string, options: { html?: boolean } = {}): string[] {
  let text = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  // Control characters other than tab/newline never belong in prose.
  text = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "");
  if (options.html || looksLikeHtml(text)) text = stripHtml(text);
  text = stripShortcodes(text);
  return text.split("\n").map((l) => l.replace(/[ \t\u00A0]+/g, " ").trim());
}

/** A capture read once: the cleaned text, and the page's lines with those judged chrome (log-in links, a comment footer). */
export interface CleanedPage {
  text: string;
  lines: string[];
  chrome: string[];
}

/** Raw file text -> cleaned text, with what was dropped as the page's chrome. Pure. */
export function cleanPage(raw: string, options: { html?: boolean } = {}): CleanedPage {
  const all = pageLines(raw, options);
  const chrome: string[] = [];
  let lines = all.filter((l) => {
    const boilerplate = BOILERPLATE_LINE.test(foldTypography(l));
    if (boilerplate) chrome.push(l);
    return !boilerplate;
  });
  const body = stripFooter(lines);
  chrome.push(...lines.slice(body.length));
  lines = dropRepeatedShortLines(body);
  const text = lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text, lines: all, chrome: chrome.filter(Boolean) };
}

/** Raw file text -> cleaned text. Pure; offsets of chunks refer to its output. */
export function cleanDocument(raw: string, options: { html?: boolean } = {}): string {
  return cleanPage(raw, options).text;
}
