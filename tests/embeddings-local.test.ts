import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../src/embeddings/local.js";
import { cleanDocument } from "../src/ingest/clean.js";
import { chunkText } from "../src/ingest/chunk.js";
import { learnAliases, longFormFor } from "../src/text/aliases.js";
import { REPO_CORPUS } from "./helpers/fixtures.js";

const texts = readdirSync(REPO_CORPUS).map((f) => cleanDocument(readFileSync(path.join(REPO_CORPUS, f), "utf8")));
const aliases = learnAliases(texts);
const chunks = texts.flatMap((t) => chunkText(t, { chunkSize: 700, chunkOverlap: 150 }).map((c) => c.text));
const embedder = LocalEmbeddings.fit(chunks, { dim: 2048, aliases });

const cosine = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe("learnAliases", () => {
  it("learns from the corpus that IS-K, ISKP, ISIS-K and the long forms name one group", () => {
    const cluster = aliases.clusters.find((c) => c.forms.includes("is-k"));
    expect(cluster?.forms).toEqual(expect.arrayContaining(["is-k", "iskp", "isis-k", "islamic state khorasan", "islamic state khorasan province"]));
    // ...and keeps different organisations apart.
    const isis = aliases.clusters.find((c) => c.forms.includes("isis"));
    expect(isis).toBeDefined();
    expect(isis).not.toBe(cluster);
  });

  it("finds the long form whose initials spell an acronym", () => {
    expect(longFormFor("members of the Afghan National Defense and Security Forces", "ANDSF")).toBe("Afghan National Defense and Security Forces");
    expect(longFormFor("the growing threat of Islamic State-Khorasan Province", "IS-K")).toBe("Islamic State-Khorasan Province");
    expect(longFormFor("a sentence with nothing matching", "XYZ")).toBeNull();
  });

  it("learns nothing from text without definitions", () => {
    expect(learnAliases(["No acronyms are defined here. NATO is used but never spelled out."]).clusters).toEqual([]);
  });

  it("learns 'also known as' pairs", () => {
    const t = learnAliases(["The Northern Front, also known as NF, claimed it."]);
    expect(t.clusters[0]?.forms).toEqual(["nf", "northern front"]);
  });
});

describe("LocalEmbeddings", () => {
  it("is deterministic, L2-normalised and of the configured dimension", async () => {
    const a = await embedder.embedQuery("How many fighters does ISKP have?");
    const b = await embedder.embedQuery("How many fighters does ISKP have?");
    expect(a).toHaveLength(2048);
    expect(a).toEqual(b);
    expect(Math.sqrt(cosine(a, a))).toBeCloseTo(1, 6);
  });

  it("puts an IS-K sentence much closer to its ISKP paraphrase than to an unrelated sentence", async () => {
    const [isk, iskp, longForm, unrelated] = await embedder.embedDocuments([
      "IS-K claimed the bombing of the airport.",
      "ISKP claimed the bombing of the airport.",
      "The Islamic State Khorasan Province claimed the bombing of the airport.",
      "The World Bank suspended development funding over women's rights.",
    ]);
    expect(cosine(isk!, iskp!)).toBeGreaterThan(0.95);
    expect(cosine(isk!, longForm!)).toBeGreaterThan(0.9);
    expect(cosine(isk!, iskp!) - cosine(isk!, unrelated!)).toBeGreaterThan(0.5);
  });

  it("survives a save/restore of its fitted state", async () => {
    const restored = new LocalEmbeddings(JSON.parse(JSON.stringify(embedder.state)));
    expect(await restored.embedQuery("Kabul airport attack")).toEqual(await embedder.embedQuery("Kabul airport attack"));
  });

  it("matches hyphenated and joined spellings", async () => {
    const [a, b, c] = await embedder.embedDocuments(["counter-terrorism cooperation", "counterterrorism cooperation", "food insecurity"]);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.3);
  });
});
