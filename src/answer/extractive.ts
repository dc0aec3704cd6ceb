import { labelOf, type Passage } from "../retrieval/types.js";
import { scoreCandidates, type CandidateSentence } from "../retrieval/rerank.js";
import { countsAskedThing, nameRunsIn, namesIn, type TermStats } from "../retrieval/scoring.js";
import { stem, STOPWORDS, tokenize } from "../text/normalize.js";
import { sameStatement } from "../text/similarity.js";
import { sameNamedThing } from "../text/demonyms.js";
import { endsAsStatement, REPORTING_VERB_ALTERNATION, splitSentences } from "../text/sentences.js";
import { composeMetadataAnswer, documentNamedByTitle, metadataAsked } from "./metadata.js";
import type { Citation } from "./types.js";
import { answersWhen, asksShare, CALENDAR_WORD, countsTime, dayDatesIn, figuresIn, statesAmountBesidesTime, statesFigure, statesShare } from "../text/numbers.js";

export interface ExtractiveOptions {
  /** Most sentences in an answer. */
  maxSentences: number;
  /** A sentence joins the answer when it scores at least this share of the best one. */
  relativeThreshold: number;
  /**
   * Abstention, calibrated on the score distributions of answerable and unanswerable
   * questions (tests/eval/questions.jsonl; `npm run eval -- --verbose` shows the figures):
   * the best sentence must cover at least `minSupport` of the question's IDF weight…
   */
  minSupport: number;
  /**
   * …or this much when the question names its source: the scope says what it is about (as a
   * sentence's kind then counts as coverage), and what is left to match is often paraphrased
   * ("the tempo of attacks risen" for "increased … up nearly 300%"). On the question sets it
   * changed only that answer…
   */
  minSupportWithSource: number;
  /** …and at least this much when the question names something the corpus never mentions… */
  minSupportWithUnknownName: number;
  /** …and no more than this share of the question's weight may be words the corpus lacks. */
  maxUnseenShare: number;
}

export const DEFAULT_EXTRACTIVE: ExtractiveOptions = {
  maxSentences: 4,
  relativeThreshold: 0.55,
  minSupport: 0.22,
  minSupportWithSource: 0.18,
  minSupportWithUnknownName: 0.25,
  maxUnseenShare: 0.75,
};

/** Read access to whole documents, for sentences that lie beyond the retrieved passages. */
export interface DocumentAccess {
  textOf(documentId: string): string | undefined;
  /** The indexed passage (chunk) holding [start, end) of a document. */
  passageFor(documentId: string, start: number, end: number): Passage | undefined;
}

/** Nouns that name the items of an argument's list: "three gaps", "a second limitation". */
const LIST_NOUN = "(?:approach|steps?|ways?|measures?|gaps?|limitations?|factors?|reasons?|points?|options?|priorities|priority|pillars?|prongs?|challenges?|problems?|issues?|lessons?|concerns?|risks?|areas?|elements?|objectives?|goals?|shortcomings?|weakness(?:es)?|obstacles?|drivers?|causes?)";
const ANNOUNCES_LIST = new RegExp(`\\b(?:two|three|four|five|several|the following)\\b[\\w\\s-]{0,30}?(?:${LIST_NOUN}|pronged|fold)\\b|:\\s*$`, "i");
const ORDINAL_OPENING = /^(?:First(?:ly)?|Second(?:ly)?|Third(?:ly)?|Fourth(?:ly)?|Fifth(?:ly)?|Finally|Lastly|To begin with)\b/;
const FIRST_OPENING = /^(?:First(?:ly)?|To begin with)\b/;
const LAST_OPENING = /^(?:Finally|Lastly)\b/;
/**
 * An item introduced inside its sentence, once the list has begun: "…, which raises a second
 * limitation." Only before a list noun: "the second half of 2023", "a final decision" and "the
 * third largest affiliate" are no items.
 */
const ORDINAL_INSIDE = new RegExp(`\\b(?:a|the)\\s+(?:second|third|fourth|fifth|final)\\s+${LIST_NOUN}\\b`, "i");
/** How far after the announcing sentence its items are looked for: an essay may give each its own section. */
const LIST_WINDOW = 8000;
const LIST_COUNT: Record<string, number> = { two: 2, three: 3, four: 4, five: 5 };

/**
 * A chosen sentence that announces a list ("This requires a two-pronged approach.") is
 * followed in the answer by the list's items: the next sentences of its document that open
 * with an ordinal ("Firstly, …", "Secondly, …", "Finally, …") or, once the list has begun,
 * name the next item inside them ("…, which raises a second limitation."), each cited to the
 * passage holding it. A second "First, …" or a "Finally, …" ends the list.
 */
