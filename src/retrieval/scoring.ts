import type { TextAnalyzer } from "../text/analyzer.js";
import { endsAsStatement, splitSentences, type Sentence } from "../text/sentences.js";
import { atSentenceStart, foldTypography, QUESTION_WORDS, STOPWORDS, stem, tokenize } from "../text/normalize.js";
import type { RelatedTerms } from "../text/related.js";
import { sameNamedThing } from "../text/demonyms.js";
import type { CountedEvents } from "../text/countedEvents.js";
import { APPROXIMATORS, CARDINAL_WORD, CARDINAL_WORD_ALTERNATION, countedWordsEnd, figureTokens, statesFigure, statesTime, VAGUE_AMOUNTS } from "../text/numbers.js";

/** A chunk's sentences with everything about them that does not depend on the question. */
export interface ChunkSentences {
  sentences: Sentence[];
  terms: string[][];
  features: SentenceFeatures[];
  /**
   * The chunk's corpus terms as numbers (TermStats.idOf), ascending, and at the same position
   * the sentences that hold each (ascending). matchPassage walks them alongside the question's
   * own sorted numbers (QueryTerms.lookupIds): a merge of two short integer runs, where looking
   * up each term by its string read a scattered string object per term.
   */
  termIds: Int32Array;
  idSentences: number[][];
  /** Terms the corpus never indexed (a text from outside it), with their sentences, looked up by string. */
  otherTerms: [string, number[]][];
}

/** Document frequencies over chunks: the IDF every sentence score is weighted by. */
export class TermStats {
  private readonly df = new Map<string, number>();
  readonly count: number;
  /** Unstemmed surface words seen anywhere in the corpus, for grounding named entities. */
  private readonly surface = new Set<string>();
  /** Corpus words close in meaning to a question's words, when word vectors are loaded. */
  related?: RelatedTerms;
  /** The events the documents count apart ("killed" and "wounded"), learnt on first use; see CountedEvents. */
  countedEvents?: () => CountedEvents;

  constructor(texts: string[], readonly analyzer: TextAnalyzer) {
    this.count = texts.length;
    // Eight bits per character set about 1% of them here, so a pair never written together reads
    // as written in about one check of 5,000. One bit per character had set 11%: one check in
    // 90, and a name of three common words takes four ("First World War" was kept known so).
    const chars = texts.reduce((n, text) => n + text.length, 0);
    const bits = Math.min(1 << 27, Math.max(1 << 16, 2 ** Math.ceil(Math.log2(Math.max(1, chars * 8)))));
    this.pairs = new Uint32Array(bits >>> 5);
    this.pairMask = bits - 1;
    for (const text of texts) {
      const terms = analyzer.terms(text);
      const ids = terms.map((t) => {
        let id = this.ids.get(t);
        if (id === undefined) this.ids.set(t, (id = this.ids.size));
        return id;
      });
      for (const t of new Set(terms)) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      for (let i = 1; i < ids.length; i++) this.markPair(ids[i - 1]!, ids[i]!);
      for (const tok of tokenize(text)) {
        this.surface.add(tok.word);
        for (const part of tok.word.split("-")) this.surface.add(part);
        if (!/\p{Lu}/u.test(text.slice(tok.start, tok.end))) this.lowercase.add(tok.word);
      }
    }
  }

  /**
   * Which terms the corpus writes one after the other: a Bloom filter of pairs of term ids (two
   * bits each), about eight bits per character of the corpus, between 8 kB and 16 MB. A false
   * "yes" only keeps a name known; there is never a false "no".
   */
  private pairs = new Uint32Array(0);
  private pairMask = 0;
  private pairBits(a: number, b: number): [number, number] {
    const h1 = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b);
    const h2 = Math.imul(h1 ^ (h1 >>> 15), 0xc2b2ae35) ^ Math.imul(b, 0x27d4eb2f);
    return [(h1 >>> 0) & this.pairMask, ((h2 ^ (h2 >>> 13)) >>> 0) & this.pairMask];
  }
  private markPair(a: number, b: number): void {
    for (const bit of this.pairBits(a, b)) this.pairs[bit >>> 5]! |= 1 << (bit & 31);
  }

  /** Whether the corpus writes term `b` right after term `a` (stopwords aside) somewhere. */
  writesTogether(a: string, b: string): boolean {
    const [x, y] = [this.ids.get(a), this.ids.get(b)];
    if (x === undefined || y === undefined) return false;
    return this.pairBits(x, y).every((bit) => (this.pairs[bit >>> 5]! & (1 << (bit & 31))) !== 0);
  }

  /** A number per corpus term, fixed at construction (see ChunkSentences.termIds). */
  private readonly ids = new Map<string, number>();

  idOf(term: string): number | undefined {
    return this.ids.get(term);
  }

  private readonly sentenceCache = new Map<string, ChunkSentences>();
  private readonly termCache = new Map<string, string[]>();

  /**
   * Sentences of a passage with their terms. Passages are chunks, a fixed set, so this is
   * computed once per chunk rather than on every question (bounded for arbitrary texts).
   */
  sentencesOf(text: string): ChunkSentences {
    let hit = this.sentenceCache.get(text);
    if (!hit) {
      const sentences = splitSentences(text);
      const terms = sentences.map((x) => this.analyzer.terms(x.text));
      const index = new Map<string, number[]>();
      terms.forEach((ts, i) => {
        for (const t of ts) {
          const at = index.get(t);
          if (!at) index.set(t, [i]);
          else if (at[at.length - 1] !== i) at.push(i);
        }
      });
      const known: [number, number[]][] = [];
      const otherTerms: [string, number[]][] = [];
      for (const [t, at] of index) {
        const id = this.ids.get(t);
        if (id === undefined) otherTerms.push([t, at]);
        else known.push([id, at]);
      }
      known.sort((a, b) => a[0] - b[0]);
      hit = {
        sentences,
        terms,
        features: sentences.map((x, i) => sentenceFeatures(terms[i]!, x.text)),
        termIds: Int32Array.from(known, ([id]) => id),
        idSentences: known.map(([, at]) => at),
        otherTerms,
      };
      if (this.sentenceCache.size >= 50_000) this.sentenceCache.clear();
      this.sentenceCache.set(text, hit);
    }
    return hit;
  }

  /** A question's terms as remembered for a key (see queryTerms; read-only to callers). */
  recalledQuery(key: string): QueryTerms | undefined {
    return this.queryCache.get(key);
  }

  /** Remembers a question's terms under a key (bounded). */
  rememberQuery(key: string, terms: QueryTerms): void {
    if (this.queryCache.size >= 1_000) this.queryCache.clear();
    this.queryCache.set(key, terms);
  }
  private readonly queryCache = new Map<string, QueryTerms>();

  /** Terms of a text, cached (document headers recur on every question). */
  termsOf(text: string): string[] {
    let hit = this.termCache.get(text);
    if (!hit) {
      hit = this.analyzer.terms(text);
      if (this.termCache.size >= 10_000) this.termCache.clear();
      this.termCache.set(text, hit);
    }
    return hit;
  }

  /** The distinct terms of a text, cached like termsOf (a header is read on every question). */
  termSetOf(text: string): ReadonlySet<string> {
    let hit = this.termSetCache.get(text);
    if (!hit) {
      hit = new Set(this.termsOf(text));
      if (this.termSetCache.size >= 10_000) this.termSetCache.clear();
      this.termSetCache.set(text, hit);
    }
    return hit;
  }
  private readonly termSetCache = new Map<string, ReadonlySet<string>>();

  idf(term: string): number {
    return this.idfOfFrequency(this.df.get(term) ?? 0);
  }

  /** The IDF of a term found in `share` of the chunks: a threshold between common and specific terms. */
  idfAtShare(share: number): number {
    return this.idfOfFrequency(share * this.count);
  }

  private idfOfFrequency(d: number): number {
    return Math.log(1 + (this.count - d + 0.5) / (d + 0.5));
  }

  has(term: string): boolean {
    return this.df.has(term);
  }

  /** Corpus terms that start with the term and are 3+ letters longer (compounds hide words). */
  termsExtending(term: string): string[] {
    let hit = this.extending.get(term);
    if (!hit) {
      hit = [];
      for (const t of this.df.keys()) if (t.length > term.length + 2 && t.startsWith(term)) hit.push(t);
      if (this.extending.size >= 10_000) this.extending.clear();
      this.extending.set(term, hit);
    }
    return hit;
  }
  private readonly extending = new Map<string, string[]>();

  /** Corpus terms naming the same place as `term` in another form (sameNamedThing: "iran" -> "iranian"), cached. */
  sameNamedTerms(term: string): string[] {
    let hit = this.sameNamed.get(term);
    if (!hit) {
      // Terms by their first four letters, built once: a place and its forms share them.
      if (!this.byPrefix) {
        this.byPrefix = new Map();
        for (const t of this.df.keys()) {
          const list = this.byPrefix.get(t.slice(0, 4));
          if (list) list.push(t);
          else this.byPrefix.set(t.slice(0, 4), [t]);
        }
      }
      hit = (this.byPrefix.get(term.slice(0, 4)) ?? []).filter((t) => t !== term && sameNamedThing(term, t));
      if (this.sameNamed.size >= 10_000) this.sameNamed.clear();
      this.sameNamed.set(term, hit);
    }
    return hit;
  }
  private readonly sameNamed = new Map<string, string[]>();
  private byPrefix?: Map<string, string[]>;

  knowsWord(word: string): boolean {
    return this.surface.has(word);
  }

  /** Whether the corpus ever writes the word in lower case (names it writes only capitalised). */
  seenLowercase(word: string): boolean {
    return this.lowercase.has(word);
  }
  private readonly lowercase = new Set<string>();

  /** The corpus's own words, each with the single term it indexes as (stopwords and names of several terms left out). */
  *vocabulary(): Iterable<{ word: string; term: string }> {
    for (const word of this.surface) {
      const terms = this.analyzer.terms(word);
      if (terms.length === 1 && this.df.has(terms[0]!)) yield { word, term: terms[0]! };
    }
  }
}

