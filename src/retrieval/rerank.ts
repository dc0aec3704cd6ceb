import {
  entriesInHeader,
  matchPassage,
  queryTerms,
  sentenceScoreOf,
  scoreSentenceRow,
  type ChunkSentences,
  type PassageMatches,
  type QueryTermOptions,
  type QueryTerms,
  type TermStats,
} from "./scoring.js";
import type { Passage } from "./types.js";

export interface CandidateSentence {
  text: string;
  /** Offsets in the document's cleaned text. */
  start: number;
  end: number;
  passageIndex: number;
  terms: string[];
  coverage: number;
  score: number;
  matched: ReadonlySet<string>;
  partial: ReadonlyMap<string, number>;
  /** Whether it closes as a statement, read once per sentence (unset for sentences added to an answer after the choice). */
  statement?: boolean;
}

/**
 * Visits every sentence of the passages once, with its passage's matches and prior: sentences
 * repeated by overlapping chunks are visited in the higher-ranked passage only.
 */
function forEachNewSentence(
  query: QueryTerms,
  passages: Passage[],
  stats: TermStats,
  contextOf: ((documentId: string) => string) | undefined,
  visit: (passageIndex: number, prior: number, chunk: ChunkSentences, i: number, matches: PassageMatches, start: number) => void,
): void {
  /** Per document, the start offsets of the sentences already visited and which entries its header holds. */
  const documents = new Map<string, { seen: Set<number>; inHeader?: Uint8Array }>();
  passages.forEach((p, passageIndex) => {
    const prior = passages.length > 1 ? 1 - passageIndex / (passages.length - 1) : 1;
    let document = documents.get(p.documentId);
    if (!document) {
      const inHeader = contextOf ? entriesInHeader(query, stats.termSetOf(contextOf(p.documentId))) : undefined;
      documents.set(p.documentId, (document = { seen: new Set(), inHeader }));
    }
    const seenInDocument = document.seen;
    const chunk = stats.sentencesOf(p.text);
    const matches = matchPassage(query, chunk, document.inHeader);
    chunk.sentences.forEach((s, i) => {
      const start = p.start + s.start;
      if (seenInDocument.has(start)) return;
      seenInDocument.add(start);
      visit(passageIndex, prior, chunk, i, matches, start);
    });
  });
}

/**
 * Every sentence of the passages, scored against the question with its neighbours and its
 * document's header as discounted context. Sentences repeated by overlapping chunks are
 * scored once, in the higher-ranked passage.
 */
export function scoreCandidates(
  question: string,
  passages: Passage[],
  stats: TermStats,
  contextOf?: (documentId: string) => string,
  termOptions: QueryTermOptions = {},
  /** A sentence of the kind asked for ("should …" for "recommend") covers the word asking for it: see scoreSentenceRow. */
  kindIsEvidence = false,
): { candidates: CandidateSentence[]; unknownNames: string[]; queryWeight: number; unseenShare: number; query: QueryTerms } {
  const query = queryTerms(question, stats, termOptions);
  const candidates: CandidateSentence[] = [];
  forEachNewSentence(query, passages, stats, contextOf, (passageIndex, prior, chunk, i, matches, start) => {
    const s = chunk.sentences[i]!;
    const row = scoreSentenceRow(matches, i, s.text, chunk.features[i]!, query, query.types, prior, kindIsEvidence);
    const { coverage, score, matched, partial } = sentenceScoreOf(row, query);
    const features = chunk.features[i]!;
    candidates.push({ text: s.text, start, end: start + s.end - s.start, passageIndex, terms: chunk.terms[i]!, coverage, score, matched, partial, statement: features.statement });
  });
  return { candidates, unknownNames: query.unknownNames, queryWeight: query.total, unseenShare: query.unseenShare, query };
}

/** Tuned on the project question set (recall@5, MRR@10); fused rank alone scores 0.91 there. */
export const RERANK_WEIGHTS = { fused: 0.5, sentence: 0.3, passage: 0.2 };

/**
 * Re-orders fused candidates by how well their best sentence answers the question: the
 * fused rank says "about the topic", the sentence score says "says the thing asked".
 * Sentences are scored as in scoreCandidates, but only their sums per passage are kept.
 */
export function rerankPassages(
  question: string,
  passages: Passage[],
  stats: TermStats,
  contextOf?: (documentId: string) => string,
  weights = RERANK_WEIGHTS,
): { passages: Passage[]; bestSentence: Map<string, string[]> } {
  const query = queryTerms(question, stats, { specificity: false });
  const entries = query.entries;
  const best = new Array<number>(passages.length).fill(0);
  const bestTerms = new Array<string[]>(passages.length).fill([]);
  // Per passage and entry (at passageIndex * entries + e): whether a sentence holds the term
  // itself, and the best share a related word or a sentence's kind earns it.
  const exactIn = new Array<number>(passages.length * entries.length).fill(0);
  // Filled with a fraction first so the array holds doubles from the start (no conversion later).
  const partialIn = new Array<number>(passages.length * entries.length).fill(0.5).fill(0);
  forEachNewSentence(query, passages, stats, contextOf, (passageIndex, prior, chunk, i, matches) => {
    const row = scoreSentenceRow(matches, i, chunk.sentences[i]!.text, chunk.features[i]!, query, query.types, prior);
    const base = passageIndex * entries.length;
    for (let e = 0; e < entries.length; e++) {
      if (row.exact[e]) exactIn[base + e] = 1;
      else if (row.partial[e]! > partialIn[base + e]!) partialIn[base + e] = row.partial[e]!;
    }
    if (row.score > best[passageIndex]!) {
      best[passageIndex] = row.score;
      bestTerms[passageIndex] = chunk.terms[i]!;
    }
  });
  // Passage coverage: a multi-part question ("what two steps…") is often answered across
  // sentences, none of which matches much on its own.
  // The document's header counts for the passage too, at half weight: a question naming the
  // source ("the CSIS analysis") points into that document.
  const coverage = passages.map((p, i) => {
    const header = contextOf ? stats.termSetOf(contextOf(p.documentId)) : NO_TERMS;
    const base = i * entries.length;
    let w = 0;
    for (let e = 0; e < entries.length; e++) {
      const { term, weight } = entries[e]!;
      w += exactIn[base + e] ? weight : Math.max(partialIn[base + e]!, header.has(term) ? 0.5 : 0) * weight;
    }
    return query.total > 0 ? w / query.total : 0;
  });
  const maxFused = Math.max(...passages.map((p) => p.fusedScore)) || 1;
  const maxSentence = Math.max(...best) || 1;
  const maxCoverage = Math.max(...coverage) || 1;
  const bestSentence = new Map(passages.map((p, i) => [p.chunkId, bestTerms[i]!] as const));
  // The reported score is the ranking key, so results read best first by their own score.
  const reranked = passages
    .map((p, i) => ({
      ...p,
      score:
        weights.fused * (p.fusedScore / maxFused) +
        weights.sentence * (best[i]! / maxSentence) +
        weights.passage * (coverage[i]! / maxCoverage),
    }))
    .sort((a, b) => b.score - a.score);
  return { passages: reranked, bestSentence };
}

const NO_TERMS: ReadonlySet<string> = new Set();
