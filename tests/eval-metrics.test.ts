import { describe, expect, it } from "vitest";
import type { Passage } from "../src/retrieval/types.js";
import { ABLATION_CONFIGS, DEFAULT_CONFIG_ID, formatAblationTable, naiveAnswer, runAblation, targetFor } from "../src/eval/ablate.js";
import { checkGate, parseThresholds } from "../src/eval/gate.js";
import {
  citationSupport,
  containsFact,
  covers,
  firstCoveringRank,
  normaliseForMatch,
  parseQuestionFile,
  percentile,
  summarise,
  type EvalMetrics,
  type QuestionOutcome,
} from "../src/eval/metrics.js";
import { AnswerSchema } from "../src/answer/types.js";

/** A passage as retrieval returns it (cast: fields added to Passage later need no edit here). */
function passage(text: string, i = 0): Passage {
  return {
    chunkId: `doc#${i}`,
    documentId: "doc",
    title: "T",
    section: null,
    author: null,
    publisher: null,
    date: null,
    text,
    start: i * 1000,
    end: i * 1000 + text.length,
    score: 1 / (i + 1),
    fusedScore: 1 / (i + 1),
    denseScore: 0.5,
    bm25Score: 3,
  } as Passage;
}

describe("normaliseForMatch / containsFact", () => {
  it("folds curly quotes, dashes, spaces and case", () => {
    expect(normaliseForMatch("  The Taliban\u2019s \u201Cchief\u201D \u2014 Kabul\n\tQuarter ")).toBe("the taliban's \"chief\" - kabul quarter");
  });
  it("matches any alternative of a fact group after normalisation", () => {
    expect(containsFact("Reportedly it was QARI  Hamdullah.", ["Hamdullah", "Hamdallah"])).toBe(true);
    expect(containsFact("Nobody was named.", ["Hamdullah", "Hamdallah"])).toBe(false);
  });
});

describe("covers (the 40-character rule)", () => {
  const snippet = "Reportedly among them was the Taliban\u2019s military chief for Kabul, Qari Hamdullah";
  it("holds a snippet found whole, typography aside", () => {
    expect(covers(`Intro. ${snippet.replace("\u2019", "'")}. Outro.`, snippet)).toBe(true);
  });
  it("accepts the first 40 or the last 40 characters of a long snippet (chunk boundaries)", () => {
    expect(snippet.length).toBeGreaterThan(40);
    const head = snippet.slice(0, 40);
    const tail = snippet.slice(-40);
    expect(covers(`... ${head}commander, and others`, snippet)).toBe(true);
    expect(covers(`${tail} and more`, snippet)).toBe(true);
  });
  it("does not accept 39 characters of a long snippet, nor a middle part", () => {
    expect(covers(`... ${snippet.slice(0, 39)}`, snippet)).toBe(false);
    expect(covers(snippet.slice(10, 70), snippet)).toBe(false);
  });
  it("needs a snippet of 40 characters or fewer whole", () => {
    const short = "head of the Badri Brigade, the special"; // 38 chars
    expect(short.length).toBeLessThanOrEqual(40);
    expect(covers("head of the Badri Brigade, the", short)).toBe(false);
    expect(covers(`x ${short} y`, short)).toBe(true);
  });
  it("ranks the first covering passage 1-based, or null", () => {
    expect(firstCoveringRank(["a", "b Badri Brigade c", "Badri Brigade"], ["Badri Brigade"])).toBe(2);
    expect(firstCoveringRank(["a", "b"], ["Badri Brigade"])).toBeNull();
  });
});

describe("citationSupport", () => {
  const citations = [
    { n: 1, text: "The Badri Brigade is the Taliban's special forces unit." },
    { n: 2, text: "Qari Hamdullah was the military chief for Kabul." },
  ];

  it("uses the markers in the sentence that states the fact", () => {
    const r = citationSupport("The unit was the Badri Brigade [1]. Its chief was Qari Hamdullah [2].", citations, [["Badri Brigade"], ["Hamdullah"]]);
    expect(r).toEqual({ present: 2, supported: 2, unsupported: [] });
  });

  it("counts a fact cited to the wrong passage as unsupported", () => {
    const r = citationSupport("The unit was the Badri Brigade [2]. Its chief was Qari Hamdullah [2].", citations, [["Badri Brigade"], ["Hamdullah"]]);
    expect(r.present).toBe(2);
    expect(r.supported).toBe(1);
    expect(r.unsupported).toEqual(["Badri Brigade"]);
  });

  it("falls back to the first marker after a sentence without markers", () => {
    const ok = citationSupport("The unit was the Badri Brigade. It is elite [1].", citations, [["Badri Brigade"]]);
    expect(ok.supported).toBe(1);
    // Only the first later marker counts: [2] comes first and does not hold the fact.
    const wrong = citationSupport("The unit was the Badri Brigade. It is elite [2]. Indeed [1].", citations, [["Badri Brigade"]]);
    expect(wrong).toEqual({ present: 1, supported: 0, unsupported: ["Badri Brigade"] });
  });

  it("a marker in the sentence takes precedence over a later one", () => {
    const r = citationSupport("The unit was the Badri Brigade [2]. See also [1].", citations, [["Badri Brigade"]]);
    expect(r.supported).toBe(0);
  });

  it("treats each line (bullet) as a sentence", () => {
    const r = citationSupport("Figures differ:\n- Badri Brigade [1]\n- Hamdullah [2]", citations, [["Badri Brigade"], ["Hamdullah"]]);
    expect(r.supported).toBe(2);
  });

  it("a fact with no marker anywhere after it is unsupported; absent facts are not counted", () => {
    const r = citationSupport("Its chief was Qari Hamdullah [2]. The unit was the Badri Brigade.", citations, [["Badri Brigade"], ["Hamdullah"], ["Kandahar"]]);
    expect(r).toEqual({ present: 2, supported: 1, unsupported: ["Badri Brigade"] });
  });

  it("a marker naming no citation supports nothing", () => {
    const r = citationSupport("The unit was the Badri Brigade [7].", citations, [["Badri Brigade"]]);
    expect(r.supported).toBe(0);
  });

  it("any alternative of the group may be the supported one", () => {
    const r = citationSupport("Its chief was Qari Hamdullah [2].", citations, [["Hamdallah", "Qari Hamdullah"]]);
    expect(r.supported).toBe(1);
  });
});