/** What a question asks for, read from its wording: it steers which sentences answer it. */
export type AnswerType = "quantity" | "time" | "place" | "person" | "reason" | "definition" | "recommendation" | "term" | "list";

/** The wording that says what a question asks for, per kind of answer. */
const ANSWER_TYPE_PATTERNS: [AnswerType, RegExp][] = [
  [
    "quantity",
    // "number of" asks for a figure ("What was the record number of …", "what … say about the
    // number of fighters?"), unless the question says which way the number goes: "What has the
    // growing number of attacks exposed?" asks about its effect.
    /\bhow (?:many|much|large|big|deadly|often|strong|long)\b|\bwhat (?:share|percentage|proportion|number|fraction|amount)\b|(?<!\b(?:growing|rising|increasing|mounting|declining|falling|shrinking|dwindling)\s+)\bnumber of\b|\bby how much\b/g,
  ],
  ["time", /^\s*when\b|\bwhen (?:and|did|was|were|is|will)\b|\b(?:what|which) (?:year|date|month|time|day)(?![\w-])|\bsince when\b|\bhow soon\b/g],
  ["place", /^\s*where\b|\band where\b|\bin which (?:country|city|province|region)\b|\bwhich (?:country|city|province|region)\b/g],
  ["person", /^\s*who\b|\bwhich (?:official|general|person|leader|commander)\b/g],
  ["reason", /^\s*why\b|\bwhat (?:drives|motivates|explains|causes)\b|\breasons?\b/g],
  ["definition", /\bwhat (?:is|are|does)\b.*\b(?:mean|means|stand for)\b|^\s*what is (?:the |an? )?[\w-]+\??$/g],
  [
    "recommendation",
    /\brecommend\w*|\bshould\b|\b(?:must|ought to|needs? to) be (?:done|taken|made)\b|\bwhat (?:\S+ ){0,5}?(?:must|ought to|needs? to)\b|\bwhat (?:steps|measures|actions)\b|\bhow (?:can|could|should)\b.*\b(?:counter|stop|defeat|address|prevent|confront)\b/g,
  ],
  ["term", /\bwhat (?:term|name|label|word|phrase|insult|nickname|slogan|epithet)s?\b|\bcalls?\b|\bcalled\b|\bbrand(?:s|ed)?\b/g],
  // "Which countries' relations…", "Which governments in the region…", "What kinds of targets…":
  // a plural after "which"/"what" asks for several things, often named side by side. A plural
  // noun there goes on to an auxiliary, a preposition, a past form or a possessive ("which
  // governments in", "what factors contributed"); a verb's -s form goes on to its object ("what
  // drives ISKP", "what explains its"). "-is", "-ss" and "-us" are no plurals ("ISIS", "crisis").
  ["list", /\b(?:which|what)\s+(?:(?!(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would|should|might|must)\b)[a-z-]+\s+)?[a-z-]{2,}(?:ie|[^siu'\s])s(?:'|(?=\s+(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would|should|might|must|of|in|on|for|with|from|about|to|into|at|by|among|between|against|across|[a-z]+ed)\b)|(?=\s*[?.!]?\s*$))/g],
];

/**
 * Per kind, the words that only name it (what answerTypeWords may take from a match): a
 * pattern's span can hold the question's subject ("how can the Taliban counter …"), which
 * must never be met by the shape of a sentence alone.
 */
const ANSWER_TYPE_CUES: Partial<Record<AnswerType, RegExp>> = {
  quantity: /^(?:share|percentage|proportion|number|fraction|amount)$/,
  time: /^(?:year|date|month|time|day|soon)$/,
  reason: /^(?:reasons?|drives|motivates|explains|causes)$/,
  recommendation: /^(?:recommend\w*|steps|measures|actions)$/,
  term: /^(?:terms?|names?|labels?|words?|phrases?|insults?|nicknames?|slogans?|epithets?|calls?|called|brand(?:s|ed)?)$/,
};

/** The same patterns without the global flag, whose `test` keeps no state between calls. */
const ANSWER_TYPE_TESTS: [AnswerType, RegExp][] = ANSWER_TYPE_PATTERNS.map(([type, re]) => [type, new RegExp(re.source)]);

/**
 * "Who is the current emir or leader of ISKP?": the role asked for, before "of", "for", "in" or
 * "at", after "who is", "who was" or "who's" (one holder: "who were the victims of …" asks who
 * suffered, which a sentence may say in other words, "killed 13 US service members").
 */
const ROLE_QUESTION = /\bwho(?:\s+is|\s+was|'s)\s+(?:the\s+)?([^?]{1,80}?)\s+(?:of|for|in|at)\b/i;
/** "Who is ISKP's current leader?": the role after a named possessor (capitalised, up to four words). */
const OWNED_ROLE_QUESTION = /\b[Ww]ho(?:\s+is|\s+was|'s)\s+(?:the\s+)?(?:\p{Lu}[\p{L}\p{N}.-]*\s+){0,3}\p{Lu}[\p{L}\p{N}.-]*'s?\s+([^?]{1,80})/u;
/**
 * A question whose "who" a preposition at its end governs ("Who was the Tajik cell … in touch
 * with?", "… working for?"): no comma or relative word between, which would end on a clause of
 * its own ("Who is ISKP's leader, whom Kurilla warned about?").
 */
const STRANDED_PREPOSITION = /^\s*who\b[^,;]*\b(?:with|for|to|from|by|about|against)\s*[?.!]*\s*$/i;
const RELATIVE_WORD = /\b(?:whom|which|that|whose)\b/i;
/** The office a "who" question's verb asks the holder of. */
const ROLE_OF_VERB: Readonly<Record<string, string>> = { leads: "leader", led: "leader", heads: "head", headed: "head", commands: "commander", commanded: "commander", founded: "founder" };
const ROLE_VERB = new RegExp(`(?:^|[,;:]\\s*)who\\s+(?:currently\\s+|now\\s+)?(${Object.keys(ROLE_OF_VERB).join("|")})\\b(?!\\s+(?:to|for|towards?|into|back|home)\\b)([^?.!]{0,60})`, "i");
/** What is done, not held: "Who led the attack on Kabul airport?" asks who did it. */
const EVENT_NOUN = /\b(?:attacks?|bombings?|assaults?|raids?|operations?|plots?|offensives?|strikes?|campaigns?|withdrawals?|evacuations?|massacres?|sieges?|insurgency|invasion|escape|jailbreak|shooting)\b/i;
/** "What was the name of the aid worker killed in …?": what is to be named. */
const NAME_QUESTION = /\b(?:what|which)\s+(?:is|was|are|were)\s+the\s+names?\s+of\s+(?:the\s+|an?\s+)?([^?]{1,120})/i;
/**
 * A word that ends the thing named: a verb form ("killed"), an adverb ("reportedly caught up"),
 * a relative or a preposition (function words end it too).
 */
const ENDS_NAMED_THING = /^(?:[a-z]+(?:ed|ing)|[a-z]{4,}ly|who|whom|that|which|behind|near|within|across|since|like|among|inside|outside|towards?|responsible)$/;
/**
 * Heads that name no office, only a part someone played: "Who is the group responsible for …?",
 * "Who was the target of …?" ask who did or suffered it, which a sentence says in its own words.
 */
const NOT_A_ROLE = new Set(["group", "man", "woman", "person", "one", "people", "target", "victim", "perpetrator", "culprit", "attacker", "organisation", "organization", "mastermind", "enemy", "rival", "ally", "partner", "sponsor", "backer"]);

/**
 * What a question asks to be named, as the head word of each alternative (lower case), and
 * whether it asks who holds a role: "Who is the current emir or leader of ISKP?" gives
 * ["emir", "leader"], a role; "What was the name of the aid worker killed in …?" gives
 * ["worker"]. The head is the last word: "current" in "current emir" and "ISKP" in "ISKP's
 * current emir" are no role. Empty for other questions, and for a "who" question whose head
 * names no office (NOT_A_ROLE).
 */
export function namedPhraseOf(question: string): { heads: string[]; role: boolean } {
  const folded = foldTypography(question);
  // "Who was the Tajik cell … in touch with?": "who" is the object of a stranded preposition,
  // and what follows "who was the" is the subject, no role.
  const stranded = STRANDED_PREPOSITION.test(folded) && !RELATIVE_WORD.test(folded);
  const role = stranded ? null : (ROLE_QUESTION.exec(folded) ?? OWNED_ROLE_QUESTION.exec(folded));
  const name = role ? undefined : NAME_QUESTION.exec(folded);
  const phrase = role?.[1] ?? name?.[1];
  const heads: string[] = [];
  if (!phrase) {
    // "Who leads ISKP?", "Who founded it?": the verb of an office asks for its holder.
    const asked = stranded ? null : ROLE_VERB.exec(folded);
    // The object is the words after the verb up to the first function word past an article
    // ("the Tajik cell" of "… cell whose plot …", "the Crocus City Hall attack").
    const object = (asked?.[2] ?? "").trim().replace(/^(?:the|an?)\s+/i, "").split(/\s+/);
    const end = object.findIndex((w) => STOPWORDS.has(w.toLowerCase()));
    const verb = asked && !EVENT_NOUN.test(object.slice(0, end < 0 ? undefined : end).join(" ")) ? asked[1]!.toLowerCase() : undefined;
    return verb ? { heads: [ROLE_OF_VERB[verb]!], role: true } : { heads, role: false };
  }
  for (const part of phrase.split(/\s+(?:or|and)\s+|[(),]/)) {
    const words: string[] = [];
    const tokens = tokenize(part);
    const isLower = (i: number) => /^\p{Ll}/u.test(part.slice(tokens[i]!.start, tokens[i]!.end));
    let lowerSeen = false;
    for (let i = 0; i < tokens.length; i++) {
      const word = tokens[i]!.word;
      if (ENDS_NAMED_THING.test(word) || STOPWORDS.has(word)) break;
      // A name after the thing and before a verb begins a clause ("the Peshawar mosque IS-K
      // attacked"); before another word of the thing it is part of it ("senior ISKP operative").
      if (lowerSeen && !isLower(i)) {
        let j = i;
        while (j < tokens.length && !isLower(j)) j++;
        if (j >= tokens.length || ENDS_NAMED_THING.test(tokens[j]!.word) || STOPWORDS.has(tokens[j]!.word)) break;
      }
      lowerSeen ||= isLower(i);
      words.push(word);
    }
    if (words.length > 0) heads.push(words[words.length - 1]!);
    // "the name of the aid worker killed in …": the thing ends with its first clause.
    if (name && words.length < tokens.length) break;
  }
  if (role && heads.some((h) => NOT_A_ROLE.has(h) || NOT_A_ROLE.has(h.replace(/s$/, "")))) return { heads: [], role: false };
  return { heads, role: Boolean(role) };
}

/**
 * The words for heading something stand for one another: the commander of the Badri Brigade is
 * its "head", and a leader the documents call "chief" is theirs. Not "commander" in the other
 * direction: its stem, "command", names as many commands ("US Central Command") as commanders.
 */
const OFFICES = ["leader", "head", "chief", "emir", "director"];
function withOffices(heads: string[]): string[] {
  return heads.some((h) => OFFICES.includes(h) || h === "commander") ? [...new Set([...heads, ...OFFICES])] : heads;
}

/** The head words of what a question asks to be named (namedPhraseOf). */
export function namedThingsOf(question: string): string[] {
  return namedPhraseOf(question).heads;
}

/** Every kind of answer a question asks for ("When and where…" asks for two). */
export function answerTypesOf(question: string): AnswerType[] {
  const q = foldTypography(question).toLowerCase();
  return ANSWER_TYPE_TESTS.filter(([, re]) => re.test(q)).map(([type]) => type);
}

/**
 * What a "how many" question counts: the words after "how many" / "how much" /
 * "number of", up to the next function word ("people died" in "How many people died in…",
 * "chinese troops" in "How many Chinese troops are…", "afghans" in "How many Afghans were…"),
 * stemmed. A verb may be among them ("died"): it then counts only where it follows a figure.
 */
export function countedTermsOf(question: string): string[] {
  const tokens = tokenize(question);
  for (let i = 0; i + 1 < tokens.length; i++) {
    const a = tokens[i]!.word;
    const b = tokens[i + 1]!.word;
    if (!((a === "how" && (b === "many" || b === "much")) || (a === "number" && b === "of"))) continue;
    const counted: string[] = [];
    for (let j = i + 2; j < Math.min(tokens.length, i + 2 + MAX_COUNTED_WORDS); j++) {
      const tok = tokens[j]!;
      if (STOPWORDS.has(tok.word) || QUESTION_WORDS.has(tok.word)) break;
      counted.push(stem(tok.word));
    }
    return counted;
  }
  return [];
}

const MAX_COUNTED_WORDS = 4;

/**
 * What each figure of a sentence may count, once per sentence: the words after it up to the
 * first lower-case word, past names ("13 American soldiers", "170 Afghans") and stopping at
 * any function word ("six to twelve months"); and the subject of a counting verb before it
 * ("its fighters now number more than 2,500"), unless a lower-case word after the figure says
 * what it counts ("attacks reached 3 provinces") or it is a share ("rose 20 percent"). Dates
 * and "9/11" are no figures (statesFigure).
 */
export interface FigureSubjects {
  /** Per figure, the candidate words as written (lower case) and their stems. */
  words: string[][];
  stems: string[][];
}

export function figureSubjects(sentence: string): FigureSubjects {
  // Token offsets hold in the text as given: folding typography changes no length.
  const tokens = tokenize(sentence);
  const out: FigureSubjects = { words: [], stems: [] };
  for (const t of figureTokens(sentence, tokens)) {
    const end = countedWordsEnd(sentence, tokens, t);
    const words = tokens.slice(t + 1, end).map((x) => x.word);
    // A lower-case word right after the figure says what it counts ("attacks reached 3 provinces").
    const countedAfter = end > t + 1 && /^\p{Ll}/u.test(sentence.slice(tokens[t + 1]!.start, tokens[t + 1]!.end));
    const figure = tokens[t]!;
    const share = figure.word.endsWith("%") || sentence[figure.end] === "%" || tokens[t + 1]?.word === "percent" || tokens[t + 1]?.word === "per";
    if (!share && !countedAfter) words.push(...countingVerbSubject(tokens, t));
    out.words.push(words);
    out.stems.push(words.map(stem));
  }
  return out;
}

/** Verbs that give a count after them: "its fighters now number 2,500", "the dead totalled 30". */
const COUNTING_VERB = /^(?:numbers?|numbered|totals?|totall?ed|reach(?:es|ed)?|stands?|stood|exceed(?:s|ed)?|grow|grows|grew|grown|rise|rises|rose|risen|swell(?:s|ed)?)$/;

/** The words that may be the subject of a counting verb giving the figure at tokens[i]: up to three before the verb. */
function countingVerbSubject(tokens: readonly { word: string }[], i: number): string[] {
  let j = i - 1;
  while (j >= 0 && i - j <= 4 && APPROXIMATORS.has(tokens[j]!.word)) j--;
  if (j < 0 || !COUNTING_VERB.test(tokens[j]!.word)) return [];
  const subject: string[] = [];
  // Past an adverb or auxiliary ("now", "has"), not past another figure.
  for (let k = j - 1; k >= Math.max(0, j - 3); k--) {
    if (statesFigure(tokens[k]!.word)) break;
    subject.push(tokens[k]!.word);
  }
  return subject;
}

/**
 * Whether a sentence states a figure of one of the counted words ("seventy-six attacks" for
 * "how many attacks"), as against a figure of something else ("over the past 20 years",
 * "four gunmen attacked"); see figureSubjects. A compound counts too: "servicemembers" for
 * "members". Pass the sentence's subjects when they are kept (SentenceFeatures).
 */
export function countsAskedThing(sentence: string, counted: readonly string[], subjects: FigureSubjects = figureSubjects(sentence)): boolean {
  if (counted.length === 0) return false;
  for (let f = 0; f < subjects.words.length; f++) {
    const words = subjects.words[f]!;
    const stems = subjects.stems[f]!;
    for (let w = 0; w < words.length; w++) {
      if (counted.some((c) => stems[w] === c || (c.length >= 5 && words[w]!.includes(c)))) return true;
    }
  }
  return false;
}

/**
 * The words of a question that only say what kind of answer it wants ("insult" in "What
 * insult does…", "recommend" in "What does … recommend…"), each with that kind. A sentence
 * of that kind meets them without using the word: "branding the Taliban as “filthy
 * nationalists”" answers the insult, "… is imperative" the recommendation. Only the cue
 * words of ANSWER_TYPE_CUES count, and only inside a span that asks for that kind.
 */
export function answerTypeWords(question: string): Map<string, AnswerType> {
  const q = foldTypography(question).toLowerCase();
  const out = new Map<string, AnswerType>();
  for (const [type, re] of ANSWER_TYPE_PATTERNS) {
    const cue = ANSWER_TYPE_CUES[type];
    if (!cue) continue;
    for (const m of q.matchAll(re)) {
      for (const tok of tokenize(m[0])) if (cue.test(tok.word) && !out.has(tok.word)) out.set(tok.word, type);
    }
  }
  return out;
}


const DIGITS = /\d/;
const CAPITALISED_MID = /(?<=\S\s+)\p{Lu}\p{Ll}+/u;
/** Three or more items in a row: "the Taliban regime, Pakistan, Iran, Central Asian states, and India". */
// An item opens with a non-space: otherwise ",\u2009 " lets the spaces go to either side, and a
// long list without "and" backtracks exponentially.
const SERIES = /(?:[^,;.:\s][^,;.:]{0,39},\s+){2,}(?:and|or)\s+\S/;
/** Two names side by side: "ties with Iran and China". */
const NAMES_JOINED = /(?<=\S\s+)\p{Lu}[\p{L}-]+(?:\s+\p{Lu}[\p{L}-]+)*(?:,\s+|\s+and\s+|\s+or\s+)(?:the\s+)?\p{Lu}\p{Ll}/u;
/**
 * A list question's fit: a sentence naming several things leads one that speaks of them in
 * general ("the regional governments most threatened by the group"). 1.3/1.15/0.95 reordered
 * no lead on the question sets; these put the list first and changed no fact found.
 */
const LIST_FIT = { series: 1.6, pair: 1.35, none: 0.9 };
const MAX_LIST_SENTENCE = 1000;
const REASON_CUES =
  /\b(?:because|due to|to (?:exact|earn|gain|get|provide|escape)|in order to|as a result|driven by|motivat\w*|revenge|reasons?|either to|meaning that|which means|given that|since it)\b/i;
const DEFINITION_CUES = /\b(?:means|meaning|refers to|is known as|is a|defined as|this means)\b/i;
const PRESCRIPTIVE = /\b(?:should|must|need(?:s)? to|ought to|is (?:imperative|crucial|vital|essential|necessary|key)|recommend\w*|requires?)\b/i;
const QUOTED_PHRASE = /["\u201C\u2018'][^"\u201D\u2019']{2,60}["\u201D\u2019']/;

function fitOf(type: AnswerType, sentence: string): number {
  switch (type) {
    case "quantity":
      return !statesFigure(sentence) ? (VAGUE_AMOUNTS.test(sentence) ? 1.05 : 0.75) : DIGITS.test(sentence) ? 1.35 : 1.3;
    case "time":
      // "six to twelve months", "within 18 months", "a year": how soon is answered by a span of time.
      return statesTime(sentence) ? 1.3 : 0.8;
    case "place":
    case "person":
      return CAPITALISED_MID.test(sentence) ? 1.1 : 0.85;
    case "reason":
      return REASON_CUES.test(sentence) ? 1.25 : 1;
    case "definition":
      return DEFINITION_CUES.test(sentence) ? 1.3 : 1;
    case "recommendation":
      return PRESCRIPTIVE.test(sentence) ? 1.3 : 0.9;
    case "term":
      return QUOTED_PHRASE.test(sentence) ? 1.4 : 0.9;
    case "list":
      // Both patterns are tried from every position: a "sentence" longer than a list reads (a
      // table flattened to one line) is not read for one.
      if (sentence.length > MAX_LIST_SENTENCE) return LIST_FIT.none;
      return SERIES.test(sentence) ? LIST_FIT.series : NAMES_JOINED.test(sentence) ? LIST_FIT.pair : LIST_FIT.none;
  }
}


export interface QueryTerms {
  /** Distinct stemmed content terms with their IDF weights. */
  weights: Map<string, number>;
  total: number;
  /** Adjacent query term pairs, for phrase matches. */
  bigrams: Set<string>;
  /**
   * Capitalised names in the question that occur nowhere in the corpus ("Boko Haram",
   * "FIFA"): a question about an entity the documents never mention cannot be answered by them.
   */
  unknownNames: string[];
  /** IDF weight of those names' terms. */
  unknownWeight: number;
  /** IDF-weighted share of the question's terms that occur nowhere in the corpus (0..1). */
  unseenShare: number;
  /**
   * For a question term, corpus terms of nearly the same meaning with the share of the
   * term's weight a match on them earns ("founded" -> "formed" 0.70 x SEMANTIC_CREDIT).
   */
  related: Map<string, Map<string, number>>;
  /** Corpus terms that extend a question term by 3+ letters ("counter" -> "counterterror"). */
  extensions: Map<string, string[]>;
  /** The kinds of answer the question asks for (answerTypesOf). */
  types: AnswerType[];
  /** What a "how many" question counts (countedTermsOf). */
  counted: string[];
  /**
   * What the question asks to be named (namedThingsOf), as written, when the documents use none
   * of its words: "leader" in "Who is the leader of X?" when no document has it; nothing for
   * "emir or leader" when they write "emir".
   */
  named: string[];
  /** For "who is the head of X?" in words the documents use, the role's terms: a sentence that answers mentions one. */
  roles: string[];
  /**
   * For "What is the name of the X …?" in words the documents use, X's head terms: a sentence
   * that answers gives a name beside one ("Jaish al-Adl, a Sunni militant group").
   */
  nameOf: string[];
  /** Terms that only name the kind of answer wanted, met by any sentence of that kind (see answerTypeWords). */
  typeTerms: Map<string, AnswerType>;
  /** Terms the reading puts in place of a typed word ("size" for the "large" of "How large is X?"). */
  substituted: string[];
  /** The same, one entry per term: what scoring a sentence reads, without a lookup per term. */
  entries: QueryTermEntry[];
  /**
   * Every word a passage's sentence can meet an entry with (its term, a related word, an
   * extension), with what meeting it gives. A passage's distinct terms are looked up here, in
   * one small map, rather than each entry's words in every passage's own.
   */
  lookups: Map<string, TermLookup[]>;
  /** The words of `lookups` the corpus indexed, as their numbers (ascending), with their lookups at the same position. */
  lookupIds: Int32Array;
  lookupsById: TermLookup[][];
}

/** What a sentence holding a word gives an entry of the question. */
export interface TermLookup {
  /** Index in QueryTerms.entries. */
  entry: number;
  /** The entry's own term, a related word (earning `share`), or an extension of the term. */
  kind: "term" | "related" | "extension";
  share: number;
}

export interface QueryTermEntry {
  term: string;
  weight: number;
  related?: [string, number][];
  extensions?: string[];
  type?: AnswerType;
}

/**
 * What a place's other form earns ("Iranian" for "Iran"), as a related word: an "American"
 * sentence is often about something else than "America" (0.9 cost "What kind of attack on
 * America …" its passage; 0.6 answered "an attack on Indian soil" from "…threatens India…").
 */
const DEMONYM_SHARE = 0.6;

/** Most question words looked up in the word vectors per question. */
const MAX_EXPANDED = 30;

/**
 * Least similarity between a question word and the corpus's closest form of its stem for the
 * stem to count as the same word. Below it the stem match is a lookalike and earns what a
 * related word of that similarity would.
 */
const FORM_AGREEMENT = 0.4;

/** What a stand-in word earns, per unit of similarity, against an exact match (0.4–0.6 measured alike; 0.8 and 1 lost recall). */
const SEMANTIC_CREDIT = 0.5;

export interface QueryTermOptions {
  /**
   * Weigh each word by its general-English specificity as well as by corpus IDF (with word
   * vectors loaded). On for choosing answer sentences and abstaining; passage ranking keeps
   * plain corpus IDF, which measured better there (MRR@10 0.830 against 0.803 on the project set).
   */
  specificity?: boolean;
}

/**
 * Whether a hyphenated name is known from its parts: all of them ("Islamic-State"), or its
 * capitalised ones when the rest are lower-case prefixes ("ex-ANDSF", "pro-Taliban"): the
 * documents write "former ANDSF", and the name is what must occur in them.
 */
function nameKnownByParts(surface: string, word: string, stats: TermStats): boolean {
  const parts = word.split("-");
  if (parts.length < 2) return false;
  if (parts.every((p) => stats.knowsWord(p))) return true;
  const surfaces = surface.split("-");
  const named = parts.filter((_, i) => /^\p{Lu}/u.test(surfaces[i] ?? ""));
  return named.length > 0 && named.every((p) => stats.knowsWord(p));
}

/**
 * Words of a question written as names: capitalised away from a sentence start, all-caps
 * acronyms anywhere ("CSIS"), or with a capital after a hyphen ("al-Shabaab").
 */
export function namesIn(question: string): { surface: string; word: string; start: number; end: number }[] {
  const folded = foldTypography(question);
  const out: { surface: string; word: string; start: number; end: number }[] = [];
  for (const tok of tokenize(question)) {
    const surface = folded.slice(tok.start, tok.end);
    // A capital after a sentence end is grammar, not a name; an all-caps acronym is a name anywhere.
    const sentenceStart = atSentenceStart(folded, tok.start);
    // Names may open with a lower-case particle: "al-Shabaab", "bin-Laden".
    const capitalised = /^\p{Lu}/u.test(surface) || /-\p{Lu}/u.test(surface);
    const isName = capitalised && (!sentenceStart || /^\p{Lu}{2,}/u.test(surface) || /-\p{Lu}/u.test(surface));
    if (isName && !QUESTION_WORDS.has(tok.word)) out.push({ surface, word: tok.word, start: tok.start, end: tok.end });
  }
  return out;
}

/**
 * A question Written Like A Title, whose capitals mark no names: a small word capitalised after
 * its first word ("What Were The Main Causes Of The War?"). Capitalised content words alone
 * ("What caused the First World War?") are names.
 */
function isTitleCase(question: string): boolean {
  const folded = foldTypography(question);
  return tokenize(folded).some((tok, i) => i > 0 && STOPWORDS.has(tok.word) && tok.word !== "i" && /^\p{Lu}\p{Ll}/u.test(folded.slice(tok.start, tok.end)) && !atSentenceStart(folded, tok.start));
}

/** A name of a question: its words as written, and where it stands. */
export type NameInText = ReturnType<typeof namesIn>[number];

/** The names of a text in runs of adjacent ones, only spaces between ("Crocus City Hall", "Tricia Bacon"). */
export function nameRunsIn(text: string): NameInText[][] {
  const names = namesIn(text);
  const runs: NameInText[][] = [];
  for (let i = 0; i < names.length; ) {
    let j = i;
    while (j + 1 < names.length && /^\s+$/.test(text.slice(names[j]!.end, names[j + 1]!.start))) j++;
    runs.push(names.slice(i, j + 1));
    i = j + 1;
  }
  return runs;
}

/** Terms of a question, question words removed, weighted by IDF. */
export function queryTerms(question: string, stats: TermStats, options: QueryTermOptions = {}): QueryTerms {
  // One ask reads a question's terms several times (BM25 expansion, rerank, answer): computed once.
  // The key carries whether word vectors are on, which the ablation switches at run time.
  const specificity = options.specificity ?? true;
  const keyOf = (withSpecificity: boolean) => `${withSpecificity ? 1 : 0}${stats.related ? 1 : 0}\u0000${question}`;
  const known = stats.recalledQuery(keyOf(specificity));
  if (known) return known;
  // An ask reads both settings (the rerank without specificity, the rest with): one reading of
  // the question makes both, as only the weights differ.
  const [withSpecificity, plain] = computeQueryTerms(question, stats);
  stats.rememberQuery(keyOf(true), withSpecificity);
  stats.rememberQuery(keyOf(false), plain);
  return specificity ? withSpecificity : plain;
}

/**
 * "How big is ISKP?" asks its size: the adjective is what is measured, and a sentence says it
 * with the noun ("doubled in size … to four thousand operatives"). The adjective itself matches
 * only by accident ("largely fallen to"). "strong" and "often" are left as they are: "How often
 * has ISKP attacked Iran?" is answered by a sentence about Iran, not by one about frequency.
 */
const MEASURE_NOUN: Readonly<Record<string, string>> = { big: "size", large: "size" };
// Only of a name: "How large was the increase in attacks?" asks the increase, not a size.
const HOW_MEASURE = /\b[Hh]ow\s+(big|large)\s+(?:is|are|was|were|has|have)\s+(?:the\s+)?\p{Lu}/u;

/** A question's terms with specificity weighting and without (QueryTermOptions), in that order. */
function computeQueryTerms(question: string, stats: TermStats): [QueryTerms, QueryTerms] {
  const analyzer = stats.analyzer;
  const measured = HOW_MEASURE.exec(foldTypography(question))?.[1]?.toLowerCase();
  const words = analyzer
    .words(question)
    .filter((w) => !QUESTION_WORDS.has(w))
    .map((w) => (w === measured ? MEASURE_NOUN[w]! : w));
  const terms = words.map((w) => (analyzer.isAlias(w) ? w : stem(w)));
  const weightsWith = (withSpecificity: boolean) => {
    const weights = new Map<string, number>();
    terms.forEach((t, i) => {
      const specificity = stats.related && withSpecificity && !analyzer.isAlias(t) ? stats.related.specificity(words[i]!) : 1;
      weights.set(t, Math.max(weights.get(t) ?? 0, stats.idf(t) * specificity));
    });
    return weights;
  };
  // Both weightings hold the same terms in the same order; the plain one decides which words
  // the rest of the reading keeps.
  const weights = weightsWith(false);
  const bigrams = new Set<string>();
  for (let i = 1; i < terms.length; i++) bigrams.add(`${terms[i - 1]} ${terms[i]}`);

  const unknownNames: string[] = [];
  let unknownWeight = 0;
  const folded = foldTypography(question);
  const related = new Map<string, Map<string, number>>();
  // Terms the question shares with the corpus only by stemming two different words: met as a
  // related word would be, at this share.
  const lookalike = new Map<string, number>();
  // …unless another word of the question is the corpus's own form ("found" beside "founded").
  const asWritten = new Set<string>();
  const lowerWords = new Set<string>();
  for (const tok of tokenize(question)) {
    const surface = folded.slice(tok.start, tok.end);
    if (/^\p{Ll}+$/u.test(surface)) lowerWords.add(tok.word);
  }
  if (stats.related) {
    // Only plain lower-case words: a name must be matched as written, never by a neighbour
    // ("Pakistan" is close to "Afghanistan" in any word space).
    let expanded = 0;
    for (const w of words) {
      // Each new word costs a pass over the corpus vocabulary: a pasted essay gets no more
      // than MAX_EXPANDED of them.
      if (expanded >= MAX_EXPANDED) break;
      if (!lowerWords.has(w) || analyzer.isAlias(w)) continue;
      // A name of the corpus typed in lower case ("pakistan") is still a name.
      if (stats.knowsWord(w) && !stats.seenLowercase(w)) continue;
      const term = stem(w);
      const alternatives = new Map<string, number>();
      for (const r of stats.related.of(w)) if (!weights.has(r.term)) alternatives.set(r.term, SEMANTIC_CREDIT * r.similarity);
      expanded++;
      if (alternatives.size > 0) related.set(term, alternatives);
      const agreement = stats.related.formAgreement(w, term);
      if (agreement < FORM_AGREEMENT) lookalike.set(term, Math.min(lookalike.get(term) ?? 1, SEMANTIC_CREDIT * Math.max(0, agreement)));
      else asWritten.add(term);
    }
    for (const term of asWritten) lookalike.delete(term);
  }
  const nameRuns = nameRunsIn(question);
  // "What does Iran say …?" is answered by "the Iranian government …": a name meets its
  // demonym, and the reverse, as a related word. Only a name the documents use themselves: a
  // made-up one that begins like theirs ("Indiana", "Talib") is no form of it.
  for (const { surface } of nameRuns.flat()) {
    for (const t of analyzer.terms(surface)) {
      if (analyzer.isAlias(t) || t.length < 4 || !stats.has(t)) continue;
      const forms = stats.sameNamedTerms(t);
      if (forms.length === 0) continue;
      const alternatives = related.get(t) ?? new Map<string, number>();
      for (const x of forms) alternatives.set(x, DEMONYM_SHARE);
      related.set(t, alternatives);
    }
  }
  // A name the corpus writes in another inflection is known: "Iranians" by "Iranian". Not one
  // that only begins like a name of theirs ("Indiana", "Irani"), nor one of whose terms they
  // lack ("al-Shabaab" shares only "al" with "al-Qaeda").
  const otherForm = (surface: string) => {
    const terms = analyzer.terms(surface);
    return terms.length > 0 && terms.every((t) => stats.has(t));
  };
  // Only the words the corpus lacks weigh. A name it lacks whole is reported whole ("Boko
  // Haram"); one it knows in part, by the part it lacks, in the name: "“Kenneth” in “General
  // Kenneth McKenzie”", not "Kenneth", nor the whole name, whose "McKenzie" it does mention.
  const titleCase = isTitleCase(question);
  for (const run of nameRuns) {
    const unknown = run.filter(({ surface, word }) => !(stats.knowsWord(word) || nameKnownByParts(surface, word, stats) || otherForm(surface)));
    // "the First World War": a name of three or more words the documents use, but only as
    // common words ("first", "world", "war") and never two side by side, in either order, is
    // no name of theirs. One of their names in it ("President Biden"), or two of its words
    // side by side in them ("Maternity Ward"), makes it theirs. Two capitalised common words
    // are as often a phrase an analyst stresses ("Safe Haven", "Western Intelligence").
    if (unknown.length === 0 && run.length >= 3 && !titleCase && run.every(({ word }) => stats.seenLowercase(word))) {
      const terms = analyzer.terms(question.slice(run[0]!.start, run[run.length - 1]!.end));
      const together = (a: string, b: string) => stats.writesTogether(a, b) || stats.writesTogether(b, a);
      if (terms.length >= 3 && !terms.some((t, i) => i > 0 && together(terms[i - 1]!, t))) unknown.push(...run);
    }
    if (unknown.length === 0) continue;
    const whole = question.slice(run[0]!.start, run[run.length - 1]!.end);
    unknownNames.push(unknown.length === run.length ? whole : `“${unknown.map((n) => n.surface).join(" ")}” in “${whole}”`);
    for (const { surface } of unknown) for (const t of analyzer.terms(surface)) unknownWeight += stats.idf(t);
  }
  const extensions = new Map<string, string[]>();
  for (const t of weights.keys()) {
    const longer = t.length >= 5 ? stats.termsExtending(t) : [];
    if (longer.length > 0) extensions.set(t, longer);
  }
  const typeTerms = new Map<string, AnswerType>();
  for (const [word, type] of answerTypeWords(question)) {
    // Place and person cues (any capitalised word) are too common to stand in for a word.
    if (type === "place" || type === "person") continue;
    const term = analyzer.isAlias(word) ? word : stem(word);
    if (weights.has(term)) typeTerms.set(term, type);
  }
  const types = answerTypesOf(question);
  const counted = types.includes("quantity") ? countedTermsOf(question) : [];
  // Only words the documents never use, and only when they use none of the alternatives: one
  // they do use ("affiliates", "chief", the "emir" of "emir or leader") may name the thing in a
  // sentence, and the ranking already weighs it.
  const phrase = namedPhraseOf(question);
  const namedThings = phrase.role ? withOffices(phrase.heads) : phrase.heads;
  const unused = namedThings.filter((w) => {
    const terms = analyzer.terms(w);
    return terms.length > 0 && !terms.some((t) => stats.has(t));
  });
  const named = unused.length === namedThings.length ? unused : [];
  const roles = named.length === 0 && phrase.role ? namedThings.flatMap((w) => analyzer.terms(w)) : [];
  const nameOf = named.length === 0 && !phrase.role ? namedThings.flatMap((w) => analyzer.terms(w)) : [];
  const entriesOf = (weighted: Map<string, number>): QueryTermEntry[] =>
    [...weighted].map(([term, weight]) => ({
      term,
      weight,
      related: related.has(term) ? [...related.get(term)!] : undefined,
      extensions: extensions.get(term),
      type: typeTerms.get(term),
    }));
  const plainEntries = entriesOf(weights);
  const lookups = new Map<string, TermLookup[]>();
  const lookup = (word: string, found: TermLookup) => {
    const known = lookups.get(word);
    if (known) known.push(found);
    else lookups.set(word, [found]);
  };
  plainEntries.forEach(({ term, related: alternatives, extensions: longer }, entry) => {
    const share = lookalike.get(term);
    lookup(term, share === undefined ? { entry, kind: "term", share: 1 } : { entry, kind: "related", share });
    for (const [alt, share] of alternatives ?? []) lookup(alt, { entry, kind: "related", share });
    for (const x of longer ?? []) lookup(x, { entry, kind: "extension", share: PREFIX_CREDIT });
  });
  const byId: [number, TermLookup[]][] = [];
  for (const [word, found] of lookups) {
    const id = stats.idOf(word);
    if (id !== undefined) byId.push([id, found]);
  }
  byId.sort((a, b) => a[0] - b[0]);
  const lookupIds = new Int32Array(byId.length);
  byId.forEach(([id], i) => (lookupIds[i] = id));
  const lookupsById = byId.map(([, found]) => found);
  const finish = (weighted: Map<string, number>, entries: QueryTermEntry[]): QueryTerms => {
    let total = 0;
    for (const w of weighted.values()) total += w;
    let unseen = 0;
    // A word that only says what kind of answer is wanted ("recommend", "insult") is met by a
    // sentence of that kind, not by the word: the documents need not use it.
    for (const [t, w] of weighted) if (!stats.has(t) && !typeTerms.has(t)) unseen += w;
    return {
      weights: weighted,
      total,
      bigrams,
      unknownNames,
      unknownWeight,
      unseenShare: total > 0 ? unseen / total : 1,
      related,
      extensions,
      types,
      counted,
      named,
      roles,
      nameOf,
      typeTerms,
      substituted: measured ? [stem(MEASURE_NOUN[measured]!)] : [],
      entries,
      lookups,
      lookupIds,
      lookupsById,
    };
  };
  const specific = stats.related ? weightsWith(true) : weights;
  return [finish(specific, stats.related ? entriesOf(specific) : plainEntries), finish(weights, plainEntries)];
}

/**
 * What a sentence is, apart from any question: its shape and which kinds of answer it
 * carries. Computed once per sentence of a chunk and reused by every question.
 */
export interface SentenceFeatures {
  /** Length and statement fit: headings, fragments and very long sentences weigh less. */
  shape: number;
  /** Whether it closes as a statement (endsAsStatement): a heading or byline does not. */
  statement: boolean;
  /** Adjacent term pairs (phrase matches), each with how often the sentence has it. */
  bigrams: Map<string, number>;
  /** How well the sentence carries each kind of answer (1 = neutral), filled in as questions ask for them. */
  fits: Partial<Record<AnswerType, number>>;
  /** What each of its figures may count (figureSubjects), read once, when a "how many" question asks. */
  subjects?: FigureSubjects;
}

export function sentenceFeatures(terms: string[], text: string): SentenceFeatures {
  const words = terms.length;
  // Headings and fragments are not answers; very long sentences dilute.
  const lengthFit = words < 5 ? 0.3 : words < 8 ? 0.75 : words > 60 ? 0.85 : 1;
  const statement = endsAsStatement(text);
  const statementFit = statement ? 1 : 0.5;
  const bigrams = new Map<string, number>();
  for (let i = 1; i < terms.length; i++) {
    const pair = `${terms[i - 1]} ${terms[i]}`;
    bigrams.set(pair, (bigrams.get(pair) ?? 0) + 1);
  }
  return { shape: lengthFit * statementFit, statement, bigrams, fits: {} };
}

function cachedFit(features: SentenceFeatures, type: AnswerType, text: string): number {
  return (features.fits[type] ??= fitOf(type, text));
}

/**
 * A "how many" answer is a figure of what was asked about: a sentence counting it fits
 * better than one with a figure of something else ("over the past 20 years" for "how many
 * attacks"). On the three question sets 2.5 and 3.2 measured alike and 1.8 chose that
 * sentence (fact recall 0.828 against 0.845 on the project set). Other figures keep their
 * fit: lowering it dropped the second source of a "the sources give different figures" list.
 */
const COUNTED_FIT = 2.5;

/** cachedFit, with a "how many" question's fit raised for a sentence that counts what it asks about. */
function fitFor(features: SentenceFeatures, type: AnswerType, text: string, query: QueryTerms): number {
  if (type !== "quantity" || query.counted.length === 0) return cachedFit(features, type, text);
  return countsAskedThing(text, query.counted, (features.subjects ??= figureSubjects(text))) ? COUNTED_FIT : cachedFit(features, type, text);
}

export interface SentenceScore {
  /** IDF-weighted share of the question's terms the sentence (with its context) covers (0..1). */
  coverage: number;
  /** Final score used for ranking. */
  score: number;
  matched: ReadonlySet<string>;
  /** Question terms met only through a related word, with the share of their weight earned. */
  partial: ReadonlyMap<string, number>;
}

const NEIGHBOUR_CREDIT = 0.4;
const FAR_NEIGHBOUR_CREDIT = 0.25;
/** "counter" in a question half-matches "counterterrorism" in a sentence: compounds hide words. */
const PREFIX_CREDIT = 0.5;
const DOCUMENT_CREDIT = 0.5;
/** "insult" met by a quoted label, "recommend" by "… is imperative": the kind asked for, not the word. */
const TYPE_WORD_CREDIT = 1;

/** How a question entry is met in a sentence, best first. Related words are kept apart, as a share. */
const EXACT = 1;
const EXTENDED = 2;
const NEIGHBOUR = 3;
const FAR_NEIGHBOUR = 4;

/**
 * Where each of a question's entries occurs in one passage's sentences. Built from the chunk's
 * term index with one lookup per entry (and per related word and extension), where scoring each
 * sentence against its own term set took one per sentence: a question meets a passage in a
 * handful of places, and the other sentences are settled by reading zeros.
 */
export interface PassageMatches {
  /** Sentences of the passage. */
  count: number;
  /** Per entry e and sentence i, at e * count + i: EXACT, EXTENDED, NEIGHBOUR, FAR_NEIGHBOUR or 0 (none of these). */
  level: Uint8Array;
  /** At the same places: the best share a related word of the entry present in the sentence earns (0: none). */
  related: Float64Array;
  /** Per entry: 1 when the document's header (title, site, byline) holds the term (see entriesInHeader). */
  inHeader: Uint8Array;
}

// Scratch for matchPassage, grown as needed: scoring runs synchronously, one passage at a time,
// and per-passage typed arrays would each cost an off-heap allocation.
let levelScratch = new Uint8Array(1024);
let relatedScratch = new Float64Array(1024);
const NOT_IN_HEADER = new Uint8Array(0);

/** Per entry of the question, 1 when a document's header (title, site, byline) holds its term. */
export function entriesInHeader(query: QueryTerms, header: ReadonlySet<string>): Uint8Array {
  const inHeader = new Uint8Array(query.entries.length);
  query.entries.forEach(({ term }, e) => {
    if (header.has(term)) inHeader[e] = 1;
  });
  return inHeader;
}

/**
 * Where the question's entries occur in a chunk's sentences (see PassageMatches), with
 * `inHeader` from entriesInHeader for the chunk's document. The result shares scratch memory
 * with the next call: read it before matching another passage.
 */
export function matchPassage(query: QueryTerms, chunk: ChunkSentences, inHeader: Uint8Array = NOT_IN_HEADER): PassageMatches {
  const count = chunk.sentences.length;
  const size = query.entries.length * count;
  if (levelScratch.length < size) {
    levelScratch = new Uint8Array(size * 2);
    relatedScratch = new Float64Array(size * 2);
  }
  const level = levelScratch;
  const related = relatedScratch;
  level.fill(0, 0, size);
  related.fill(0, 0, size);
  const { termIds, idSentences, otherTerms, sentences } = chunk;
  heldBases.length = 0;
  heldSentences.length = 0;
  const { lookupIds, lookupsById } = query;
  for (let k = 0, q = 0; k < termIds.length && q < lookupIds.length; k++) {
    const id = termIds[k]!;
    while (q < lookupIds.length && lookupIds[q]! < id) q++;
    if (lookupIds[q] === id) applyLookups(lookupsById[q]!, idSentences[k]!, count, level, related);
  }
  for (const [term, at] of otherTerms) {
    const found = query.lookups.get(term);
    if (found) applyLookups(found, at, count, level, related);
  }
  // The exact term, one or two sentences away in the same paragraph, counts at a discount
  // (after every exact and extended place is known: those rank above a neighbour).
  for (let h = 0; h < heldBases.length; h++) {
    const base = heldBases[h]!;
    for (const j of heldSentences[h]!) {
      const paragraph = sentences[j]!.paragraph;
      for (const d of NEAR) {
        const i = j + d;
        if (i < 0 || i >= count || sentences[i]!.paragraph !== paragraph) continue;
        const place = base + i;
        if (level[place] === 0 || level[place] === FAR_NEIGHBOUR) level[place] = NEIGHBOUR;
      }
      for (const d of FAR) {
        const i = j + d;
        if (i < 0 || i >= count || sentences[i]!.paragraph !== paragraph) continue;
        if (level[base + i] === 0) level[base + i] = FAR_NEIGHBOUR;
      }
    }
  }
  return { count, level, related, inHeader };
}

/** Where matchPassage found entries' own terms (each entry's base in `level`, and its sentences), for the neighbours' pass. */
const heldBases: number[] = [];
const heldSentences: number[][] = [];

/** Marks the sentences `at` for each entry a word meets (see TermLookup). */
function applyLookups(found: TermLookup[], at: number[], count: number, level: Uint8Array, related: Float64Array): void {
  for (const { entry, kind, share } of found) {
    const base = entry * count;
    if (kind === "term") {
      for (const i of at) level[base + i] = EXACT;
      heldBases.push(base);
      heldSentences.push(at);
    } else if (kind === "related") {
      for (const i of at) if (share > related[base + i]!) related[base + i] = share;
    } else {
      for (const i of at) if (level[base + i] === 0) level[base + i] = EXTENDED;
    }
  }
}

const NEAR = [-1, 1];
const FAR = [-2, 2];

/**
 * What scoring one sentence found, per entry of the question. One row is reused for every
 * sentence (read it before scoring the next): ranking a question's passages scores hundreds of
 * sentences and keeps only sums of them.
 */
export interface SentenceRow {
  /** IDF-weighted share of the question's terms the sentence (with its context) covers (0..1). */
  coverage: number;
  /** Final score used for ranking. */
  score: number;
  /** Per entry: 1 when the sentence holds the term itself. */
  exact: Uint8Array;
  /** Per entry: the share of its weight a related word, or the sentence's kind, earns a term not held itself (0: none). */
  partial: Float64Array;
}

let rowScratch: SentenceRow = { coverage: 0, score: 0, exact: new Uint8Array(64), partial: new Float64Array(64) };

/**
 * Query-focused score of sentence `i` of a matched passage. A question term found only in a
 * neighbouring sentence ("Instigating so many enemies…" after "ISKP is a wholly rejectionist
 * group…") or in the document's header ("CSIS") counts at a discount. The row returned is
 * overwritten by the next call.
 */
export function scoreSentenceRow(
  matches: PassageMatches,
  i: number,
  sentenceText: string,
  features: SentenceFeatures,
  query: QueryTerms,
  types: AnswerType[],
  passagePrior: number,
  kindIsEvidence = false,
): SentenceRow {
  const entries = query.entries;
  if (rowScratch.exact.length < entries.length) {
    rowScratch = { coverage: 0, score: 0, exact: new Uint8Array(entries.length * 2), partial: new Float64Array(entries.length * 2) };
  }
  const row = rowScratch;
  const { exact, partial } = row;
  let held = 0;
  let weight = 0;
  let shapeWeight = 0;
  const { count, level, related, inHeader } = matches;
  for (let e = 0; e < entries.length; e++) {
    const { weight: w, type } = entries[e]!;
    const at = e * count + i;
    const met = level[at];
    partial[e] = 0;
    if (met === EXACT) {
      exact[e] = 1;
      held++;
      weight += w;
      continue;
    }
    exact[e] = 0;
    let credit = related[at]!;
    if (credit > 0) partial[e] = credit;
    else if (met === EXTENDED) credit = PREFIX_CREDIT;
    else if (met === NEIGHBOUR) credit = NEIGHBOUR_CREDIT;
    else if (met === FAR_NEIGHBOUR) credit = FAR_NEIGHBOUR_CREDIT;
    else if (inHeader[e]) credit = DOCUMENT_CREDIT;
    weight += credit * w;
    if (type && credit < TYPE_WORD_CREDIT && cachedFit(features, type, sentenceText) > 1) {
      // The right kind of sentence ranks higher, but it is no evidence that the documents are
      // about what was asked: this credit stays out of the coverage abstention is decided on.
      // Unless the question names its source, which says what it is about: "What does Khalid
      // Iqbal recommend against ISKP?" is answered by that article's prescriptions.
      partial[e] = TYPE_WORD_CREDIT;
      if (kindIsEvidence) weight += (TYPE_WORD_CREDIT - credit) * w;
      else shapeWeight += (TYPE_WORD_CREDIT - credit) * w;
    }
  }
  const coverage = query.total > 0 ? weight / query.total : 0;
  const rankShare = query.total > 0 ? (weight + shapeWeight) / query.total : 0;
  let phrase = 0;
  // Phrases need two matched terms; most sentences have fewer and skip the scan.
  if (held >= 2) for (const b of query.bigrams) phrase += features.bigrams.get(b) ?? 0;
  const phraseBonus = 1 + 0.15 * Math.min(phrase, 3);
  let typeFit = 1;
  for (const type of types) typeFit *= fitFor(features, type, sentenceText, query);
  row.coverage = coverage;
  row.score = rankShare * phraseBonus * features.shape * typeFit * (0.85 + 0.15 * passagePrior);
  return row;
}

/** A row of scoreSentenceRow with the terms met as sets, for callers that keep each sentence's findings. */
export function sentenceScoreOf(row: SentenceRow, query: QueryTerms): SentenceScore {
  const { coverage, score, exact, partial } = row;
  // Most sentences match little: their sets are allocated only once they have a member.
  let matched: Set<string> | undefined;
  let partialTerms: Map<string, number> | undefined;
  query.entries.forEach(({ term }, e) => {
    if (exact[e]) (matched ??= new Set()).add(term);
    else if (partial[e]! > 0) (partialTerms ??= new Map()).set(term, partial[e]!);
  });
  return { coverage, score, matched: matched ?? NO_TERMS, partial: partialTerms ?? NO_CREDITS };
}

const NO_TERMS: ReadonlySet<string> = new Set();
const NO_CREDITS: ReadonlyMap<string, number> = new Map();
