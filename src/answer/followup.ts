import type { TextAnalyzer } from "../text/analyzer.js";
import { foldTypography, QUESTION_WORDS, STOPWORDS } from "../text/normalize.js";
import { nameRunsIn } from "../retrieval/scoring.js";
import type { HistoryTurn } from "./types.js";

const REFERRING = /\b(?:it|its|they|them|their|this|that|these|those|there|he|she|his|her|the group|the attack|the same)\b/i;
const CONTINUATION = /^\s*(?:and|but|also|what about|how about|and what|so)\b/i;
/** A question this short that names nothing ("How many people died?") asks about the topic at hand. */
const SHORT_QUESTION_WORDS = 3;
/** "How did Iran respond?", "What did Putin say?": a verb whose object is the topic at hand. */
const ENDS_WITHOUT_OBJECT = /\b(?:respond|react|reply|retaliate|say|said|do|think|happen|happened|comment|claim|deny)\s*[?.!]*\s*$/i;
/** How many of the latest user turns are read to understand the previous one. */
const TURNS_READ = 6;

export interface FollowUpOptions {
  /** Whether a name names one of the documents ("Bacon", "the Spectator"): a follow-up naming another source asks it instead. */
  namesDocument?: (name: string) => boolean;
}

/**
 * Deterministic follow-up rewrite: when a question leans on the conversation (starts with
 * "and…", refers back with "it"/"they", is too short to stand alone, or is short and names
 * nothing: "How many people died?"), the previous question's key words that it lacks are
 * appended, so retrieval sees the topic. The previous question is read as it was understood:
 * each user turn rewritten against the ones before it, so "When?" then "How many were
 * killed?" still carry the topic of the question before them. A name the follow-up gives in
 * the place of one before ("And in Pakistan?" after "… in Afghanistan?", "What about Bacon?"
 * after "What does the Spectator say …?") replaces it, and so does a time ("And the year
 * before?" after "… in 2022?"); a follow-up of nothing but the name or time is the previous
 * question with it swapped in. A bare name takes the place of the subject ("And the Taliban?"
 * after "What does Pakistan think …?").
 */
export function rewriteFollowUp(question: string, history: HistoryTurn[] | undefined, analyzer: TextAnalyzer, options: FollowUpOptions = {}): string {
  const asked = (history ?? []).filter((t) => t.role === "user").map((t) => t.content).slice(-TURNS_READ);
  let previous: string | undefined;
  for (const turn of asked) previous = previous === undefined ? turn : againstPrevious(turn, previous, analyzer, options);
  return previous === undefined ? question : againstPrevious(question, previous, analyzer, options);
}

/**
 * The word before a name (articles skipped): what slot of the question it fills ("in
 * Pakistan", "according to the Spectator"). None after "what about" / "how about", which
 * take any name.
 */
