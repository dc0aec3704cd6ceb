import { parseArgs } from "node:util";
import { createServices } from "../app.js";
import { loadConfig } from "../config/index.js";
import { runCli } from "./run.js";

/** `npm run ask -- "question" [--json] [--k N]`: one answer with its numbered sources. */
runCli(async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false }, k: { type: "string" } },
  });
  const question = positionals.join(" ").trim();
  if (!question) throw new Error('usage: npm run ask -- "your question" [--json] [--k 5]');
  if (question.length > 2000) throw new Error("the question is longer than 2000 characters");
  const k = values.k === undefined ? undefined : Number(values.k);
  if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > 20)) throw new Error("--k must be a whole number from 1 to 20");
  const { services } = await createServices(loadConfig());
  const answer = await services.answers.ask({ question, k });
  if (values.json) {
    console.log(JSON.stringify(answer, null, 2));
    return;
  }
  console.log(`${answer.answer}\n`);
  const sources = answer.abstained ? (answer.suggestions ?? []) : answer.citations;
  if (sources.length) console.log(answer.abstained ? "Closest passages:" : "Sources:");
  for (const c of sources) {
    const meta = [c.author, c.publisher, c.date].filter(Boolean).join(", ");
    const name = c.section && c.section !== c.label ? `${c.label} › ${c.section}` : c.label;
    console.log(`[${c.n}] ${name}${meta ? ` (${meta})` : ""} — ${c.documentId}, chars ${c.start}-${c.end}`);
  }
  for (const w of answer.warnings) console.log(`warning: ${w}`);
  console.log(`\n${answer.mode}, ${answer.timings.totalMs} ms`);
});
