import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../src/app.js";
import { queryTerms, TermStats } from "../src/retrieval/scoring.js";
import { TextAnalyzer } from "../src/text/analyzer.js";
import { RelatedTerms } from "../src/text/related.js";
import { convertPackageVectors, loadWordVectors, WordVectorFile, WordVectors } from "../src/text/wordVectors.js";
import { corpusServices, tempDir } from "./helpers/fixtures.js";

/** A file in the package's layout: metadata, the word list, then word -> [dims..., norm, index]. */
function writePackageJson(file: string, entries: [string, number[]][]): void {
  const vectors = entries.map(([w, v], i) => `${JSON.stringify(w)}:[${[...v, Math.hypot(...v), i].join(",")}]`).join(",");
  writeFileSync(
    file,
    `{"precision":8,"l2NormIndex":3,"wordIndex":4,"size":${entries.length},"dimensions":3,"words":${JSON.stringify(entries.map((e) => e[0]))},"vectors":{${vectors}},"unkVector":[0,0,0]}`,
  );
}

describe("word vector table", () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it("keeps plain words in frequency order, as unit vectors, and drops names, numbers and punctuation", async () => {
    const file = path.join(dir, "vectors.json");
    writePackageJson(file, [
      ["the", [1, 0, 0]],
      [",", [0, 1, 0]],
      ["formed", [3, 4, 0]],
      ["2015", [0, 0, 1]],
      ["u.s.", [0, 1, 1]],
      ["founded", [4, 3, 0]],
      ["anti-shi'a", [0, 0, 2]],
    ]);
    const table = await convertPackageVectors(file);
    expect(table.size).toBe(4);
    expect(table.has(",") || table.has("2015") || table.has("u.s.")).toBe(false);
    expect(table.has("anti-shi'a")).toBe(true);
    const formed = table.vector("formed")!;
    expect(formed[0]).toBeCloseTo(0.6, 1);
    expect(formed[1]).toBeCloseTo(0.8, 1);
    expect(table.vector("missing")).toBeUndefined();

    const capped = await convertPackageVectors(file, 2);
    expect(capped.size).toBe(2);
    expect(capped.has("formed") && !capped.has("founded")).toBe(true);
  });

  it("round-trips through its cache file, found by binary search over sorted words, and refuses a truncated file", async () => {
    const file = path.join(dir, "vectors2.json");
    writePackageJson(file, [
      ["the", [1, 0, 0]],
      ["beta", [3, 2, 1]],
      ["alpha", [1, 2, 3]],
      ["zulu", [0, 1, 0]],
    ]);
    const table = await convertPackageVectors(file);
    const cache = path.join(dir, "table.bin");
    const buffer = table.toBuffer("test");
    writeFileSync(cache, buffer);
    const back = WordVectorFile.open(cache);
    expect(back.size).toBe(4);
    for (const w of ["the", "beta", "alpha", "zulu"]) {
      expect([...back.vector(w)!]).toEqual([...table.vector(w)!]);
      expect(back.rank(w)).toBe(table.rank(w));
    }
    expect(back.rank("the")).toBe(0);
    expect(back.has("gamma")).toBe(false);
    expect(back.vector("gamma")).toBeUndefined();
    writeFileSync(cache, buffer.subarray(0, buffer.length - 5));
    expect(() => WordVectorFile.open(cache)).toThrow(/truncated/);
  });

  it("is converted once from the installed package, then read from the cache; a corrupt cache is converted again", async () => {
    const cacheDir = path.join(dir, "cache");
    mkdirSync(cacheDir);
    const [first, same] = await Promise.all([loadWordVectors({ cacheDir, maxWords: 2_000 }), loadWordVectors({ cacheDir, maxWords: 2_000 })]);
    expect(first.size).toBe(2_000);
    // Two loads at once share one conversion and one table.
    expect(same).toBe(first);
    const [cacheFile] = readdirSync(cacheDir);
    expect(cacheFile).toMatch(/\.bin$/);
    // Another folder holding a truncated copy of that file: it is refused and converted again.
    const otherDir = path.join(dir, "cache-corrupt");
    mkdirSync(otherDir);
    writeFileSync(path.join(otherDir, cacheFile!), readFileSync(path.join(cacheDir, cacheFile!)).subarray(0, 100));
    const again = await loadWordVectors({ cacheDir: otherDir, maxWords: 2_000 });
    expect(again.size).toBe(2_000);
    expect([...again.vector("people")!]).toEqual([...first.vector("people")!]);
    expect(readdirSync(otherDir)).toEqual([cacheFile]);
  });
});