function slotOf(text: string, start: number): string {
  const before = foldTypography(text.slice(Math.max(0, start - 40), start)).toLowerCase().split(/[^\p{L}\p{N}'-]+/u).filter(Boolean);
  while (before.length > 0 && /^(?:the|a|an)$/.test(before[before.length - 1]!)) before.pop();
  const slot = before[before.length - 1] ?? "";
  if (slot === "about" && /^(?:what|how)$/.test(before[before.length - 2] ?? "")) return "";
  // Only a preposition says what part a name plays: "Did Russia …" and "What did Putin say?"
  // share a "did", not a part. A name right after an auxiliary in a question is its subject
  // ("What does Pakistan think …"), which a follow-up of a bare name may take the place of.
  if (AUXILIARY.test(slot)) return SUBJECT;
  return SLOT_WORDS.test(slot) ? slot : "";
}

const SUBJECT = "(subject)";
const AUXILIARY = /^(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would|should|might|must)$/;

const SLOT_WORDS = /^(?:in|at|on|for|from|to|by|with|against|about|of|into|over|near|inside|across|toward|towards|between|among|within)$/;
/** What a follow-up of nothing but a name may hold besides it: "And in Pakistan?", "What about Bacon?", "And according to the Spectator?". */
const ONLY_A_NAME = /^[\s,]*(?:(?:and|but|also|so|what|how|about|in|at|on|for|from|to|by|with|against|according|of|the|a|an)\b[\s,]*)*[?.!\s]*$/i;
/** A time of its own in a follow-up ("And the year before?", "in 2021?"): the previous question's times are not carried. */
const OWN_TIME = /\b(?:1[89]\d\d|20\d\d|year|years|month|months|week|weeks|before|after|earlier|later|since|when)\b/i;
/** A time of a question, to be swapped for a follow-up's: "in 2022", "this year", "last month", "the year before". */
const TIME_PHRASE = String.raw`(?:in\s+)?(?:(?:the\s+)?(?:year|month|week)\s+(?:before|after)|(?:last|this|next|the\s+previous|the\s+following)\s+(?:year|month|week)|(?:1[89]|20)\d\d)`;
const PREVIOUS_TIME = new RegExp(String.raw`\b${TIME_PHRASE}\b`, "i");
/** A follow-up of nothing but a time: "And the year before?", "What about 2021?", "Last year?". */
const ONLY_A_TIME = new RegExp(String.raw`^[\s,]*(?:(?:and|but|so|what about|how about)\b[\s,]*)?(${TIME_PHRASE})[\s?.!]*$`, "i");
const CARRIED_TIME = /^(?:1[89]\d\d|20\d\d|year|years|month|months|week|weeks|last|this|next|previous|ago|earlier|later)$/i;

interface NameRun {
  surfaces: string[];
  slot: string;
  start: number;
  end: number;
}

/** Runs of adjacent names ("Crocus City Hall"), with the word before each run. */
function nameRuns(text: string): NameRun[] {
  return nameRunsIn(text).map((run) => ({
    surfaces: run.map((n) => n.surface),
    slot: slotOf(text, run[0]!.start),
    start: run[0]!.start,
    end: run[run.length - 1]!.end,
  }));
}

function againstPrevious(question: string, previous: string, analyzer: TextAnalyzer, options: FollowUpOptions): string {
  const own = analyzer.words(question).filter((w) => !QUESTION_WORDS.has(w) && !STOPWORDS.has(w));
  const ownRuns = nameRuns(question);
  const leans =
    CONTINUATION.test(question) ||
    REFERRING.test(question) ||
    own.length <= 1 ||
    (ownRuns.length === 0 && own.length <= SHORT_QUESTION_WORDS) ||
    ENDS_WITHOUT_OBJECT.test(question);
  if (!leans) return question;
  // "And the year before?" after "How many attacks did IS-K carry out … in 2022?": the same
  // question of the other time.
  const time = ONLY_A_TIME.exec(question);
  const before = time && PREVIOUS_TIME.exec(previous);
  if (time && before) return previous.slice(0, before.index) + time[1]! + previous.slice(before.index + before[0].length);
  // Names of the previous question whose place the follow-up's names take.
  const replaced = new Set<string>();
  const replacedRuns: NameRun[] = [];
  const documentName = (text: string) => (run: NameRun) => options.namesDocument?.(text.slice(run.start, run.end)) ?? false;
  // The follow-up's name fills the same place, or, a bare name ("And the Taliban?"), the subject's.
  const bare = ownRuns.length === 1 && ownRuns[0]!.slot === "";
  for (const run of nameRuns(previous)) {
    const sameSlot = ownRuns.some((o) => o.slot !== "" && o.slot === run.slot) || (bare && run.slot === SUBJECT);
    const otherSource = documentName(previous)(run) && ownRuns.some(documentName(question));
    if (!sameSlot && !otherSource) continue;
    run.surfaces.forEach((s) => replaced.add(s));
    replacedRuns.push(run);
  }
  // "And in Pakistan?", "What about Bacon?": nothing but the new name, which takes the old one's
  // place in the previous question ("How many attacks has IS-K carried out in Pakistan?").
  if (ownRuns.length === 1 && replacedRuns.length === 1 && ONLY_A_NAME.test(question.slice(0, ownRuns[0]!.start) + " " + question.slice(ownRuns[0]!.end))) {
    const [run, name] = [replacedRuns[0]!, ownRuns[0]!];
    // The article goes with the name: "the Spectator" gives way to "Bacon", not "the Bacon";
    // "Pakistan" to "the Taliban".
    const article = /\bthe\s+$/i;
    const head = previous.slice(0, run.start).replace(article, "");
    const ownArticle = article.exec(question.slice(0, name.start))?.[0] ?? "";
    return head + ownArticle + question.slice(name.start, name.end) + previous.slice(run.end);
  }
  const have = new Set(analyzer.terms(question));
  const ownTime = OWN_TIME.test(question);
  const carried: string[] = [];
  const seen = new Set<string>();
  // Carry the previous question's surface words (not stems) so the query stays readable.
  for (const w of previous.split(/\s+/)) {
    const word = w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}%]+$/gu, "");
    if (!word || replaced.has(word) || replaced.has(word.replace(/['\u2019]s$/, ""))) continue;
    if (ownTime && CARRIED_TIME.test(word)) continue;
    const terms = analyzer.terms(word);
    if (terms.length === 0 || terms.every((t) => have.has(t) || seen.has(t))) continue;
    if (analyzer.words(word).every((x) => QUESTION_WORDS.has(x))) continue;
    terms.forEach((t) => seen.add(t));
    carried.push(word);
  }
  return carried.length ? `${question.trim()} (${carried.join(" ")})` : question;
}
