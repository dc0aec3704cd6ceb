/** A sentence of a text, with offsets into it: `text.slice(start, end) === sentence.text`. */
export interface Sentence {
  text: string;
  start: number;
  end: number;
  /** Index of the paragraph (block separated by a blank line or line break) it belongs to. */
  paragraph: number;
}

// Abbreviations after which a period does not end a sentence.
const ABBREVIATIONS = new Set(
  (
    "mr mrs ms dr prof gen lt col maj capt sgt adm gov sen rep pres st jr sr inc ltd co corp dept est " +
    "fig no vs etc e.g i.e al approx jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m p.m"
  ).split(" "),
);

function endsWithAbbreviation(before: string): boolean {
  const m = /([A-Za-z][A-Za-z.]*)\.$/.exec(before);
  if (!m) return false;
  const word = m[1]!.toLowerCase();
  if (ABBREVIATIONS.has(word)) return true;
  // Single initials ("Michael J. Fox") and dotted acronyms ("U.S.") are not sentence ends.
  return /^[a-z]$/.test(word) || /^(?:[a-z]\.)+[a-z]$/.test(word);
}

/**
 * Splits text into sentences with exact offsets. Line breaks always end a sentence (headings
 * and list items stand alone); within a line, `.`, `!` or `?` (plus closing quotes) followed by
 * space and an upper-case letter, digit or opening quote ends one, unless it closes an
 * abbreviation such as "U.S." followed by a lower-case word or a known title.
 */
export function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  let paragraph = 0;
  const lineRe = /[^\n]+/g;
  let lastLineEnd = 0;
  for (const line of text.matchAll(lineRe)) {
    const lineStart = line.index;
    if (sentences.length > 0 && /\n/.test(text.slice(lastLineEnd, lineStart))) paragraph++;
    lastLineEnd = lineStart + line[0].length;
    const boundaryRe = /[.!?]+["'\u201D\u2019)\]]*(?=\s+["'\u201C\u2018(\[]?[\p{Lu}\p{N}])/gu;
    let sentenceStart = 0;
    const body = line[0];
    for (const b of body.matchAll(boundaryRe)) {
      const end = b.index + b[0].length;
      const before = body.slice(sentenceStart, end);
      if (b[0] === "." && endsWithAbbreviation(before)) {
        // "U.S. Central Command" is ambiguous; treat a following capitalised word as a
        // continuation only for titles and initials, which is the common case in prose.
        const word = /([A-Za-z][A-Za-z.]*)\.$/.exec(before)![1]!.toLowerCase();
        const isDottedAcronym = /^(?:[a-z]\.)+[a-z]$/.test(word);
        const next = body.slice(end).trimStart();
        const nextWord = /^[\p{L}]+/u.exec(next)?.[0] ?? "";
        // After "U.S." a sentence ends only if the next word is a typical sentence opener.
        if (!isDottedAcronym || !/^(?:The|This|That|These|Those|It|In|On|At|But|And|However|As|A|An|With|For|If|When|While|Its|Their|They|He|She|We|Such|Some|Many|Most)$/.test(nextWord))
          continue;
      }
      pushSentence(sentences, text, lineStart + sentenceStart, lineStart + end, paragraph);
      sentenceStart = end;
    }
    pushSentence(sentences, text, lineStart + sentenceStart, lineStart + body.length, paragraph);
  }
  return sentences;
}

function pushSentence(out: Sentence[], text: string, start: number, end: number, paragraph: number): void {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start) out.push({ text: text.slice(start, end), start, end, paragraph });
}

// Full stops and question and exclamation marks of other scripts too: "。", "！", "؟", "।", "۔";
// then closing quotes and brackets, and a source's footnote markers ("….[3]", "…¹²").
const CLOSING_PUNCTUATION = /[.!?\u3002\uFF01\uFF1F\uFF0E\u061F\u06D4\u0964\u0965]["'\u201D\u2019)\]\u300D\u300F]*(?:\[\d{1,3}\]|[\u00B9\u00B2\u00B3\u2070-\u2079])*$/;
/** An item of a list: "- …", "• …", "1. …", "(a) …". */
const LIST_ITEM = /^(?:[-\u2022*\u2013\u25AA\u25CF]\s|\(?(?:\d{1,2}|[a-z])[.)]\s)\s*\S/;

/**
 * Whether a sentence closes as a statement does, or is an item of a list. A line without
 * closing punctuation is a heading, byline, dateline, caption or site line: part of the page,
 * not a claim to quote.
 */
export function endsAsStatement(text: string): boolean {
  const t = text.trim();
  return CLOSING_PUNCTUATION.test(t) || LIST_ITEM.test(t);
}

/** Words for a document as a whole: "the CSIS analysis", "the Spectator article", "When was the piece published?". */
export const DOCUMENT_NOUN_ALTERNATION =
  "articles?|pieces?|reports?|analys[ie]s|assessments?|commentar(?:y|ies)|papers?|stor(?:y|ies)|essays?|op-eds?|columns?|briefs?|posts?|reporting|study|studies";

/**
 * Verbs that say who reported something ("officials said", "the UN estimated"): the one list
 * the briefing's figure anchors and the composer's sentence occasions read sources by.
 */
export const REPORTING_VERB_ALTERNATION =
  "said|says|say|added|estimated|estimates|estimate|reported|reports|report|suggested|suggests|claimed|claims|warned|warns|told|believes|believed|assessed|assesses|stated|states|noted|notes|found|finds|cautioned|predicts|predicted";