export function expandEnumerations(chosen: CandidateSentence[], passages: Passage[], documents: DocumentAccess, stats: TermStats): CandidateSentence[] {
  const out: CandidateSentence[] = [];
  const taken = new Set(chosen.map((c) => `${passages[c.passageIndex]!.documentId}:${c.start}`));
  for (const c of chosen) {
    out.push(c);
    const announce = ANNOUNCES_LIST.exec(c.text);
    if (!announce) continue;
    const documentId = passages[c.passageIndex]!.documentId;
    const text = documents.textOf(documentId);
    if (!text) continue;
    const want = LIST_COUNT[announce[0].split(/[\s-]/)[0]!.toLowerCase()] ?? 5;
    const windowEnd = Math.min(text.length, c.end + LIST_WINDOW);
    let found = 0;
    for (const s of splitSentences(text.slice(c.end, windowEnd))) {
      if (found >= want) break;
      const opens = ORDINAL_OPENING.test(s.text);
      // A second "First, …", or another list announced, starts another list.
      if (found > 0 && (FIRST_OPENING.test(s.text) || (!opens && ANNOUNCES_LIST.test(s.text)))) break;
      if (!opens && !(found > 0 && ORDINAL_INSIDE.test(s.text))) continue;
      const start = c.end + s.start;
      const end = c.end + s.end;
      const key = `${documentId}:${start}`;
      found++;
      // An item the answer already quotes counts, in its own place.
      if (!taken.has(key)) {
        const passage = documents.passageFor(documentId, start, end);
        if (!passage) continue;
        let passageIndex = passages.findIndex((p) => p.chunkId === passage.chunkId);
        if (passageIndex < 0) passageIndex = passages.push(passage) - 1;
        taken.add(key);
        out.push({ text: s.text, start, end, passageIndex, terms: stats.analyzer.terms(s.text), coverage: c.coverage, score: c.score, matched: new Set(), partial: new Map() });
      }
      if (LAST_OPENING.test(s.text)) break;
    }
  }
  return out;
}

/**
 * A sentence that points back with a bare demonstrative, in its opening words: "This means
 * targeting terrorists…", "It hopes to achieve this through…", "These include…", "This derives
 * from…" ("this" before a verb's -s form, or its -ed form before a preposition or article),
 * "Reportedly among them was…". Quoted alone it does not say what it is about; a demonstrative
 * before a noun ("This surge of attacks", "This process", "This year's attacks", "This increased
 * frequency") names its subject and is read as it stands.
 */