describe("percentile (nearest rank)", () => {
  it("returns 0 for no values", () => {
    expect(percentile([], 50)).toBe(0);
  });
  it("uses the nearest rank and does not sort its input in place", () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 95)).toBe(5);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(5);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });
  it("p95 of 1..100 is 95 and p50 is 50", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 50)).toBe(50);
  });
});

function outcome(partial: Partial<QuestionOutcome>): QuestionOutcome {
  return {
    id: "q",
    question: "?",
    answerable: true,
    rank: 1,
    abstained: false,
    factsOk: true,
    missingFacts: [],
    support: { present: 1, supported: 1, unsupported: [] },
    ms: 1,
    answer: "",
    warnings: [],
    ...partial,
  };
}

describe("summarise", () => {
  it("computes recall@5, MRR@10, abstention and support over the right denominators", () => {
    const m = summarise([
      outcome({ rank: 1, ms: 1 }),
      outcome({ rank: 4, factsOk: false, ms: 2 }),
      outcome({ rank: 8, abstained: true, factsOk: false, support: { present: 0, supported: 0, unsupported: [] }, ms: 3 }),
      outcome({ rank: null, support: { present: 2, supported: 1, unsupported: ["x"] }, ms: 4 }),
      outcome({ answerable: false, rank: null, abstained: true, support: { present: 0, supported: 0, unsupported: [] }, ms: 5 }),
      outcome({ answerable: false, rank: null, abstained: false, support: { present: 0, supported: 0, unsupported: [] }, ms: 6 }),
    ]);
    expect(m).toMatchObject({ questions: 6, answerable: 4, unanswerable: 2 });
    expect(m.recallAt5).toBe(0.5);
    expect(m.mrrAt10).toBe(Math.round(((1 + 1 / 4 + 1 / 8) / 4) * 1000) / 1000);
    expect(m.factRecall).toBe(0.5);
    expect(m.citationSupport).toBe(0.75); // 3 of the 4 facts present in answerable answers
    expect(m.abstention).toBe(0.5);
    expect(m.falseAbstention).toBe(0.25);
    expect(m.p50Ms).toBe(3);
    expect(m.p95Ms).toBe(6);
  });
});

describe("parseQuestionFile", () => {
  it("parses JSONL and names the bad line", () => {
    const good = JSON.stringify({ id: "a", question: "Q?", answerable: true, evidence: ["e"], facts: [["f"]] });
    expect(parseQuestionFile(`${good}\n\n${good}\n`)).toHaveLength(2);
    expect(() => parseQuestionFile(`${good}\n{"id":"b"}`)).toThrow(/line 2/);
  });
});

describe("naive baseline answerer (ablation)", () => {
  const long = (tag: string) => `${tag} `.repeat(200);
  const passages = [passage(long("alpha"), 0), passage("Short passage about the Badri Brigade.", 1), passage(long("gamma"), 2), passage(long("delta"), 3)];

  it("quotes the first 300 characters of each of the top 3 passages, each with its [n], one per line", () => {
    const a = naiveAnswer("What?", passages);
    const lines = a.answer.split("\n");
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => expect(line.endsWith(` [${i + 1}]`)).toBe(true));
    expect(lines[0]).toBe(`${passages[0]!.text.slice(0, 300).trim()} [1]`);
    expect(lines[1]).toBe("Short passage about the Badri Brigade. [2]");
    expect(lines[2]!.length).toBeLessThanOrEqual(300 + " [3]".length);
    expect(a.answer).not.toContain("delta");
  });

  it("never abstains, cites exactly the passages quoted, and has the API's answer shape", () => {
    const a = naiveAnswer("What?", passages);
    expect(a.abstained).toBe(false);
    expect(a.citations.map((c) => c.n)).toEqual([1, 2, 3]);
    expect(a.citations.map((c) => c.text)).toEqual(passages.slice(0, 3).map((p) => p.text));
    expect(a.citations[1]).toMatchObject({ documentId: "doc", start: 1000, end: 1000 + passages[1]!.text.length });
    expect(() => AnswerSchema.parse(a)).not.toThrow();
    const fewer = naiveAnswer("What?", passages.slice(0, 1));
    expect(fewer.citations).toHaveLength(1);
    expect(naiveAnswer("What?", []).abstained).toBe(false);
  });

  it("its facts are supported by their own excerpt's marker", () => {
    const a = naiveAnswer("What?", passages);
    expect(citationSupport(a.answer, a.citations, [["Badri Brigade"]])).toEqual({ present: 1, supported: 1, unsupported: [] });
  });
});

