import { promises as fs } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createServices } from "../app.js";
import { AnswerSchema } from "../answer/types.js";
import { loadConfig } from "../config/index.js";
import { DEFAULT_CONFIG_ID, formatAblationTable, runAblation, type AblationResult } from "../eval/ablate.js";
import { checkGate, parseThresholds, type GateFailure, type Threshold } from "../eval/gate.js";
import { parseQuestionFile, type EvalMetrics, type QuestionOutcome } from "../eval/metrics.js";
import { failureReasons, runEval, type EvalTarget } from "../eval/run.js";
import { runCli } from "./run.js";

function httpTarget(base: string, apiKey?: string): EvalTarget {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return {
    async search(q, k) {
      const res = await fetch(new URL(`/api/search?q=${encodeURIComponent(q)}&k=${k}`, base), { headers });
      if (!res.ok) throw new Error(`search failed: HTTP ${res.status}`);
      const body = (await res.json()) as { results: { text: string }[] };
      return body.results.map((r) => r.text);
    },
    async ask(question) {
      // no-store: the server computes every answer, so the timings measure the pipeline, not the answer cache.
      const res = await fetch(new URL("/api/ask", base), { method: "POST", headers: { ...headers, "cache-control": "no-store" }, body: JSON.stringify({ question }) });
      if (!res.ok) throw new Error(`ask failed: HTTP ${res.status}`);
      return AnswerSchema.parse(await res.json());
    },
  };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/**
 * `npm run eval [-- --file F] [--url URL] [--verbose] [--out F] [--ablate] [--json-only]
 * [--min metric=value]... [--max metric=value]...`: the quality meter, its ablation study and
 * the CI gate. Metric definitions and options: README "Evaluation".
 */
runCli(async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: "string", default: "tests/eval/questions.jsonl" },
      url: { type: "string" },
      verbose: { type: "boolean", default: false },
      out: { type: "string" },
      ablate: { type: "boolean", default: false },
      "json-only": { type: "boolean", default: false },
      min: { type: "string", multiple: true, default: [] },
      max: { type: "string", multiple: true, default: [] },
    },
  });
  const jsonOnly = values["json-only"]!;
  const say = (text: string) => {
    if (!jsonOnly) console.log(text);
  };
  const thresholds: Threshold[] = [...parseThresholds(values.min!, "min"), ...parseThresholds(values.max!, "max")];
  if (values.ablate && values.url) {
    throw new Error("--ablate runs the pipeline in process (retrieval modes are not exposed over HTTP); drop --url");
  }
  const questions = parseQuestionFile(await fs.readFile(values.file!, "utf8"));

  let metrics: EvalMetrics;
  let outcomes: QuestionOutcome[];
  let ablation: AblationResult | undefined;
  if (values.url) {
    ({ metrics, outcomes } = await runEval(questions, httpTarget(values.url, process.env.API_KEY)));
  } else {
    const { services } = await createServices(loadConfig());
    if (values.ablate) {
      const related = services.stats.related;
      ablation = await runAblation(questions, {
        search: (q, k, retrieval) => services.answers.search(q, k, retrieval),
        ask: (question, retrieval) => services.answers.ask({ question, retrieval, forceExtractive: true, cacheMode: "bypass" }),
        useWordVectors: (on) => {
          services.stats.related = on ? related : undefined;
        },
      });
      metrics = ablation.rows.find((r) => r.id === DEFAULT_CONFIG_ID)!.metrics;
      outcomes = ablation.outcomes[DEFAULT_CONFIG_ID]!;
    } else {
      ({ metrics, outcomes } = await runEval(questions, {
        search: async (q, k) => (await services.answers.search(q, k)).map((p) => p.text),
        ask: (question) => services.answers.ask({ question, cacheMode: "bypass" }),
      }));
    }
  }

  say(`Evaluation of ${values.file} (${metrics.answerable} answerable, ${metrics.unanswerable} unanswerable)\n`);
  if (ablation) {
    say(formatAblationTable(ablation.rows));
    say("\ndense/BM25/hybrid rows run without the reranker; every row but the last uses the extractive answerer.");
  } else {
    const rows: [string, string][] = [
      ["recall@5", fmt(metrics.recallAt5)],
      ["MRR@10", fmt(metrics.mrrAt10)],
      ["fact recall", fmt(metrics.factRecall)],
      ["citation support", fmt(metrics.citationSupport)],
      ["abstention", fmt(metrics.abstention)],
      ["false abstention", fmt(metrics.falseAbstention)],
      ["p50 answer ms", fmt(metrics.p50Ms)],
      ["p95 answer ms", fmt(metrics.p95Ms)],
    ];
    say(rows.map(([k, v]) => `${k.padEnd(18)} ${v}`).join("\n"));
  }
  if (values.verbose && !jsonOnly) {
    const failing = outcomes.filter((o) => failureReasons(o).length > 0);
    console.log(`\n${failing.length} question(s) with failures${ablation ? " (default configuration)" : ""}:`);
    for (const o of failing) {
      console.log(`\n[${o.id}] ${o.question}\n  - ${failureReasons(o).join("\n  - ")}\n  answer: ${o.answer.replace(/\n/g, " ").slice(0, 400)}`);
    }
  }

  const failures: GateFailure[] = checkGate(metrics, thresholds);
  // Figures of answers made with part of the pipeline missing measure something else.
  const degraded = outcomes.filter((o) => o.warnings?.length);
  if (degraded.length > 0) {
    console.error(`${degraded.length} answer(s) came with warnings, e.g. "${degraded[0]!.warnings[0]}": these figures are not the whole pipeline's.`);
    if (thresholds.length) process.exitCode = 1;
  }
  const report = {
    file: values.file,
    metrics,
    ...(thresholds.length ? { gate: { passed: failures.length === 0, thresholds, failures } } : {}),
    ...(ablation ? { ablation: ablation.rows } : {}),
    outcomes,
    ...(ablation ? { ablationOutcomes: ablation.outcomes } : {}),
  };
  const out = values.out ?? path.join("eval-results", `eval-${path.basename(values.file!, ".jsonl")}${ablation ? "-ablation" : ""}.json`);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify(report, null, 2));
  if (jsonOnly) process.stdout.write(`${JSON.stringify(report)}\n`);
  else console.log(`\nJSON written to ${out}`);

  if (thresholds.length) {
    for (const f of failures) console.error(`eval gate: ${f.message}`);
    if (failures.length) {
      console.error(`eval gate FAILED on ${failures.map((f) => f.metric).join(", ")}`);
      process.exitCode = 1;
    } else if (!jsonOnly) console.log(`eval gate passed (${thresholds.length} thresholds)`);
  }
});