const REFERS_BACK =
  /^(?:[^\s.]+\s+){0,6}?(?:(?:this|these)(?=\s*[,;:.]|\s+(?:is|was|are|were|has|have|had|will|would|could|can|may|might|should|must|means|meant|requires?|required|includes?|included|comes|came|led|leads|makes|made|suggests|shows|reflects|marks|through|by|with|in|into|to|because|as|at|on|for|from|also|alone)\b)|this(?=\s+[a-z]*[a-hj-rt-z]s\b(?!['\u2019])|\s+[a-z]+ed\s+(?:from|by|to|on|in|as|that|the|a|an|its|their)\b)|(?:among|of|for|with|from|behind)\s+them\b)/i;
/**
 * A sentence that weighs the one before it: "…it is unclear whether there are actually two
 * distinct entities. More likely, there is a connected network…". The author's judgment is
 * only there. Not "However, …" or "Instead, …", which as often turn to another matter, nor
 * "Rather than …".
 */
const FOLLOWS_ON = /^(?:More likely|Rather|In fact),/;
/** How far before a sentence its antecedent is looked for. */
const ANTECEDENT_WINDOW = 1500;

/**
 * Each chosen sentence that refers back ("This means targeting…", "It hopes to achieve this…")
 * is preceded in the answer by the sentence it follows in its document, the one "this" stands
 * for, cited to a passage holding it (its own passage when that holds both). And the lead is
 * followed by its document's next sentence when that one refers back to it or weighs it
 * ("More likely, …"). Not across a
 * heading or a gap wider than a paragraph break; one sentence, and only once.
 */
export function withAntecedents(
  chosen: CandidateSentence[],
  passages: Passage[],
  documents: DocumentAccess,
  stats: TermStats,
): { sentences: CandidateSentence[]; antecedents: Set<CandidateSentence>; followers: Set<CandidateSentence> } {
  const key = (c: { passageIndex: number; start: number }) => `${passages[c.passageIndex]!.documentId}:${c.start}`;
  const taken = new Set(chosen.map(key));
  const sentences: CandidateSentence[] = [];
  const antecedents = new Set<CandidateSentence>();
  const followers = new Set<CandidateSentence>();
  const moved = new Set<CandidateSentence>();
  chosen.forEach((c, i) => {
    if (moved.has(c)) return;
    const antecedent = REFERS_BACK.test(c.text) ? antecedentOf(c, passages, documents, stats) : undefined;
    if (antecedent && !taken.has(key(antecedent))) {
      taken.add(key(antecedent));
      sentences.push(antecedent);
      antecedents.add(antecedent);
    } else if (antecedent) {
      // Chosen on its own but later: it still goes first ("An IS-K attack … resulted in numerous
      // casualties. Reportedly among them was …").
      const later = chosen.findIndex((x, j) => j > i && key(x) === key(antecedent));
      if (later >= 0) {
        moved.add(chosen[later]!);
        sentences.push(chosen[later]!);
      }
    }
    sentences.push(c);
    // The lead's own next sentence, when it goes on about it ("The U.S. is also limited in its
    // counter-terrorism measures. This derives from a lack of intelligence-gathering…"): what
    // the lead says is often only stated there.
    if (i === 0) {
      const follower = followerOf(c, passages, documents, stats);
      if (follower && !taken.has(key(follower))) {
        taken.add(key(follower));
        sentences.push(follower);
        followers.add(follower);
      }
    }
  });
  return { sentences, antecedents, followers };
}

function followerOf(c: CandidateSentence, passages: Passage[], documents: DocumentAccess, stats: TermStats): CandidateSentence | undefined {
  const own = passages[c.passageIndex]!;
  const text = documents.textOf(own.documentId);
  if (!text) return undefined;
  // Most leads are not followed by a sentence that refers back: its opening words say so before any splitting.
  const goesOn = (t: string) => REFERS_BACK.test(t) || FOLLOWS_ON.test(t);
  if (!goesOn(text.slice(c.end, c.end + 200).trimStart())) return undefined;
  const next = splitSentences(text.slice(c.end, Math.min(text.length, c.end + ANTECEDENT_WINDOW)))[0];
  if (!next || !goesOn(next.text)) return undefined;
  return besideSentence(c, text, c.end + next.start, c.end + next.end, passages, documents, stats);
}

function antecedentOf(c: CandidateSentence, passages: Passage[], documents: DocumentAccess, stats: TermStats): CandidateSentence | undefined {
  const own = passages[c.passageIndex]!;
  const text = documents.textOf(own.documentId);
  if (!text) return undefined;
  const from = Math.max(0, c.start - ANTECEDENT_WINDOW);
  const before = splitSentences(text.slice(from, c.start));
  const last = before[before.length - 1];
  // The window's first sentence may be cut: a sentence that long is no antecedent to quote.
  if (!last || (before.length === 1 && from > 0)) return undefined;
  return besideSentence(c, text, from + last.start, from + last.end, passages, documents, stats);
}

/**
 * The statement at [start, end) of c's document, right before or after c (nothing but a
 * paragraph break between them), as a sentence of the answer cited to a passage holding it:
 * c's own passage when it holds both, else another retrieved one, else the indexed chunk.
 */
function besideSentence(
  c: CandidateSentence,
  text: string,
  start: number,
  end: number,
  passages: Passage[],
  documents: DocumentAccess,
  stats: TermStats,
): CandidateSentence | undefined {
  const sentence = text.slice(start, end);
  const gap = end <= c.start ? text.slice(end, c.start) : text.slice(c.end, start);
  if (!endsAsStatement(sentence) || /\S/.test(gap) || (gap.match(/\n/g)?.length ?? 0) > 2) return undefined;
  const own = passages[c.passageIndex]!;
  let passageIndex = own.start <= start && end <= own.end ? c.passageIndex : passages.findIndex((p) => p.documentId === own.documentId && p.start <= start && end <= p.end);
  if (passageIndex < 0) {
    const passage = documents.passageFor(own.documentId, start, end);
    if (!passage) return undefined;
    passageIndex = passages.push(passage) - 1;
  }
  return { text: sentence, start, end, passageIndex, terms: stats.analyzer.terms(sentence), coverage: c.coverage, score: c.score, matched: new Set(), partial: new Map() };
}

export interface ExtractiveResult {
  answer: string;
  citations: Citation[];
  abstained: boolean;
  suggestions: Citation[];
  /** The chosen sentences, in answer order: used by the briefing and by tests. */
  sentences: (CandidateSentence & { n: number })[];
  support: number;
}

/** "Who wrote …?" / "When was … published?" about a document the question names by title. */
function answerFromMetadata(
  question: string,
  passages: Passage[],
  stats: TermStats,
  documents: DocumentAccess,
  contextOf?: (documentId: string) => string,
): ExtractiveResult | undefined {
  const ask = metadataAsked(question);
  if (!ask) return undefined;
  const target = documentNamedByTitle(question, passages, stats, contextOf);
  const text = target && documents.textOf(target.documentId);
  if (!target || !text) return undefined;
  const composed = composeMetadataAnswer(ask, target, text, (start, end) => documents.passageFor(target.documentId, start, end));
  if (!composed) return undefined;
  return { answer: composed.answer, citations: [toCitation(composed.passage, 1)], abstained: false, suggestions: [], sentences: [], support: 1 };
}

export function toCitation(p: Passage, n: number): Citation {
  return {
    n,
    documentId: p.documentId,
    title: p.title,
    label: labelOf(p),
    section: p.section,
    author: p.author,
    publisher: p.publisher,
    date: p.date,
    text: p.text,
    start: p.start,
    end: p.end,
    score: Math.round(p.score * 1e6) / 1e6,
  };
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/**
 * A source sentence as quoted in an answer. A source's own footnote markers ("…commanders.[3]")
 * would read as our citations, so they become superscripts (³); nothing else changes.
 */
export function quoted(sentence: string): string {
  return sentence.replace(/\[(\d{1,3})\]/g, (_m, d: string) => [...d].map((c) => SUPERSCRIPT[Number(c)]).join(""));
}

/** Who said it, at the end of a sentence: ", Russian officials said.", ", according to TASS." */
const REPORTED_BY = new RegExp(
  `(?:,\\s*[^,]{0,60}?\\b(?:${REPORTING_VERB_ALTERNATION})\\b[^,]{0,30}|,?\\s+according to [^,]{1,60})(?=["'\u201D\u2019)]*[.!?]?["'\u201D\u2019)]*\\s*$)`,
  "i",
);

/**
 * Whether a sentence names an occasion of its own: a name other than who reported it or a day
 * or month. "More than 500 others were wounded, Russian officials said" names none, and goes on
 * about the attack of the sentence before; "… in Kundoz and Kandhar" names its own.
 */
function namesOwnOccasion(sentence: string): boolean {
  // A day or a month is when, not where: "wounded on Friday".
  return namesIn(sentence.replace(REPORTED_BY, "")).some((n) => !CALENDAR_WORD.test(n.surface));
}

/**
 * Whether a sentence names something the question does not: a name other than a day or a month
 * whose terms the question lacks, the sentence's first word included when the documents never
 * write it in lower case ("Pakistan saw …"). Places cannot be told from other names here (a
 * "where" answer naming only Reuters passes), so this only catches a sentence that says no
 * more than the question.
 */
export function namesBeyondQuestion(text: string, questionTerms: ReadonlyMap<string, number>, stats: TermStats): boolean {
  const asked = [...questionTerms.keys()];
  const known = (t: string) => questionTerms.has(t) || asked.some((q) => sameNamedThing(q, t));
  const first = /^\W*(\p{Lu}[\p{L}-]*)/u.exec(text)?.[1];
  if (first && !CALENDAR_WORD.test(first) && stats.knowsWord(first.toLowerCase()) && !stats.seenLowercase(first.toLowerCase())) {
    if (stats.analyzer.terms(first).some((t) => !known(t))) return true;
  }
  for (const run of nameRunsIn(text)) {
    const names = run.filter((n) => !CALENDAR_WORD.test(n.surface));
    if (names.length === 0) continue;
    const surface = text.slice(names[0]!.start, names[names.length - 1]!.end);
    if (stats.analyzer.terms(surface).some((t) => !known(t))) return true;
  }
  return false;
}

const NO_SOURCES: ReadonlySet<string> = new Set();

/** "“Title” does not say this", "neither “A” nor “B” says this": the sources a question named, by their titles. */
function namedSourcesSay(sources: ReadonlySet<string>, passages: Passage[]): string {
  const names = [...sources].map((id) => {
    const p = passages.find((x) => x.documentId === id);
    return p?.title ? `“${p.title}”` : (p?.publisher ?? p?.author ?? id);
  });
  if (names.length === 1) return `${names[0]} does not say this`;
  return `neither ${names.slice(0, -1).join(", ")} nor ${names[names.length - 1]} says this`;
}

/**
 * "How much does IS-K pay its new recruits?", "How much did the World Bank suspend?": a sum of
 * money, which only a sentence with one answers ("$100 million", "two billion dollars"). Not a
 * degree: "How much has the Taliban's campaign weakened ISKP?".
 */
const ASKS_MONEY = /\bhow much\b[^?]{0,80}?\b(?:pay|pays|paid|cost|costs|earn|earns|earned|spend|spends|spent|receive|receives|received|offer|offers|offered|charge|charges|charged|suspend|suspended|fund|funds|funded|raise|raises|raised|give|gives|gave|money|funding|budget)\b/i;
const STATES_MONEY = /[$\u20AC\u00A3\u00A5]\s?\d|\b\d[\d,.]*\s*(?:dollars|euros|pounds|afghanis|rupees|yuan)\b|\b(?:million|billion|trillion)\b/i;

/**
 * Where a sentence names a thing beside the word for its kind: before it in the same noun
 * phrase, with only articles and other words of the phrase between ("the Koocha Risaldar
 * mosque", "Jaish al-Adl, a Sunni militant group", "Badri Brigade, the Taliban's special forces
 * unit"; not "the IS-K attack on the airport"); or right after it, after a comma ("the
 * military chief for Kabul, Qari Hamdullah"), or after "known as", "called" or "named" ("the
 * group's branch in Afghanistan and Pakistan, known as ISKP").
 */
const NAME_BEFORE_REACH = 7;
const NAME_AFTER_REACH = 8;
const ARTICLES = new Set(["a", "an", "the", "s"]);
const NAMING = new Set(["as", "called", "named", "dubbed"]);

/**
 * Whether a sentence names a thing it mentions by the word for its kind (one of `heads`, as
 * terms): a name (capitalised, or in quotes: the “over-the-horizon” approach) beside that word,
 * other than the question's own names. "absent" when the sentence does not use the word.
 */
function namesThing(text: string, heads: readonly string[], questionTerms: ReadonlyMap<string, number>, stats: TermStats): "named" | "unnamed" | "absent" {
  const tokens = tokenize(text);
  const headAt: number[] = [];
  tokens.forEach((t, i) => {
    if (stats.analyzer.terms(t.word).some((x) => heads.includes(x))) headAt.push(i);
  });
  if (headAt.length === 0) return "absent";
  const spans = namesIn(text).map((n) => [n.start, n.end] as const);
  for (const m of text.matchAll(/[\u201C"]([^\u201D"]{2,60})[\u201D"]/g)) spans.push([m.index, m.index + m[0].length]);
  const inName = (i: number) => spans.some(([from, to]) => tokens[i]!.start >= from && tokens[i]!.end <= to);
  const isNew = (i: number) => {
    if (!inName(i)) return false;
    const terms = stats.analyzer.terms(tokens[i]!.word);
    return terms.length > 0 && !terms.some((x) => questionTerms.has(x) || heads.includes(x));
  };
  for (const h of headAt) {
    for (let i = h - 1; i >= Math.max(0, h - NAME_BEFORE_REACH); i--) {
      if (isNew(i)) return "named";
      const word = tokens[i]!.word;
      if (STOPWORDS.has(word) && !ARTICLES.has(word) && !inName(i)) break;
    }
    let naming = false;
    for (let i = h + 1; i <= Math.min(tokens.length - 1, h + NAME_AFTER_REACH); i++) {
      // In apposition after a comma: "the Taliban's military chief for Kabul, Qari Hamdullah".
      const appositive = text.slice(tokens[i - 1]!.end, tokens[i]!.start).includes(",");
      if ((i <= h + 2 || naming || appositive) && isNew(i)) return "named";
      naming ||= NAMING.has(tokens[i]!.word);
    }
  }
  return "unnamed";
}

/** Words before and after a role's word where the name it is held of may stand: "the Taliban's military chief", "head of US Central Command". */
const ROLE_REACH_BEFORE = 3;
const ROLE_REACH_AFTER = 6;

/**
 * Whether a sentence names one of `roles` near one of the question's names (as terms), in the
 * same clause: "Frank McKenzie, head of US Central Command, said ISKP …" holds no head of ISKP.
 */
function roleHeldOf(text: string, roles: readonly string[], names: ReadonlySet<string>, stats: TermStats): boolean {
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    if (!roles.includes(stem(tokens[i]!.word))) continue;
    const from = tokens[Math.max(0, i - ROLE_REACH_BEFORE)]!.start;
    const to = tokens[Math.min(tokens.length - 1, i + ROLE_REACH_AFTER)]!.end;
    const [before, after] = [text.slice(from, tokens[i]!.start), text.slice(tokens[i]!.start, to)];
    const clause = before.slice(before.search(/[^,;:()\u2013\u2014]*$/)) + after.split(/[,;:()\u2013\u2014]/)[0];
    if (stats.analyzer.terms(clause).some((t) => names.has(t))) return true;
  }
  return false;
}

/** Why a quantity question is not answered when no sentence states the figure asked for. */
const NO_FIGURE = "The documents do not give this figure.";

/** Terms in at most this share of the passages are parts of the occasion a figure is of. */
const OCCASION_PART_SHARE = 0.25;

/** The least score, against the best sentence's, of a sentence that names a role asked about. */
const ROLE_SENTENCE_FLOOR = 0.5;

/** The share of passages a name may appear in and still single out what a figure is of. */
const SPECIFIC_NAME_SHARE = 0.1;

/**
 * The answer when the documents do not answer: `why`, and the closest passages as suggestions,
 * those of the sentences that came nearest (`nearest`) first.
 */
function abstention(why: string, passages: Passage[], nearest: CandidateSentence[], support: number): ExtractiveResult {
  const order = [...new Set([...nearest.map((c) => c.passageIndex), ...passages.keys()])].slice(0, 3);
  return {
    answer: `${why} The closest passages are listed as suggestions.`,
    citations: [],
    abstained: true,
    suggestions: order.map((i, n) => toCitation(passages[i]!, n + 1)),
    sentences: [],
    support,
  };
}

/** Whether the question's figures differ across the chosen sentences' sources. */
function figuresDisagree(sentences: CandidateSentence[], passages: Passage[]): boolean {
  const docs = new Set(sentences.map((s) => passages[s.passageIndex]!.documentId));
  if (docs.size < 2) return false;
  const figures = sentences.map((s) => figuresIn(s.text).join("|"));
  return new Set(figures.filter(Boolean)).size >= 2;
}

/**
 * Whether the chosen sentences of two sources (two documents, or two articles of one
 * compilation: its sections) name different days: "the August 26 suicide bombing" and "the
 * bombing of Kabul Airport on August 27th".
 */
function datesDisagree(sentences: CandidateSentence[], passages: Passage[]): boolean {
  const daysBySource = new Map<string, Set<string>>();
  for (const s of sentences) {
    const p = passages[s.passageIndex]!;
    const key = `${p.documentId}\u0000${p.section ?? ""}`;
    for (const day of dayDatesIn(s.text)) (daysBySource.get(key) ?? daysBySource.set(key, new Set()).get(key)!).add(day);
  }
  // Sources that share a day agree on it, whatever else one of them dates ("the bombing on
  // August 26 was followed by a drone strike on August 29").
  const sources = [...daysBySource.values()].filter((days) => days.size > 0);
  return sources.some((a, i) => sources.slice(i + 1).some((b) => ![...a].some((day) => b.has(day))));
}

/**
 * Composes an answer from verbatim sentences of the passages, each followed by its [n].
 * Abstains, offering the closest passages, when no sentence covers enough of the question.
 * `focus.asked` is what the sentences must say: the question without the words naming its
 * sources when it names some ("According to the CSIS analysis, …"); `focus.sources` are those
 * documents and `focus.sourceTerms` the terms naming them.
 */
export function composeExtractiveAnswer(
  fullQuestion: string,
  passages: Passage[],
  stats: TermStats,
  options: ExtractiveOptions = DEFAULT_EXTRACTIVE,
  contextOf?: (documentId: string) => string,
  documents?: DocumentAccess,
  focus: { asked?: string; sources?: ReadonlySet<string>; sourceTerms?: ReadonlySet<string> } = {},
): ExtractiveResult {
  // "Who wrote the CSIS analysis?" asks about the document its name picks out.
  const byline = documents ? answerFromMetadata(fullQuestion, passages, stats, documents, contextOf) : undefined;
  if (byline) return byline;
  const question = focus.asked ?? fullQuestion;
  const sources = focus.sources ?? NO_SOURCES;
  const scored = scoreCandidates(question, passages, stats, contextOf, {}, sources.size > 0);
  const { unknownNames, queryWeight, unseenShare, query } = scored;
  // A question naming its sources asks what they say: another document's sentence, however
  // well it matches, is not theirs to quote.
  const candidates = sources.size > 0 ? scored.candidates.filter((c) => sources.has(passages[c.passageIndex]!.documentId)) : scored.candidates;
  const support = candidates.reduce((m, c) => Math.max(m, c.coverage), 0);
  // Headings, bylines and site lines may match the question's words (and say the passages are
  // about it), yet state nothing: only statements are quoted.
  const statements = candidates.filter((c) => c.statement ?? endsAsStatement(c.text));
  let ranked = (statements.length > 0 ? statements : candidates).sort((a, b) => b.score - a.score || a.passageIndex - b.passageIndex || a.start - b.start);
  const unsupported =
    queryWeight === 0 ||
    ranked.length === 0 ||
    support < (sources.size > 0 ? options.minSupportWithSource : options.minSupport) ||
    unseenShare >= options.maxUnseenShare ||
    // A name the documents never mention decides the question unless the rest of it is
    // matched strongly, both in share and in weight: "Boko Haram fighters" matches only
    // "fighters", while "what the Kremlin said about Crocus City Hall" matches far more than "Kremlin".
    (unknownNames.length > 0 && (support < options.minSupportWithUnknownName || support * queryWeight < query.unknownWeight));

  if (unsupported) {
    const reason =
      unknownNames.length > 0
        ? ` (nothing in them mentions ${unknownNames.join(", ")})`
        : sources.size > 0
          ? ` (${namedSourcesSay(sources, passages)})`
          : "";
    return abstention(`The documents do not answer this question${reason}.`, passages, [], support);
  }

  // "Who is the spokesman of X?", "What was the name of the aid worker killed in …?": when the
  // documents never use the word for what is to be named, no sentence of theirs names it,
  // however much else of the question it matches ("Jaish al-Adl, a Sunni militant group …").
  // Words the vectors put near do not stand in ("led" and "opposition" beside "leader", "group"
  // far from "outfit"); only the words for heading something stand for one another (see
  // withOffices: an emir is a leader).
  if (query.named.length > 0) {
    const words = query.named.map((w) => `"${w}"`).join(" or ");
    return abstention(`The documents do not answer this question (no document uses the word ${words}).`, passages, ranked, support);
  }
  // "Who is the head of Pakistan's ISI?": the holder of a role is named beside the role. When
  // the sentences that mention a head are far weaker than the best (which are about the ISI and
  // no head of it), the passages do not name one.
  if (query.roles.length > 0) {
    // "Who heads IS-K?": a head of US Central Command in a sentence about IS-K is no head of
    // it. The role is held of a name the question gives when that name stands near it ("head
    // of the Badri Brigade", "the Taliban's military chief for Kabul").
    const { roles } = query;
    const askedNames = new Set(namesIn(question).flatMap((n) => stats.analyzer.terms(n.surface)).filter((t) => !roles.includes(t)));
    const holding = ranked.filter((c) => roles.some((t) => c.terms.includes(t)) && (askedNames.size === 0 || roleHeldOf(c.text, roles, askedNames, stats)));
    if (holding.length === 0 || holding[0]!.score < ranked[0]!.score * ROLE_SENTENCE_FLOOR) {
      return abstention("The documents do not answer this question (no passage about it names who holds this role).", passages, ranked, support);
    }
    ranked = holding;
  }

  const type = query.types[0] ?? "other";
  // A figure or a date is of one event, place or group: for "how many" and "when", only sentences
  // that mention one of the question's specific names ("Kandahar", "Bajaur", "India") may answer,
  // in the sentence or its document's header. One, not all: "a Moscow concert hall" is "Crocus City Hall in
  // Moscow". Names in more than a tenth of the passages ("U.S.", "Islamic State", "Taliban")
  // are the corpus's common ground, often left implicit ("They have already conducted…" counts
  // IS-K's attacks). With no such sentence, the best ones answer.
  const specificIdf = stats.idfAtShare(SPECIFIC_NAME_SHARE);
  // "According to Bacon, how many …": who says it is no occasion of the figure.
  const specific = (t: string) => query.weights.has(t) && stats.idf(t) >= specificIdf && !focus.sourceTerms?.has(t);
  const specificNames =
    type === "quantity" || type === "time" ? namesIn(question).filter((n) => stats.analyzer.terms(n.surface).some(specific)) : [];
  const nameTerms = [...new Set(specificNames.flatMap((n) => stats.analyzer.terms(n.surface)).filter(specific))];
  // A name may be read as part of a longer one ("Senate" in "Senate Armed Services Committee",
  // an alias): the sentence's own words are read too.
  const nameWords = specificNames.length > 0 ? new RegExp(`\\b(?:${specificNames.map((n) => n.word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})\\b`, "i") : undefined;
  const namesOne = (c: CandidateSentence) => {
    if (nameTerms.some((t) => c.matched.has(t))) return true;
    if (nameWords?.test(c.text)) return true;
    const header = stats.termSetOf(contextOf?.(passages[c.passageIndex]!.documentId) ?? "");
    return nameTerms.some((t) => header.has(t));
  };
  // A figure of another event the documents count apart does not answer: "killing more than
  // 150 people" or "left more than 130 people dead" is no number of the wounded. Nor does a
  // sentence about another occasion than the best one set aside ("wounding dozens" at a
  // hospital, for the wounded of an airport bombing whose sentences give only its dead); with
  // none left, the documents do not give the figure. The occasion is what the question's other
  // words name, in a sentence, or in the one before it when it names nothing itself
  // ("…attacked Crocus City Hall…, killing more than 150 people. More than 500 others were
  // wounded, officials said.").
  const events = type === "quantity" ? stats.countedEvents?.().askedIn(question) : undefined;
  // The words of the question that name the occasion a figure is of: at least `minIdf` rare,
  // and not what it counts, the event counted, a word for the kind of answer or the source.
  const eventStems = new Set(events?.asked.map((e) => e.stem) ?? []);
  const occasionTerms = (minIdf: number) =>
    [...query.weights.keys()].filter(
      (t) => stats.idf(t) >= minIdf && !focus.sourceTerms?.has(t) && !query.counted.includes(t) && !eventStems.has(t) && !query.typeTerms.has(t),
    );
  const occasionNamedIn = (occasion: string[], c: CandidateSentence) => occasion.filter((t) => c.matched.has(t)).length;
  // "How many people died when ISKP attacked the girls' school?": an occasion named in common
  // words, not by a name. When a sentence speaks of it (two or more of its rare words) and no
  // sentence with a figure mentions it at all, the figures are of other occasions.
  if (type === "quantity" && nameTerms.length === 0) {
    const occasion = occasionTerms(specificIdf);
    const speaksOf = (c: CandidateSentence) => occasionNamedIn(occasion, c);
    if (occasion.length >= 2 && ranked.some((c) => speaksOf(c) >= 2) && !ranked.some((c) => speaksOf(c) > 0 && statesAmountBesidesTime(c.text))) {
      return abstention(NO_FIGURE, passages, ranked.filter((c) => speaksOf(c) > 0), support);
    }
  }
  /** The least score, against the lead's, of a second sentence of the answer. */
  const secondFloor = Math.min(options.relativeThreshold, 0.4);
  const namedPool = nameTerms.length > 0 ? ranked.filter(namesOne) : ranked;
  const byName = namedPool.length > 0 ? namedPool : ranked;
  let pool = byName;
  if (events) {
    const similarity = stats.related && ((a: string, b: string) => stats.related!.similarity(a, b));
    const reports = stats.countedEvents!().readerFor(events, similarity);
    const apart = new Set(byName.filter((c) => reports(c.text) === "other"));
    pool = byName.filter((c) => !apart.has(c));
    const firstApart = byName.find((c) => apart.has(c));
    if (firstApart) {
      const eventTerms = new Set(events.asked.flatMap((e) => stats.analyzer.terms(e.word)));
      // Each sentence's predecessor in its passage, when nothing but space parts them.
      const inOrder = [...ranked].sort((a, b) => a.passageIndex - b.passageIndex || a.start - b.start);
      const previous = new Map<CandidateSentence, CandidateSentence>();
      for (let i = 1; i < inOrder.length; i++) {
        const [x, c] = [inOrder[i - 1]!, inOrder[i]!];
        if (x.passageIndex === c.passageIndex && x.end <= c.start && c.start - x.end <= 3) previous.set(c, x);
      }
      const occasionWeight = (c: CandidateSentence): number => {
        // A sentence that names nothing goes on about the occasion of the one before it.
        const before = namesOwnOccasion(c.text) ? undefined : previous.get(c);
        let weight = 0;
        for (const t of new Set([...c.matched, ...(before?.matched ?? [])])) if (!eventTerms.has(t)) weight += query.weights.get(t) ?? 0;
        return weight;
      };
      const occasion = occasionWeight(firstApart);
      // Read until the answer is whole: sentences below the lead's floor are never quoted.
      const kept: CandidateSentence[] = [];
      for (const c of pool) {
        if (kept.length > 0 && c.score < kept[0]!.score * secondFloor) break;
        if (occasionWeight(c) >= occasion) kept.push(c);
      }
      pool = kept;
    }
    if (pool.length === 0) return abstention(NO_FIGURE, passages, byName, support);
  }
  // "How many people died in the Kabul airport bombing?": a figure is of one occasion. When a
  // sentence with a figure names the whole occasion (every rarer word of the question besides
  // what it counts: "Kabul", "airport", "bombing"), sentences naming less than half of it give
  // other occasions' figures ("90 people" in Kerman, "30 people" at a Kabul hospital), however
  // well they count "people".
  if (type === "quantity") {
    const parts = occasionTerms(stats.idfAtShare(OCCASION_PART_SHARE));
    const named = (c: CandidateSentence) => occasionNamedIn(parts, c);
    if (parts.length >= 2 && pool.some((c) => named(c) === parts.length && statesAmountBesidesTime(c.text))) {
      pool = pool.filter((c) => named(c) * 2 >= parts.length);
    }
  }
  let lead = pool[0]!;
  const chosen: CandidateSentence[] = [lead];
  const maxSentences = type === "quantity" ? options.maxSentences + 1 : options.maxSentences;
  // Whether a sentence states a figure of what a "how many" question counts, read once each.
  const countVerdicts = new Map<CandidateSentence, boolean>();
  const counts = (c: CandidateSentence): boolean => {
    let verdict = countVerdicts.get(c);
    if (verdict === undefined) countVerdicts.set(c, (verdict = type === "quantity" && countsAskedThing(c.text, query.counted)));
    return verdict;
  };
  const leadFigureless = type === "quantity" && !statesFigure(lead.text);
  const leadCounts = counts(lead);
  for (const c of pool.slice(1)) {
    if (chosen.length >= maxSentences) break;
    const floor = chosen.length < 2 ? secondFloor : options.relativeThreshold;
    if (c.score < lead.score * floor) break;
    // Headings, bylines and site lines may match the question's words, yet state nothing.
    if (!(c.statement ?? endsAsStatement(c.text))) continue;
    // A "how many" answer lists figures: a sentence without one only dilutes it.
    if (type === "quantity" && !statesFigure(c.text)) continue;
    // …and one that covers less of the question than the lead does is left out, unless it has
    // a figure of what was asked about and either the lead has none ("more than 200 attacks"
    // for "how many attacks … claimed", after "there is no immediate claim of responsibility";
    // "seventy-six attacks" after "over the past 20 years") or the lead has one too and this is
    // another source's ("170 Afghans" beside "180 Afghans"): what the sources say side by side.
    if (type === "quantity" && c.coverage < lead.coverage * 0.75) {
      const otherSource = passages[c.passageIndex]!.documentId !== passages[lead.passageIndex]!.documentId;
      if (!(counts(c) && (!leadCounts || otherSource))) continue;
    }
    if (chosen.some((x) => sameStatement(x.terms, c.terms))) continue;
    chosen.push(c);
  }
  // Sources named side by side ("given by Bacon and by the Spectator") each have their say: the
  // best sentence of one the answer does not quote yet joins it, when it covers as much of the
  // question as an answer must.
  if (sources.size >= 2) {
    for (const documentId of sources) {
      if (chosen.some((c) => passages[c.passageIndex]!.documentId === documentId)) continue;
      const best = pool.find((c) => passages[c.passageIndex]!.documentId === documentId);
      if (best && best.coverage >= options.minSupport && !chosen.some((x) => sameStatement(x.terms, best.terms))) chosen.push(best);
    }
  }
  // "How many…" is answered by a figure of what was asked about: a chosen sentence that
  // states one leads. Otherwise a lead without any figure gives way to the best chosen
  // sentence that has one, and is dropped, as figureless sentences are after it.
  if (type === "quantity") {
    const better = (leadCounts ? undefined : chosen.find(counts)) ?? (leadFigureless ? chosen.find((c) => statesFigure(c.text)) : undefined);
    if (better) {
      chosen.splice(chosen.indexOf(better), 1);
      if (leadFigureless) chosen[0] = better;
      else chosen.unshift(better);
      lead = better;
    }
    // Once a sentence counting what was asked leads, figures of other things only distract.
    if (counts(lead)) for (let i = chosen.length - 1; i > 0; i--) if (!counts(chosen[i]!)) chosen.splice(i, 1);
    // "How many" with no amount, not even "dozens" or "doubled", in any sentence that may answer
    // it ("the past 20 years" is no amount of people): the documents do not give the number, and
    // their sentences about the thing are the closest passages, not an answer.
    // Only for a question that counts a thing: "how long", "how much has it grown" count none.
    if (query.counted.length > 0 && !countsTime(query.counted) && !chosen.some((c) => statesAmountBesidesTime(c.text))) {
      return abstention(NO_FIGURE, passages, chosen, support);
    }
    // A sum of money asked for is answered by one: "two suspected ISKP recruits" is no pay.
    if (ASKS_MONEY.test(question) && !chosen.some((c) => STATES_MONEY.test(c.text))) {
      return abstention(NO_FIGURE, passages, chosen, support);
    }
    // "What percentage of …" is answered by a share ("95%", "half", "one in five"), not by a
    // year or a count of something.
    if (asksShare(question) && !chosen.some((c) => statesShare(c.text))) {
      return abstention(NO_FIGURE, passages, chosen, support);
    }
  }
  // "What is the name of the senior operative the Taliban killed?": sentences that speak of an
  // operative but name none ("killing a senior operative who was responsible…") do not answer.
  if (query.nameOf.length > 0) {
    const verdicts = chosen.map((c) => namesThing(c.text, query.nameOf, query.weights, stats));
    if (verdicts.includes("unnamed") && !verdicts.includes("named")) {
      return abstention("The documents do not answer this question (no passage about it gives the name).", passages, chosen, support);
    }
  }
  // "Where did the two European recruits try to cross into northern Afghanistan?" is answered by
  // a place the question does not name already: "…were arrested while trying to enter northern
  // Afghanistan" only says it again.
  if (type === "place" && !chosen.some((c) => namesBeyondQuestion(c.text, query.weights, stats))) {
    return abstention("The documents do not answer this question (no passage about it says where).", passages, chosen, support);
  }
  // "When did …?" is answered by a sentence that says when: a year, a month, "last year", "six
  // to twelve months", one the question does not give itself and as fine as it asks. Sentences
  // about the thing that date nothing new are the closest passages.
  if (type === "time" && !chosen.some((c) => answersWhen(c.text, question))) {
    return abstention("The documents do not answer this question (no passage about it says when).", passages, chosen, support);
  }

  // Lead sentence first; the rest grouped by source in document order, which reads as prose.
  const rest = chosen.slice(1).sort((a, b) => a.passageIndex - b.passageIndex || a.start - b.start);
  passages = [...passages];
  const listed = documents ? expandEnumerations([lead, ...rest], passages, documents, stats) : [lead, ...rest];
  const none = new Set<CandidateSentence>();
  const { sentences: ordered, antecedents, followers } = documents ? withAntecedents(listed, passages, documents, stats) : { sentences: listed, antecedents: none, followers: none };

  const numberOf = new Map<number, number>();
  const citations: Citation[] = [];
  const numbered = ordered.map((s) => {
    let n = numberOf.get(s.passageIndex);
    if (n === undefined) {
      n = citations.length + 1;
      numberOf.set(s.passageIndex, n);
      citations.push(toCitation(passages[s.passageIndex]!, n));
    }
    return { ...s, n };
  });

  let answer: string;
  // Figures of the chosen sentences only: an antecedent quoted for context states none of the answer's.
  const disagree = type === "quantity" ? figuresDisagree(listed, passages) && "figures" : type === "time" ? datesDisagree(listed, passages) && "dates" : false;
  if (disagree) {
    // A sentence's antecedent and follower share its bullet: one source's figure with what it is a figure of.
    const items: string[] = [];
    numbered.forEach((s, i) => {
      const cited = `${quoted(s.text)} [${s.n}]`;
      if (i > 0 && (antecedents.has(ordered[i - 1]!) || followers.has(ordered[i]!))) items[items.length - 1] += ` ${cited}`;
      else items.push(cited);
    });
    answer = `The sources give different ${disagree}:\n\n` + items.map((item) => `- ${item}`).join("\n");
  } else {
    answer = numbered.map((s) => `${quoted(s.text)} [${s.n}]`).join(" ");
  }
  return { answer, citations, abstained: false, suggestions: [], sentences: numbered, support };
}