describe("ablation", () => {
  it("has the retrieval rows, the row without word vectors and the baseline row, the default being the unmodified pipeline", () => {
    expect(ABLATION_CONFIGS.map((c) => c.id)).toEqual(["dense", "bm25", "hybrid", "no-vectors", "default", "naive"]);
    const def = ABLATION_CONFIGS.find((c) => c.id === DEFAULT_CONFIG_ID)!;
    expect(def).toMatchObject({ retrieval: {}, answerer: "extractive" });
    expect(ABLATION_CONFIGS.find((c) => c.id === "naive")).toMatchObject({ retrieval: {}, answerer: "naive" });
  });

  it("passes each row's retrieval options through and answers the naive row from 3 passages", async () => {
    const calls: { op: string; k?: number; mode?: string }[] = [];
    const pipeline = {
      search: async (_q: string, k: number, r: { mode?: string }) => {
        calls.push({ op: "search", k, mode: r.mode });
        return [passage("The Badri Brigade is elite.", 0), passage("Other.", 1), passage("More.", 2), passage("Extra.", 3)].slice(0, k);
      },
      ask: async (question: string, r: { mode?: string }) => {
        calls.push({ op: "ask", mode: r.mode });
        return { ...naiveAnswer(question, [passage("x")]), abstained: true };
      },
    };
    const dense = targetFor(ABLATION_CONFIGS[0]!, pipeline);
    await dense.search("q", 10);
    await dense.ask("q");
    expect(calls).toEqual([{ op: "search", k: 10, mode: "dense" }, { op: "ask", mode: "dense" }]);
    calls.length = 0;
    const naive = await targetFor(ABLATION_CONFIGS.find((c) => c.id === "naive")!, pipeline).ask("q");
    expect(calls).toEqual([{ op: "search", k: 3, mode: undefined }]);
    expect(naive.citations).toHaveLength(3);

    const questions = [{ id: "a", question: "Which unit?", answerable: true, evidence: ["Badri Brigade"], facts: [["Badri Brigade"]] }];
    const switches: boolean[] = [];
    const result = await runAblation(questions, { ...pipeline, useWordVectors: (on: boolean) => switches.push(on) }, ABLATION_CONFIGS, { warmup: false });
    expect(result.rows.map((r) => r.id)).toEqual(ABLATION_CONFIGS.map((c) => c.id));
    // Only the no-vectors row turns them off, and they are back on for the rows after it.
    expect(switches).toEqual([false, true]);
    const naiveRow = result.rows.find((r) => r.id === "naive")!.metrics;
    expect(naiveRow).toMatchObject({ recallAt5: 1, factRecall: 1, citationSupport: 1, falseAbstention: 0 });
    expect(result.rows.find((r) => r.id === "default")!.metrics.falseAbstention).toBe(1);
    const table = formatAblationTable(result.rows);
    expect(table.split("\n")).toHaveLength(2 + ABLATION_CONFIGS.length);
    expect(table).toContain("recall@5");
    expect(table).toContain("p95 ms");
  });
});

describe("gate", () => {
  const metrics: EvalMetrics = {
    questions: 10,
    answerable: 8,
    unanswerable: 2,
    recallAt5: 0.9,
    mrrAt10: 0.7,
    factRecall: 0.6,
    citationSupport: 0.95,
    abstention: 0.5,
    falseAbstention: 0.2,
    p50Ms: 5,
    p95Ms: 20,
  };
  it("names each metric that broke its threshold", () => {
    const t = [...parseThresholds(["recallAt5=0.92", "factRecall=0.5"], "min"), ...parseThresholds(["falseAbstention=0.18"], "max")];
    const failures = checkGate(metrics, t);
    expect(failures.map((f) => f.metric)).toEqual(["recallAt5", "falseAbstention"]);
    expect(failures[0]!.message).toBe("recallAt5 0.9 < min 0.92");
    expect(checkGate(metrics, parseThresholds(["recallAt5=0.9"], "min"))).toEqual([]);
  });
  it("refuses unknown metrics, latency and malformed specs", () => {
    expect(() => parseThresholds(["p95Ms=10"], "max")).toThrow(/unknown metric/);
    expect(() => parseThresholds(["recallAt5"], "min")).toThrow(/key=value/);
  });
});
