import type { Answer } from "../answer/types.js";
import {
  citationSupport,
  containsFact,
  firstCoveringRank,
  summarise,
  type EvalMetrics,
  type EvalQuestion,
  type QuestionOutcome,
} from "./metrics.js";

/** Where questions are sent: the in-process pipeline or a running server. */
export interface EvalTarget {
  search(query: string, k: number): Promise<string[]>;
  ask(question: string): Promise<Answer>;
}

export async function runEval(questions: EvalQuestion[], target: EvalTarget): Promise<{ metrics: EvalMetrics; outcomes: QuestionOutcome[] }> {
  const outcomes: QuestionOutcome[] = [];
  for (const q of questions) {
    const passages = q.answerable ? await target.search(q.question, 10) : [];
    const started = performance.now();
    const answer = await target.ask(q.question);
    const ms = performance.now() - started;
    const missingFacts = q.facts.filter((group) => !containsFact(answer.answer, group)).map((g) => g.join(" | "));
    outcomes.push({
      id: q.id,
      question: q.question,
      answerable: q.answerable,
      rank: q.answerable ? firstCoveringRank(passages, q.evidence) : null,
      abstained: answer.abstained,
      factsOk: !answer.abstained && missingFacts.length === 0,
      missingFacts,
      support: citationSupport(answer.answer, answer.citations, q.answerable ? q.facts : []),
      ms,
      answer: answer.answer,
      warnings: answer.warnings ?? [],
    });
  }
  return { metrics: summarise(outcomes), outcomes };
}

/** Why a question counts against a metric, for `--verbose`. */
export function failureReasons(o: QuestionOutcome): string[] {
  const reasons: string[] = [];
  if (o.answerable) {
    if (o.rank === null || o.rank > 5) reasons.push(`evidence not in top 5 (rank ${o.rank ?? "none"})`);
    if (o.abstained) reasons.push("abstained on an answerable question");
    else if (o.missingFacts.length) reasons.push(`missing facts: ${o.missingFacts.join("; ")}`);
    if (o.support.unsupported.length) reasons.push(`unsupported citations for: ${o.support.unsupported.join("; ")}`);
  } else if (!o.abstained) reasons.push("answered an unanswerable question");
  for (const w of o.warnings ?? []) reasons.push(`warning: ${w}`);
  return reasons;
}
