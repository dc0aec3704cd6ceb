import { promises as fs } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createServices } from "../app.js";
import { AnswerSchema } from "../answer/types.js";
import { loadConfig } from "../config/index.js";
import { parseQuestionFile } from "../eval/metrics.js";
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
      const res = await fetch(new URL("/api/ask", base), { method: "POST", headers, body: JSON.stringify({ question }) });
      if (!res.ok) throw new Error(`ask failed: HTTP ${res.status}`);
      return AnswerSchema.parse(await res.json());
    },
  };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/**
 * `npm run eval [-- --file F] [--url URL] [--verbose] [--out F]`: the quality meter.
 * Metric definitions: README "Evaluation".
 */
runCli(async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: "string", default: "tests/eval/questions.jsonl" },
      url: { type: "string" },
      verbose: { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  const questions = parseQuestionFile(await fs.readFile(values.file!, "utf8"));
  let target: EvalTarget;
  if (values.url) target = httpTarget(values.url, process.env.API_KEY);
  else {
    const { services } = await createServices(loadConfig());
    target = {
      search: async (q, k) => (await services.answers.search(q, k)).map((p) => p.text),
      ask: (question) => services.answers.ask({ question }),
    };
  }
  const { metrics, outcomes } = await runEval(questions, target);
  console.log(`Evaluation of ${values.file} (${metrics.answerable} answerable, ${metrics.unanswerable} unanswerable)\n`);
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
  console.log(rows.map(([k, v]) => `${k.padEnd(18)} ${v}`).join("\n"));
  if (values.verbose) {
    const failing = outcomes.filter((o) => failureReasons(o).length > 0);
    console.log(`\n${failing.length} question(s) with failures:`);
    for (const o of failing) {
      console.log(`\n[${o.id}] ${o.question}\n  - ${failureReasons(o).join("\n  - ")}\n  answer: ${o.answer.replace(/\n/g, " ").slice(0, 400)}`);
    }
  }
  const out = values.out ?? path.join("eval-results", `eval-${path.basename(values.file!, ".jsonl")}.json`);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify({ file: values.file, metrics, outcomes }, null, 2));
  console.log(`\nJSON written to ${out}`);
});
