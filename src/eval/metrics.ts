import { z } from "zod";

/** One line of a question file (the format of tests/eval/questions.jsonl). */
export const EvalQuestionSchema = z.object({
  id: z.string(),
  question: z.string().min(1),
  answerable: z.boolean(),
  evidence: z.array(z.string()),
  facts: z.array(z.array(z.string()).min(1)),
});
export type EvalQuestion = z.infer<typeof EvalQuestionSchema>;

export function parseQuestionFile(text: string): EvalQuestion[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, i) => {
      try {
        return EvalQuestionSchema.parse(JSON.parse(line));
      } catch (err) {
        throw new Error(`line ${i + 1}: ${(err as Error).message.split("\n")[0]}`);
      }
    });
}

/** The comparison normal form: straight quotes, ASCII dashes, single spaces, lower case. */
export function normaliseForMatch(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201A\u201B]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F]/g, '"')
    .replace(/[\u2013\u2014]/g, "-")
    .replace(/\s+/g, " ")
    .toLowerCase()
    .trim();
}

/** A passage covers a snippet when it holds it whole or, past 40 characters, its first or last 40. */
export function covers(passage: string, snippet: string): boolean {
  const p = normaliseForMatch(passage);
  const s = normaliseForMatch(snippet);
  if (p.includes(s)) return true;
  return s.length > 40 && (p.includes(s.slice(0, 40)) || p.includes(s.slice(-40)));
}

export function firstCoveringRank(passages: string[], evidence: string[]): number | null {
  const i = passages.findIndex((p) => evidence.some((e) => covers(p, e)));
  return i < 0 ? null : i + 1;
}

export function containsFact(text: string, alternatives: string[]): boolean {
  const t = normaliseForMatch(text);
  return alternatives.some((a) => t.includes(normaliseForMatch(a)));
}

/** Sentences of an answer, each with its own markers; a bullet or line is a sentence too. */
function answerSentences(answer: string): string[] {
  return answer
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?]["'\u201D\u2019)]?(?:\s*\[\d+\])*)\s+(?=[^\s\[])/))
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * For each fact group present in the answer: is it supported? The `[n]` markers in the
 * sentence stating it (or else the first marker after it) must name a citation whose text
 * contains the fact.
 */
export function citationSupport(
  answer: string,
  citations: { n: number; text: string }[],
  facts: string[][],
): { present: number; supported: number; unsupported: string[] } {
  const sentences = answerSentences(answer);
  const byN = new Map(citations.map((c) => [c.n, c.text]));
  let present = 0;
  let supported = 0;
  const unsupported: string[] = [];
  for (const group of facts) {
    if (!containsFact(answer, group)) continue;
    present++;
    let ok = false;
    for (let i = 0; i < sentences.length && !ok; i++) {
      const s = sentences[i]!;
      const alt = group.find((a) => normaliseForMatch(s).includes(normaliseForMatch(a)));
      if (!alt) continue;
      let markers = [...s.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
      if (markers.length === 0) {
        const later = sentences.slice(i + 1).join(" ").match(/\[(\d+)\]/);
        markers = later ? [Number(later[1])] : [];
      }
      ok = markers.some((n) => {
        const text = byN.get(n);
        return text !== undefined && containsFact(text, [alt]);
      });
    }
    if (ok) supported++;
    else unsupported.push(group.join(" | "));
  }
  return { present, supported, unsupported };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export interface QuestionOutcome {
  id: string;
  question: string;
  answerable: boolean;
  rank: number | null;
  abstained: boolean;
  factsOk: boolean;
  missingFacts: string[];
  support: { present: number; supported: number; unsupported: string[] };
  ms: number;
  answer: string;
  /** The answer's warnings: any says part of the pipeline was missing (the embedder down). */
  warnings: string[];
}

export interface EvalMetrics {
  questions: number;
  answerable: number;
  unanswerable: number;
  recallAt5: number;
  mrrAt10: number;
  factRecall: number;
  citationSupport: number;
  abstention: number;
  falseAbstention: number;
  p50Ms: number;
  p95Ms: number;
}

export function summarise(outcomes: QuestionOutcome[]): EvalMetrics {
  const ans = outcomes.filter((o) => o.answerable);
  const unans = outcomes.filter((o) => !o.answerable);
  const share = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1000) / 1000);
  const present = ans.reduce((s, o) => s + o.support.present, 0);
  const supported = ans.reduce((s, o) => s + o.support.supported, 0);
  const ms = outcomes.map((o) => o.ms);
  return {
    questions: outcomes.length,
    answerable: ans.length,
    unanswerable: unans.length,
    recallAt5: share(ans.filter((o) => o.rank !== null && o.rank <= 5).length, ans.length),
    mrrAt10: share(
      ans.reduce((s, o) => s + (o.rank !== null && o.rank <= 10 ? 1 / o.rank : 0), 0),
      ans.length,
    ),
    factRecall: share(ans.filter((o) => o.factsOk).length, ans.length),
    citationSupport: present === 0 ? 0 : share(supported, present),
    abstention: share(unans.filter((o) => o.abstained).length, unans.length),
    falseAbstention: share(ans.filter((o) => o.abstained).length, ans.length),
    p50Ms: Math.round(percentile(ms, 50) * 100) / 100,
    p95Ms: Math.round(percentile(ms, 95) * 100) / 100,
  };
}
