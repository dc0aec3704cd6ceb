import type { Briefing } from "./types.js";

function markers(citations: number[]): string {
  return citations.map((n) => `[${n}]`).join("");
}

/** Markdown control characters at the start of a quoted line would change its meaning. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/^([#>*+-]|\d+\.)\s/, "\\$1 ").trim();
}

/** The whole briefing as Markdown: sections, timeline, disagreements and the numbered sources. Pure. */
export function renderMarkdown(b: Omit<Briefing, "markdown">): string {
  const out: string[] = [`# ${inline(b.title)}`, ""];
  const docs = new Set(b.sources.map((s) => s.documentId)).size;
  const how =
    b.mode === "llm"
      ? "Written by the LLM from the numbered passages; check each point against its sources."
      : "Extractive: every point is a sentence quoted verbatim from the source it cites.";
  out.push(`_Generated ${b.generatedAt} from ${b.sources.length} passage${b.sources.length === 1 ? "" : "s"} in ${docs} document${docs === 1 ? "" : "s"}. ${how}_`, "");

  if (b.sections.length === 0) out.push("The documents say nothing substantial about this topic.", "");
  for (const section of b.sections) {
    out.push(`## ${inline(section.heading)}`, "");
    for (const p of section.points) out.push(`- ${inline(p.text)} ${markers(p.citations)}`);
    out.push("");
  }

  out.push("## Timeline", "");
  if (b.timeline.length === 0) out.push("No dated events found for this topic.");
  for (const t of b.timeline) {
    const note = t.inferred ? ` _(date inferred from “${inline(t.dateText)}”)_` : "";
    out.push(`- **${t.date}** — ${inline(t.event)} ${markers(t.citations)}${note}`);
  }
  out.push("");

  out.push("## Where sources disagree", "");
  if (b.disagreements.length === 0) out.push("No conflicting figures found between sources.");
  for (const d of b.disagreements) {
    out.push(`**${inline(d.about)}**`, "");
    for (const c of d.claims) out.push(`- **${inline(c.value)}**: “${inline(c.text)}” [${c.n}]`);
    out.push("");
  }
  if (b.disagreements.length === 0) out.push("");

  out.push("## Sources", "");
  for (const s of b.sources) {
    const meta = [s.author, s.publisher, s.date].filter(Boolean).join(", ");
    // An untitled document is named by its opening words (its label), and its id follows.
    const title = s.label;
    const section = s.section ? ` › ${s.section}` : "";
    const id = ` (${s.documentId})`;
    out.push(`- [${s.n}] ${inline(title + section)}${meta ? ` — ${inline(meta)}` : ""}${id}`);
  }
  if (b.warnings.length > 0) {
    out.push("", "## Warnings", "");
    for (const w of b.warnings) out.push(`- ${inline(w)}`);
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
