import { splitSentences } from "../text/sentences.js";
import { answerTypesOf, queryTerms, scoreSentence, type TermStats } from "./scoring.js";
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
  matched: Set<string>;
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
): { candidates: CandidateSentence[]; unknownNames: string[]; queryWeight: number; unseenShare: number } {
  const query = queryTerms(question, stats);
  const types = answerTypesOf(question);
  const seen = new Set<string>();
  const candidates: CandidateSentence[] = [];
  const docTerms = new Map<string, Set<string>>();
  passages.forEach((p, passageIndex) => {
    const prior = passages.length > 1 ? 1 - passageIndex / (passages.length - 1) : 1;
    let document = docTerms.get(p.documentId);
    if (!document) {
      document = new Set(contextOf ? stats.analyzer.terms(contextOf(p.documentId)) : []);
      docTerms.set(p.documentId, document);
    }
    const sentences = splitSentences(p.text);
    const termsOf = sentences.map((s) => stats.analyzer.terms(s.text));
    sentences.forEach((s, i) => {
      const start = p.start + s.start;
      const key = `${p.documentId}:${start}`;
      if (seen.has(key)) return;
      seen.add(key);
      const neighbours = new Set<string>();
      for (const j of [i - 1, i + 1]) {
        if (j >= 0 && j < sentences.length && sentences[j]!.paragraph === s.paragraph) termsOf[j]!.forEach((t) => neighbours.add(t));
      }
      const scored = scoreSentence(termsOf[i]!, s.text, query, types, prior, { neighbours, document });
      candidates.push({ text: s.text, start, end: p.start + s.end, passageIndex, terms: termsOf[i]!, ...scored });
    });
  });
  return { candidates, unknownNames: query.unknownNames, queryWeight: query.total, unseenShare: query.unseenShare };
}

/**
 * Re-orders fused candidates by how well their best sentence answers the question: the
 * fused rank says "about the topic", the sentence score says "says the thing asked".
 */
export function rerankPassages(
  question: string,
  passages: Passage[],
  stats: TermStats,
  contextOf?: (documentId: string) => string,
  weights = { fused: 0.45, sentence: 0.55 },
): { passages: Passage[]; bestSentence: Map<string, string[]> } {
  const { candidates } = scoreCandidates(question, passages, stats, contextOf);
  const best = new Array<number>(passages.length).fill(0);
  const bestTerms = new Array<string[]>(passages.length).fill([]);
  for (const c of candidates) {
    if (c.score > best[c.passageIndex]!) {
      best[c.passageIndex] = c.score;
      bestTerms[c.passageIndex] = c.terms;
    }
  }
  const maxFused = Math.max(...passages.map((p) => p.fusedScore)) || 1;
  const maxSentence = Math.max(...best) || 1;
  const bestSentence = new Map(passages.map((p, i) => [p.chunkId, bestTerms[i]!] as const));
  // The reported score is the ranking key, so results read best first by their own score.
  const reranked = passages
    .map((p, i) => ({ ...p, score: weights.fused * (p.fusedScore / maxFused) + weights.sentence * (best[i]! / maxSentence) }))
    .sort((a, b) => b.score - a.score);
  return { passages: reranked, bestSentence };
}