describe("related terms", () => {
  // Three-dimensional toy vectors: "founded" is close to "formed", far from "attack".
  const table = new WordVectors(
    3,
    ["formed", "founded", "attack", "pakistan", "afghanistan"],
    Int8Array.from([127, 0, 0, 120, 40, 0, 0, 127, 0, 0, 0, 127, 0, 10, 126]),
  );
  const texts = ["The group was formed in Afghanistan.", "An attack in Afghanistan killed dozens."];
  const analyzer = new TextAnalyzer();
  const stats = new TermStats(texts, analyzer);
  const vocabulary = new Map([...stats.vocabulary()].map((v) => [v.word, v.term] as const));
  stats.related = new RelatedTerms(table, vocabulary.keys(), (w) => vocabulary.get(w));

  it("offers the corpus's word of nearly the same meaning, at less than an exact match", () => {
    const q = queryTerms("When was the group founded?", stats);
    const alternatives = q.related.get("found");
    expect([...(alternatives?.keys() ?? [])]).toEqual(["form"]);
    expect(alternatives!.get("form")!).toBeGreaterThan(0.3);
    expect(alternatives!.get("form")!).toBeLessThan(1);
  });

  it("weighs a question's words by how specific they are in general English, counts always fully", () => {
    // Rank 0 is the commonest word of the table; words it lacks are names or rare terms.
    expect(stats.related!.specificity("formed")).toBeCloseTo(0.3);
    expect(stats.related!.specificity("zyxwv")).toBe(1);
    expect(stats.related!.specificity("two")).toBe(1);
    const q = queryTerms("When was the group formed in Afghanistan?", stats);
    expect(q.weights.get("form")!).toBeLessThan(stats.idf("form"));
    expect(queryTerms("When was the group formed in Afghanistan?", stats, { specificity: false }).weights.get("form")).toBe(stats.idf("form"));
  });

  it("counts a stem shared only by lookalike words as a related word, not as the word itself", () => {
    // "founded" stems to "found", as "found" (of "find") does; the two words mean different things.
    const words = new WordVectors(3, ["found", "founded", "formed"], Int8Array.from([0, 127, 0, 127, 0, 0, 120, 40, 0]));
    const lookalikes = new TermStats(["They found themselves overtaken.", "The group was formed in 2014."], analyzer);
    const known = new Map([...lookalikes.vocabulary()].map((v) => [v.word, v.term] as const));
    lookalikes.related = new RelatedTerms(words, known.keys(), (w) => known.get(w));
    expect(lookalikes.related.formAgreement("founded", "found")).toBeCloseTo(0, 1);
    expect(lookalikes.related.formAgreement("formed", "form")).toBe(1);
    const q = queryTerms("When was the group founded?", lookalikes);
    const [own] = q.lookups.get("found")!;
    expect(own!.kind).toBe("related");
    expect(own!.share).toBeLessThan(q.lookups.get("form")![0]!.share);
    // Where the forms mean the same, the stem is the word: "founded" meets "founding".
    const same = new WordVectors(3, ["founding", "founded"], Int8Array.from([127, 0, 0, 120, 40, 0]));
    const inflected = new TermStats(["The founding of the group."], analyzer);
    const seen = new Map([...inflected.vocabulary()].map((v) => [v.word, v.term] as const));
    inflected.related = new RelatedTerms(same, seen.keys(), (w) => seen.get(w));
    expect(queryTerms("When was the group founded?", inflected).lookups.get("found")![0]!.kind).toBe("term");
    // A regular inflection is the word, however far apart the vectors put them ("waged", "wage").
    const waged = new WordVectors(3, ["wage", "waged"], Int8Array.from([127, 0, 0, 0, 127, 0]));
    const wages = new TermStats(["They wage an insurgency."], analyzer);
    const wageWords = new Map([...wages.vocabulary()].map((v) => [v.word, v.term] as const));
    wages.related = new RelatedTerms(waged, wageWords.keys(), (w) => wageWords.get(w));
    expect(wages.related.formAgreement("waged", "wage")).toBe(1);
    // The corpus's own form beside the lookalike in one question keeps the stem exact.
    expect(queryTerms("Who found the group they founded?", lookalikes).lookups.get("found")![0]!.kind).toBe("term");
  });

  it("never stands one name in for another", () => {
    // "Pakistan" is close to "Afghanistan" in the toy space, as in any real one.
    const q = queryTerms("What happened in Pakistan?", stats);
    expect(q.related.has("pakistan")).toBe(false);
  });
});

describe("word vectors in answers (real corpus)", () => {
  let on: Services;
  let off: Services;
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    const a = await corpusServices();
    const b = await corpusServices({ WORD_VECTORS: "off" });
    on = a.services;
    off = b.services;
    cleanups.push(a.cleanup, b.cleanup);
  });
  afterAll(() => cleanups.forEach((c) => c()));

  it("WORD_VECTORS=off turns the related words off", () => {
    expect(on.stats.related?.vocabularySize).toBeGreaterThan(1000);
    expect(off.stats.related).toBeUndefined();
  });

  it("answers a question worded differently from the documents ('music venue' for 'concert hall')", async () => {
    const question = "What did the jihadists do at the Moscow music venue?";
    const rank = async (s: Services) => (await s.answers.search(question, 10)).findIndex((p) => /Crocus/.test(p.text)) + 1 || 99;
    const withVectors = await rank(on);
    expect(withVectors).toBeGreaterThan(0);
    expect(withVectors).toBeLessThanOrEqual(5);
    expect(withVectors).toBeLessThan(await rank(off));
    const answer = await on.answers.ask({ question });
    expect(answer.abstained).toBe(false);
    expect(answer.answer).toMatch(/Crocus[^[]*\[\d+\]/);
  });

  it("still abstains on questions the documents do not answer", async () => {
    // Everyday words ("best", "way", "point") occur in the articles too; the words that make
    // these questions what they are ("bake", "bread", "boiling") do not.
    for (const question of ["What is the capital of Australia?", "Who won the football world cup in 2018?", "What is the best way to bake bread?", "What is the boiling point of water?"]) {
      expect((await on.answers.ask({ question })).abstained, question).toBe(true);
    }
  });

  it("declines a question about one thing the documents never mention, however near a word of theirs it is", async () => {
    // Each has a word of theirs beside it in the vectors ("team", "gather", "growth", "ties"),
    // and "ISKP" or "the Taliban" weighs little: counting the near word as seen answered them.
    for (const question of ["What does ISKP say about football?", "What does the Taliban say about weddings?", "What is the relationship between inflation and unemployment?"]) {
      expect((await on.answers.ask({ question })).abstained, question).toBe(true);
    }
  });
});
