import { extractMetadata } from "../ingest/metadata.js";
import type { TermStats } from "../retrieval/scoring.js";
import type { Passage } from "../retrieval/types.js";
import { foldTypography, QUESTION_WORDS, stem } from "../text/normalize.js";
import { DOCUMENT_NOUN_ALTERNATION } from "../text/sentences.js";

/** What a question asks about a document itself rather than about its subject. */
export interface MetadataAsk {
  author: boolean;
  date: boolean;
}

// Only questions that open by asking for the author or the publication date: "authors say",
// "when did … appear" and the like ask about the subject, not the document.
const ASKS_AUTHOR =
  /^\s*(?:who (?:wrote|authored|(?:is|was) the (?:author|writer) of|are the authors of)|who's the (?:author|writer) of|by whom (?:was|were)|what is the name of the author of)\b/i;
const ASKS_DATE =
  /^\s*(?:when (?:was|were) [^?]*\b(?:published|written)\b|what is the (?:publication|release) date of)\b|,? and when was (?:it|this|that) (?:published|written)\b/i;
/**
 * The same asked tersely ("author of the … article", "publication date of '…'"): only about a
 * document the question calls one, or whose title it quotes. "Writers of the threat to the West?"
 * asks about no document.
 */
const ASKS_AUTHOR_TERSELY = /^\s*(?:the )?(?:author|writer)s? of\b/i;
const ASKS_DATE_TERSELY = /^\s*(?:the )?(?:publication|release) date of\b/i;
const CALLS_A_DOCUMENT = new RegExp(`\\b(?:${DOCUMENT_NOUN_ALTERNATION})\\b|["']`, "i");
/** Words that ask about a document, not about its subject: they say nothing about which one. */
const ABOUT_DOCUMENTS = new RegExp(`^(?:wrote|write|written|writers?|authors?|authored|publish(?:ed)?|publications?|${DOCUMENT_NOUN_ALTERNATION}|date|released?|posted?)$`);

export function metadataAsked(typed: string): MetadataAsk | null {
  // "Who’s the author of …" as phones type it.
  const question = foldTypography(typed);
  const aboutDocument = CALLS_A_DOCUMENT.test(question);
  const author = ASKS_AUTHOR.test(question) || (aboutDocument && ASKS_AUTHOR_TERSELY.test(question));
  const date = ASKS_DATE.test(question) || (aboutDocument && ASKS_DATE_TERSELY.test(question));
  return author || date ? { author, date } : null;
}

/**
 * The retrieved document a question names by its title: the one whose title (with its header)
 * covers most of the question's IDF weight, at least 80% of it, and clearly more than any
 * other. Undefined when no title stands out, and the question is answered as any other.
 */
export function documentNamedByTitle(question: string, passages: Passage[], stats: TermStats, contextOf?: (documentId: string) => string): Passage | undefined {
  const words = stats.analyzer.words(question).filter((w) => !QUESTION_WORDS.has(w) && !ABOUT_DOCUMENTS.test(w));
  const terms = new Set(words.map((w) => (stats.analyzer.isAlias(w) ? w : stem(w))));
  let total = 0;
  for (const t of terms) total += stats.idf(t);
  if (total === 0) return undefined;
  const byDocument = new Map<string, { passage: Passage; coverage: number }>();
  for (const p of passages) {
    if (byDocument.has(p.documentId)) continue;
    const header = stats.termSetOf(`${p.title ?? ""}\n${contextOf?.(p.documentId) ?? ""}`);
    let w = 0;
    for (const t of terms) if (header.has(t)) w += stats.idf(t);
    byDocument.set(p.documentId, { passage: p, coverage: w / total });
  }
  const ranked = [...byDocument.values()].sort((a, b) => b.coverage - a.coverage);
  const [best, second] = ranked;
  // The title must account for nearly all the question says: "Who wrote the CSIS report on
  // Pakistan's nuclear programme?" names a subject no header has, and is not about the byline.
  if (!best || best.coverage < 0.8 || (second && second.coverage > best.coverage * 0.75)) return undefined;
  return best.passage;
}

export interface MetadataAnswer {
  /** One Markdown sentence ending in the [1] marker. */
  answer: string;
  /** The passage showing the byline or dateline (the document's header). */
  passage: Passage;
}

/**
 * Who wrote a document and when it appeared, as its own header shows them. The statement is
 * composed (the header is a byline, not a sentence) and cites the passage holding the header,
 * so the reader sees the byline itself. A missing author or date is said, not guessed.
 */
export function composeMetadataAnswer(
  ask: MetadataAsk,
  document: Passage,
  documentText: string,
  passageFor: (start: number, end: number) => Passage | undefined,
): MetadataAnswer | undefined {
  const meta = extractMetadata(documentText);
  const title = meta.title ?? document.title;
  const spans: [number, number][] = [];
  const locate = (value: string | null) => {
    if (!value) return;
    const at = documentText.indexOf(value);
    if (at >= 0) spans.push([at, at + value.length]);
  };
  if (ask.author) locate(meta.author);
  if (ask.date) locate(meta.dateText);
  if (title) locate(title);
  const [start, end] = spans.length > 0 ? [Math.min(...spans.map((s) => s[0])), Math.max(...spans.map((s) => s[1]))] : [0, 1];
  const passage = passageFor(start, end) ?? passageFor(spans[0]?.[0] ?? 0, spans[0]?.[1] ?? 1);
  if (!passage) return undefined;

  const name = title ? `“${title}”` : "The document";
  const parts: string[] = [];
  if (ask.author) parts.push(meta.author ? `was written by ${meta.author}` : "does not name its author");
  if (ask.date) parts.push(meta.dateText ? `was published on ${meta.dateText}` : "does not show its publication date");
  const joined = parts.length === 2 && parts[0]!.startsWith("was") && parts[1]!.startsWith("was") ? `${parts[0]} and ${parts[1]!.slice(4)}` : parts.join(" and ");
  return { answer: `${name} ${joined}. [1]`, passage };
}
