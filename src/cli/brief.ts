import { parseArgs } from "node:util";
import { createServices } from "../app.js";
import { BriefingService } from "../briefing/service.js";
import { loadConfig } from "../config/index.js";
import { runCli } from "./run.js";

/** `npm run brief -- "topic" [--json] [--max-points N]`: a cited briefing as Markdown (or the API's JSON). */
runCli(async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false }, "max-points": { type: "string" } },
  });
  const topic = positionals.join(" ").trim();
  if (!topic) throw new Error('usage: npm run brief -- "topic" [--json] [--max-points 10]');
  if (topic.length > 300) throw new Error("the topic is longer than 300 characters");
  const raw = values["max-points"];
  const maxPoints = raw === undefined ? undefined : Number(raw);
  if (maxPoints !== undefined && (!Number.isInteger(maxPoints) || maxPoints < 3 || maxPoints > 20)) {
    throw new Error("--max-points must be a whole number from 3 to 20");
  }
  const { services } = await createServices(loadConfig());
  const briefing = await BriefingService.fromServices(services).brief({ topic, maxPoints });
  if (values.json) {
    console.log(JSON.stringify(briefing, null, 2));
    return;
  }
  process.stdout.write(briefing.markdown);
  // Warnings are already in the Markdown; stderr repeats them for scripts that only pipe stdout.
  for (const w of briefing.warnings) console.error(`warning: ${w}`);
  console.error(`\n${briefing.mode}, ${briefing.sources.length} sources, ${briefing.timings.totalMs} ms`);
});
