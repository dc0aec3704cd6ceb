import type { TextAnalyzer } from "../text/analyzer.js";
import { QUESTION_WORDS } from "../text/normalize.js";
import type { HistoryTurn } from "./types.js";

const REFERRING = /\b(?:it|its|they|them|their|this|that|these|those|there|he|she|his|her|the group|the attack|the same)\b/i;
const CONTINUATION = /^\s*(?:and|but|also|what about|how about|and what|so)\b/i;

/**
 * Deterministic follow-up rewrite: when a question leans on the conversation (starts with
 * "and…", refers back with "it"/"they", or is too short to stand alone), the previous user
 * question's key words that it lacks are appended, so retrieval sees the topic.
 */
export function rewriteFollowUp(question: string, history: HistoryTurn[] | undefined, analyzer: TextAnalyzer): string {
  const previous = [...(history ?? [])].reverse().find((t) => t.role === "user")?.content;
  if (!previous) return question;
  const own = analyzer.words(question).filter((w) => !QUESTION_WORDS.has(w));
  const leans = CONTINUATION.test(question) || REFERRING.test(question) || own.length <= 1;
  if (!leans) return question;
  const have = new Set(analyzer.terms(question));
  const carried: string[] = [];
  const seen = new Set<string>();
  // Carry the previous question's surface words (not stems) so the query stays readable.
  for (const w of previous.split(/\s+/)) {
    const word = w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}%]+$/gu, "");
    if (!word) continue;
    const terms = analyzer.terms(word);
    if (terms.length === 0 || terms.every((t) => have.has(t) || seen.has(t))) continue;
    if (analyzer.words(word).every((x) => QUESTION_WORDS.has(x))) continue;
    terms.forEach((t) => seen.add(t));
    carried.push(word);
  }
  return carried.length ? `${question.trim()} (${carried.join(" ")})` : question;
}
