import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWordVectorsFor, servicesFromIndex, type Services } from "../src/app.js";
import { createLlmAnswerer } from "../src/answer/llm.js";
import { findDates, explicitFullDates, principalDate } from "../src/briefing/dates.js";
import { extractFigures, findDisagreements, type DisagreementOptions } from "../src/briefing/disagreements.js";
import { isStatement } from "../src/briefing/facets.js";
import { BRIEFING_SYSTEM_PROMPT, parseBriefingReply } from "../src/briefing/llm.js";
import { renderMarkdown } from "../src/briefing/markdown.js";
import { BriefingService } from "../src/briefing/service.js";
import { BriefingSchema, type Briefing } from "../src/briefing/types.js";
import type { AppConfig } from "../src/config/index.js";
import { createApp } from "../src/server/app.js";
import { createLogger } from "../src/server/logger.js";
import { ErrorBodySchema } from "../src/server/schemas.js";
import { TextAnalyzer } from "../src/text/analyzer.js";
import { CountedEvents } from "../src/text/countedEvents.js";
import { corpusServices, tempDir } from "./helpers/fixtures.js";
import { contentText, startFakeOpenAI, type FakeOpenAI } from "./helpers/fakeOpenAI.js";

const DOC_000 = "000_8517e75c48583b26"; // undated; "August 29, 2021"; "at least 170 Afghan civilians"
const DOC_001 = "001_dded02d498bdc8bc"; // undated; "180 Afghans at Kabul airport"
const DOC_002 = "002_05a9e822595af15c"; // 13 April 2024; "Last month, … Crocus City Hall in Moscow"
const DOC_003 = "003_b274f246fa5c0b2f"; // 30 November 2023; "Kabul Airport in 2021"
const DOC_004 = "004_917b88798bce49c4"; // 25 March 2024; "Friday’s terror attack on a Moscow concert hall"; "170 Afghans"
const API_KEY = "briefing-key-123456";

// ---------------------------------------------------------------------------------------------
// Pure modules

describe("dates: explicit dates", () => {
  const one = (text: string, published?: string | null) => {
    const found = findDates(text, { published });
    expect(found, text).toHaveLength(1);
    return found[0]!;
  };

  it("reads full dates in the usual orders, with their text as printed", () => {
    expect(one("An errant drone strike on August 29, 2021, in retaliation")).toMatchObject({ date: "2021-08-29", precision: "day", text: "August 29, 2021", inferred: false });
    expect(one("On May 7, 2022, the Taliban enacted a measure.")).toMatchObject({ date: "2022-05-07", text: "May 7, 2022", inferred: false });
    expect(one("almost a year ago on the 12th of May 2020, the Taliban attacked")).toMatchObject({ date: "2020-05-12", text: "the 12th of May 2020" });
    expect(one("On the 2nd of November 2021, IS-K launched an attack.")).toMatchObject({ date: "2021-11-02" });
    expect(one("by Khalid Iqbal 30 November 2023")).toMatchObject({ date: "2023-11-30" });
    expect(one("published 2024-03-25 at dawn")).toMatchObject({ date: "2024-03-25", precision: "day" });
  });

  it("reads months and years at their own precision", () => {
    expect(one("the attack on the mosque in Peshawar, Pakistan, in March 2022.")).toMatchObject({ date: "2022-03", precision: "month", text: "March 2022", inferred: false });
    expect(one("this Afghanistan-based offshoot of Islamic State, formed in 2015, has been")).toMatchObject({ date: "2015", precision: "year", text: "in 2015", inferred: false });
    expect(one("limited since late 2022, concluding")).toMatchObject({ date: "2022", text: "since late 2022" });
    expect(one("The 2003 United States’ intervention in Iraq")).toMatchObject({ date: "2003", precision: "year" });
    expect(findDates("It was formed in Pakistan in 2014 and later appeared in Afghanistan in 2015.").map((d) => d.date)).toEqual(["2014", "2015"]);
  });

  it("rejects impossible dates and things that only look like dates", () => {
    expect(findDates("on February 30, 2021 nothing happened")).toEqual([]);
    for (const text of [
      "IS-K may even attempt to prompt military action.",
      "this may change within 12 to 18 months",
      "between 1,000 to 3,000 fighters and more than 2,500 recruits",
      "over $600M dollars worth of projects; up nearly 300% since",
      "<iframe src=\"//www.googletagmanager.com/ns.html?id=GTM-K3L4M3\">",
      "troops march on the capital",
      "Friday prayers were cancelled",
    ]) {
      expect(findDates(text, { published: "2024-03-25" }), text).toEqual([]);
    }
  });
});

describe("dates: relative dates resolved against the publication date", () => {
  const at = (text: string, published: string | null) => findDates(text, { published });

  it("resolves months, weeks, years and weekdays, marking them inferred", () => {
    expect(at("Last month, after four gunmen attacked Crocus City Hall in Moscow", "2024-04-13")).toEqual([
      { date: "2024-03", precision: "month", text: "Last month", start: 0, end: 10, inferred: true },
    ]);
    expect(at("behind Friday’s terror attack on a Moscow concert hall", "2024-03-25")[0]).toMatchObject({ date: "2024-03-22", precision: "day", text: "Friday’s", inferred: true });
    expect(at("killing at least 30 people this Tuesday.", "2021-11-03")[0]).toMatchObject({ date: "2021-11-02", text: "this Tuesday" });
    expect(at("He spoke last Wednesday.", "2021-11-03")[0]).toMatchObject({ date: "2021-10-27" }); // "last" never means today
    expect(at("In March last year, General Michael Kurilla told the committee", "2024-03-25")[0]).toMatchObject({ date: "2023-03", text: "In March last year" });
    expect(at("the twin bombings in Kerman in Iran in January, which killed", "2024-03-25")[0]).toMatchObject({ date: "2024-01", text: "in January" });
    expect(at("cautioned the committee in March about ISKP", "2023-11-30")[0]).toMatchObject({ date: "2023-03" });
    expect(at("At a hearing in late October, Colin Kahl suggested", "2021-03-10")[0]).toMatchObject({ date: "2020-10" }); // the latest October before
    expect(at("another attack in Bajaur district in Pakistan last year, which killed 60", "2024-03-25")[0]).toMatchObject({ date: "2023", precision: "year" });
    expect(at("after ISKP struck Iran earlier this year, Tehran responded", "2024-04-13")[0]).toMatchObject({ date: "2024", text: "earlier this year" });
    expect(at("An IS-K attack last week on a Kabul military hospital", "2021-11-10")[0]).toMatchObject({ date: "2021-11", precision: "month" });
    expect(at("almost a year ago, the group struck", "2021-05-01")[0]).toMatchObject({ date: "2020", text: "a year ago" });
  });

  it("drops relative dates when the document has no publication date", () => {
    for (const text of ["Last month, after four gunmen attacked", "killing at least 30 people this Tuesday.", "An IS-K attack last week", "up nearly 300% since last year", "in late October"]) {
      expect(findDates(text, { published: null }), text).toEqual([]);
    }
  });

  it("gives a bare month and day the year of the same date printed elsewhere, or of the publication date, or drops it", () => {
    const bare = "This included the August 26 suicide bombing that killed 13 US service members.";
    expect(findDates(bare)).toEqual([]);
    expect(findDates(bare, { knownDates: ["2021-08-26"] })[0]).toMatchObject({ date: "2021-08-26", inferred: true, text: "August 26" });
    expect(findDates(bare, { published: "2022-03-01" })[0]).toMatchObject({ date: "2021-08-26" }); // later in the year than the dateline: last year
    expect(findDates(bare, { published: "2021-09-10" })[0]).toMatchObject({ date: "2021-08-26" });
    expect(findDates("the bombing of Kabul Airport on August 27th.", { published: "2021-12-01" })[0]).toMatchObject({ date: "2021-08-27", text: "August 27th" });
    const doc = "An errant U.S. drone strike on August 29 in Afghanistan.\nAn errant drone strike on August 29, 2021, in retaliation.";
    expect(explicitFullDates(doc)).toEqual(["2021-08-29"]);
  });

  it("picks a sentence's principal date: explicit first, then the most precise", () => {
    const mentions = findDates("Last month, as on the 12th of May 2020 and in 2015, it struck.", { published: "2024-04-13" });
    expect(mentions.map((m) => m.text)).toEqual(["Last month", "the 12th of May 2020", "in 2015"]);
    expect(principalDate(mentions)?.date).toBe("2020-05-12");
    expect(principalDate([])).toBeNull();
  });
});

const ALIASES = new TextAnalyzer({ clusters: [{ id: "alias_isk", label: "IS-K", forms: ["is-k", "iskp", "islamic state khorasan", "islamic state khorasan province"] }] });
const COMMON = new Set(["alias_isk", "attack", "afghanistan", "taliban", "group"]);
const OPTIONS: DisagreementOptions = {
  terms: (t) => ALIASES.terms(t),
  idf: (t) => (COMMON.has(t) ? 0.2 : 2.5),
  isCommon: (t) => COMMON.has(t),
  labelOf: (t) => (t === "alias_isk" ? "IS-K" : undefined),
};

describe("disagreements: figures", () => {
  it("finds a figure's value as printed, its range and its unit noun", () => {
    const [a, b] = extractFigures("IS-K conducted an attack that killed 13 U.S. servicemembers and at least 170 Afghan civilians.");
    expect(a).toMatchObject({ value: "13", low: 13, high: 13, unit: "U.S. servicemembers", head: "servicemembers" });
    expect(b).toMatchObject({ value: "at least 170", low: 170, unit: "Afghan civilians", head: "civilians", modifiers: ["Afghan"] });
    expect(extractFigures("the group has between 1,000 to 3,000 fighters and retains")[0]).toMatchObject({ value: "between 1,000 to 3,000", low: 1000, high: 3000, head: "fighters" });
    expect(extractFigures("IS-K has doubled in size from two to four thousand operatives.")[0]).toMatchObject({ low: 2000, high: 4000, head: "operatives" });
    expect(extractFigures("Some reports suggest its fighters now number more than 2,500 – a considerable increase")[0]).toMatchObject({ value: "more than 2,500", low: 2500, head: "fighters" });
    expect(extractFigures("They have already conducted more than seventy-six attacks against the Taliban")[0]).toMatchObject({ low: 76, head: "attacks" });
  });

  it("ignores years, percentages, durations, money and numbers without a unit", () => {
    for (const text of [
      "It was formed in Pakistan in 2014 and later appeared in Afghanistan in 2015.",
      "attacks up nearly 300% since last year",
      "this may change within 12 to 18 months",
      "The World Bank suspended over $600M dollars worth of projects.",
      "which killed 60 and wounded more than 100 others.",
      "One pillar of its strategy is sectarian attacks.",
    ]) {
      expect(extractFigures(text), text).toEqual([]);
    }
  });
});

describe("disagreements: grouping", () => {
  const kabul = [
    { text: "In the chaos, IS-K conducted a devastating attack at Hamid Karzai International Airport that killed 13 U.S. servicemembers and at least 170 Afghan civilians.", documentId: "a", ref: 1 },
    { text: "It was also behind the attack on Kabul airport, which killed 13 American soldiers and 170 Afghans during the US withdrawal in 2021.", documentId: "b", ref: 2 },
    { text: "This included the August 26 suicide bombing that killed 13 US service members and 180 Afghans at Kabul airport.", documentId: "c", ref: 3 },
  ];

  it("groups the same casualty figure across sources and labels it from shared terms and the unit", () => {
    const groups = findDisagreements(kabul, OPTIONS);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.about).toBe("Afghans killed at Kabul airport");
    expect(groups[0]!.claims.map((c) => [c.value, c.ref])).toEqual([
      ["at least 170", 1],
      ["170", 2],
      ["180", 3],
    ]);
  });

  it("groups strength figures of the same subject even without a place", () => {
    const groups = findDisagreements(
      [
        { text: "The United Nations Security Council estimated that the group has between 1,000 to 3,000 fighters and retains ambitions.", documentId: "a", ref: "a", subjects: ["alias_isk"] },
        { text: "Some reports suggest its fighters now number more than 2,500 – a considerable increase for a group.", documentId: "b", ref: "b", subjects: ["alias_isk"] },
      ],
      OPTIONS,
    );
    expect(groups.map((g) => g.about)).toEqual(["IS-K fighters"]);
  });

  it("keeps different events apart, and agreeing or single-source figures out", () => {
    const groups = findDisagreements(
      [
        { text: "After four gunmen attacked Crocus City Hall in Moscow, killing more than 150 people, all eyes turned to ISKP.", documentId: "a", ref: 1 },
        { text: "IS-K was behind the twin bombings in Kerman in Iran, which killed an estimated 90 people and injured hundreds more.", documentId: "b", ref: 2 },
        { text: "The Taliban blamed IS-K for the Kabul explosion near Kabul, killing at least 30 people and wounding dozens.", documentId: "c", ref: 3 },
        { text: "It was behind the attack on Kabul airport, which killed 13 American soldiers and 170 Afghans during the withdrawal.", documentId: "d", ref: 4 },
        { text: "IS-K conducted the attack at Kabul airport that killed 13 U.S. servicemembers and 170 Afghans.", documentId: "e", ref: 5 },
        { text: "The same report said the Kabul airport attack killed 13 soldiers and 175 Afghans that day.", documentId: "e", ref: 6 },
      ],
      OPTIONS,
    );
    // Moscow, Kerman and the Kabul hospital are three events; d and e agree; e's 175 disagrees only with its own document.
    expect(groups.filter((g) => /people/.test(g.about))).toEqual([]);
    const afghans = groups.find((g) => /Afghans/.test(g.about));
    expect(afghans?.claims.map((c) => c.value)).toEqual(["170", "170", "175"]);
    expect(
      findDisagreements(
        [
          { text: "They have already conducted more than seventy-six attacks against the Taliban this year.", documentId: "a", ref: 1, subjects: ["alias_isk"] },
          { text: "It has claimed to have orchestrated more than 200 attacks in Afghanistan.", documentId: "b", ref: 2, subjects: ["alias_isk"] },
        ],
        OPTIONS,
      ),
    ).toEqual([]); // a count over "this year" is not the group's total
  });

  it("sets no figure of the dead against one of the wounded when the documents count the two apart", () => {
    const events = CountedEvents.learn(["The blast killed 60 people and wounded more than 100 others."]);
    const crocus = [
      { text: "The attack on Crocus City Hall in Moscow killed 140 people.", documentId: "a", ref: 1 },
      { text: "The attack on Crocus City Hall in Moscow wounded 500 people.", documentId: "b", ref: 2 },
    ];
    expect(findDisagreements(crocus, { ...OPTIONS, events })).toEqual([]);
    // Two tolls of the dead still disagree.
    const tolls = [crocus[0]!, { text: "The attack on Crocus City Hall in Moscow killed 150 people.", documentId: "b", ref: 2 }];
    expect(findDisagreements(tolls, { ...OPTIONS, events }).map((g) => g.claims.map((c) => c.value))).toEqual([["140", "150"]]);
    // Without the learnt events the two figures read as one disputed number.
    expect(findDisagreements(crocus, OPTIONS)).toHaveLength(1);
  });
});

describe("LLM reply parsing", () => {
  it("reads JSON, fenced or bare, validating citations and stripping markers from the text", () => {
    const raw = '```json\n{"sections":[{"heading":"Overview","points":[{"text":"IS-K plots abroad. [1]","citations":[1]},{"text":"It grew fast [2][7].","citations":[2]}]}]}\n```';
    const parsed = parseBriefingReply(raw, 3, 10);
    expect(parsed.sections).toEqual([{ heading: "Overview", points: [{ text: "IS-K plots abroad.", passages: [1] }, { text: "It grew fast.", passages: [2] }] }]);
    expect(parsed.warnings.join(" ")).toContain("[7]");
  });

  it("reads Markdown headings and bullets, drops uncited points and caps the count", () => {
    const raw = "Here is the briefing.\n\n## Who\n- IS-K is behind it [2].\n- An uncited claim.\n**Outlook**\n1. More attacks are expected [1][3]\n2. And more [1]";
    const parsed = parseBriefingReply(raw, 3, 2);
    expect(parsed.sections).toEqual([
      { heading: "Who", points: [{ text: "IS-K is behind it.", passages: [2] }] },
      { heading: "Outlook", points: [{ text: "More attacks are expected", passages: [1, 3] }] },
    ]);
    expect(parsed.warnings.join(" ")).toMatch(/cited no passage/);
  });

  it("throws when nothing usable remains", () => {
    expect(() => parseBriefingReply("", 3, 10)).toThrow();
    expect(() => parseBriefingReply('{"sections":[]}', 3, 10)).toThrow(/no cited points/);
    expect(() => parseBriefingReply("I cannot help with that.", 3, 10)).toThrow();
    expect(() => parseBriefingReply('{"sections":[{"heading":"X","points":[{"text":"Made up [9]"}]}]}', 3, 10)).toThrow();
  });
});

describe("Markdown rendering", () => {
  it("renders sections, the timeline, disagreements and the sources list", () => {
    const md = renderMarkdown({
      title: "Briefing: X",
      topic: "X",
      generatedAt: "2024-01-01T00:00:00.000Z",
      mode: "extractive",
      warnings: [],
      sections: [{ heading: "Overview", points: [{ text: "A sentence.", citations: [1] }] }],
      timeline: [{ date: "2024-03", precision: "month", dateText: "Last month", inferred: true, event: "Last month, it struck.", citations: [2] }],
      disagreements: [{ about: "people killed in Moscow", claims: [{ value: "130", text: "130 died.", n: 1 }, { value: "150", text: "150 died.", n: 2 }] }],
      sources: [
        { n: 1, documentId: "d1", title: "T1", label: "T1", section: null, author: "A. Author", publisher: null, date: "2024-04-13", text: "A sentence. 130 died.", start: 0, end: 21 },
        { n: 2, documentId: "d2", title: null, label: "Last month, it struck.", section: null, author: null, publisher: null, date: null, text: "Last month, it struck. 150 died.", start: 0, end: 32 },
      ],
      timings: { retrievalMs: 0, generationMs: 0, totalMs: 0 },
    });
    expect(md).toContain("# Briefing: X\n");
    expect(md).toContain("## Overview\n\n- A sentence. [1]\n");
    expect(md).toContain("## Timeline\n\n- **2024-03** — Last month, it struck. [2] _(date inferred from “Last month”)_\n");
    expect(md).toContain("## Where sources disagree\n\n**people killed in Moscow**\n\n- **130**: “130 died.” [1]\n- **150**: “150 died.” [2]\n");
    expect(md).toContain("## Sources\n\n- [1] T1 — A. Author, 2024-04-13 (d1)\n- [2] Last month, it struck. (d2)\n");
  });
});

// ---------------------------------------------------------------------------------------------
// Over the corpus

let services: Services;
let config: AppConfig;
let app: Express;
let webDir: string;
const cleanups: (() => void)[] = [];
const cache = new Map<string, Briefing>();

function makeApp(overrides: Partial<AppConfig> = {}, svc: Services | null = services) {
  return createApp({ config: { ...config, ...overrides }, state: { services: svc, status: svc ? "ok" : "indexing" }, logger: createLogger("silent"), webDir });
}

async function brief(topic: string, maxPoints?: number): Promise<Briefing> {
  const key = `${topic}|${maxPoints ?? ""}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const res = await request(app).post("/api/briefing").send(maxPoints === undefined ? { topic } : { topic, maxPoints });
  expect(res.status, res.text).toBe(200);
  const parsed = BriefingSchema.safeParse(res.body);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  cache.set(key, parsed.data!);
  return parsed.data!;
}

function documentText(id: string): string {
  const d = services.index.documents.find((x) => x.id === id);
  expect(d, id).toBeDefined();
  return d!.text;
}

function sourceOf(b: Briefing, n: number) {
  const s = b.sources.find((x) => x.n === n);
  expect(s, `source [${n}]`).toBeDefined();
  return s!;
}

/** Every n used anywhere is a source, every source is used, numbers run 1..m, and every passage is its document's slice. */
function expectSourcesConsistent(b: Briefing): void {
  const used = new Set<number>();
  for (const s of b.sections) for (const p of s.points) p.citations.forEach((n) => used.add(n));
  for (const t of b.timeline) t.citations.forEach((n) => used.add(n));
  for (const d of b.disagreements) for (const c of d.claims) used.add(c.n);
  expect(b.sources.map((s) => s.n)).toEqual(b.sources.map((_s, i) => i + 1));
  expect([...used].sort((x, y) => x - y)).toEqual(b.sources.map((s) => s.n));
  const keys = b.sources.map((s) => `${s.documentId}:${s.start}:${s.end}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const s of b.sources) expect(documentText(s.documentId).slice(s.start, s.end)).toBe(s.text);
  for (const n of used) expect(b.markdown).toContain(`[${n}]`);
}

function expectApiError(res: request.Response, status: number, code?: string): void {
  expect(res.status, res.text).toBe(status);
  expect(ErrorBodySchema.safeParse(res.body).success, res.text).toBe(true);
  if (code) expect(res.body.error.code).toBe(code);
  expect(res.text).not.toMatch(/\.[cm]?[jt]s:\d+|node_modules|"stack"/);
}

beforeAll(async () => {
  const built = await corpusServices();
  services = built.services;
  config = built.config;
  cleanups.push(built.cleanup);
  const web = tempDir("rag-web-");
  cleanups.push(web.cleanup);
  webDir = web.dir;
  app = makeApp({ RATE_LIMIT_MAX: 100_000 });
});

afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

describe("POST /api/briefing: validation and middleware", () => {
  it("rejects a missing, empty, blank or over-long topic with the uniform 400", async () => {
    for (const body of [{}, { topic: "" }, { topic: "   " }, { topic: "x".repeat(301) }, { topic: 42 }, { topic: "IS-K", extra: true }]) {
      expectApiError(await request(app).post("/api/briefing").send(body), 400, "invalid_request");
    }
  });

  it("rejects maxPoints outside 3..20 or not a whole number", async () => {
    for (const maxPoints of [2, 21, 3.5, "5", 0]) {
      const res = await request(app).post("/api/briefing").send({ topic: "IS-K", maxPoints });
      expectApiError(res, 400, "invalid_request");
      expect(res.body.error.message).toContain("maxPoints");
    }
  });

  it("accepts a 300-character topic; one the documents never mention gives an empty, warned briefing", async () => {
    const res = await request(app).post("/api/briefing").send({ topic: "q".repeat(300) });
    expect(res.status).toBe(200);
    const b = await brief("Boko Haram insurgency in Nigeria");
    expect(b.sections).toEqual([]);
    expect(b.timeline).toEqual([]);
    expect(b.disagreements).toEqual([]);
    expect(b.sources).toEqual([]);
    expect(b.warnings.join(" ")).toMatch(/say little or nothing/);
  });

  it("answers 415 to a body that is not JSON, 405 to GET, 503 while indexing", async () => {
    expectApiError(await request(app).post("/api/briefing").set("Content-Type", "text/plain").send("topic=IS-K"), 415);
    expectApiError(await request(app).get("/api/briefing"), 405);
    expectApiError(await request(makeApp({}, null)).post("/api/briefing").send({ topic: "IS-K" }), 503, "indexing");
  });

  it("requires the API key when one is set", async () => {
    const secured = makeApp({ API_KEY });
    expectApiError(await request(secured).post("/api/briefing").send({ topic: "IS-K" }), 401, "unauthorized");
    expectApiError(await request(secured).post("/api/briefing").set("Authorization", "Bearer wrong-key-000").send({ topic: "IS-K" }), 401);
    const ok = await request(secured).post("/api/briefing").set("Authorization", `Bearer ${API_KEY}`).send({ topic: "Moscow concert hall attack", maxPoints: 3 });
    expect(ok.status).toBe(200);
  });

  it("is in the OpenAPI document", async () => {
    const res = await request(app).get("/api/openapi.json");
    expect(res.body.paths["/api/briefing"].post.requestBody.content["application/json"].schema.properties.topic.maxLength).toBe(300);
  });
});

describe("POST /api/briefing: an extractive briefing", () => {
  it("has cited sections of verbatim sentences, each inside the passage it cites", async () => {
    const b = await brief("IS-K external operations");
    expect(b.mode).toBe("extractive");
    expect(b.warnings).toEqual([]);
    expect(b.title).toBe("Briefing: IS-K external operations");
    expect(b.topic).toBe("IS-K external operations");
    expect(Number.isNaN(Date.parse(b.generatedAt))).toBe(false);
    expect(b.sections.length).toBeGreaterThanOrEqual(3);
    const points = b.sections.flatMap((s) => s.points);
    expect(points.length).toBeGreaterThanOrEqual(5);
    expect(points.length).toBeLessThanOrEqual(10);
    for (const p of points) {
      expect(p.citations.length).toBeGreaterThan(0);
      for (const n of p.citations) expect(sourceOf(b, n).text).toContain(p.text);
      // A statement an analyst can quote: no headings, bylines, datelines or fragments.
      expect(isStatement(p.text), p.text).toBe(true);
      expect(p.text).not.toMatch(/\[\d+\]/);
      for (const d of services.index.documents) expect(p.text).not.toBe(d.metadata.title);
    }
    expect(points.some((p) => /external (?:operations|attacks)/i.test(p.text))).toBe(true);
    expectSourcesConsistent(b);
  });

  it("never uses the same sentence twice, nor two near-identical ones", async () => {
    for (const topic of ["IS-K external operations", "Taliban"]) {
      const texts = (await brief(topic)).sections.flatMap((s) => s.points.map((p) => p.text));
      expect(new Set(texts).size).toBe(texts.length);
      const words = texts.map((t) => new Set(t.toLowerCase().match(/[a-z0-9]+/g)));
      for (let i = 0; i < words.length; i++) {
        for (let j = i + 1; j < words.length; j++) {
          const shared = [...words[i]!].filter((w) => words[j]!.has(w)).length;
          expect(shared / Math.min(words[i]!.size, words[j]!.size), `${texts[i]} / ${texts[j]}`).toBeLessThan(0.8);
        }
      }
    }
  });

  it("caps the points at maxPoints", async () => {
    const b = await brief("Taliban", 3);
    expect(b.sections.flatMap((s) => s.points).length).toBeLessThanOrEqual(3);
    expect(b.sections.flatMap((s) => s.points).length).toBeGreaterThan(0);
    expectSourcesConsistent(b);
  });

  it("renders the whole briefing as Markdown", async () => {
    const b = await brief("IS-K external operations");
    expect(b.markdown.startsWith("# Briefing: IS-K external operations\n")).toBe(true);
    for (const heading of ["## Timeline", "## Where sources disagree", "## Sources"]) expect(b.markdown).toContain(`\n${heading}\n`);
    for (const s of b.sections) expect(b.markdown).toContain(`\n## ${s.heading}\n`);
    for (const p of b.sections.flatMap((s) => s.points)) expect(b.markdown).toContain(`- ${p.text} ${p.citations.map((n) => `[${n}]`).join("")}\n`);
    // Every source ends with its document id, after its title or, untitled, its opening words.
    for (const s of b.sources) expect(b.markdown).toMatch(new RegExp(`\\n- \\[${s.n}\\] .*${s.documentId}\\)?\\n`));
    expect(b.markdown).toContain("- [3] ISKP in Afghanistan: US interests and regional security — Khalid Iqbal, CSIS, 2023-11-30 (003_b274f246fa5c0b2f)".replace("[3]", `[${b.sources.find((s) => s.documentId === DOC_003)!.n}]`));
  });
});

describe("POST /api/briefing: the timeline", () => {
  it("is sorted by date, each event a verbatim sentence of its cited passage, with a well-formed date", async () => {
    for (const topic of ["IS-K external operations", "Taliban"]) {
      const b = await brief(topic);
      expect(b.timeline.length).toBeGreaterThan(3);
      const dates = b.timeline.map((t) => t.date);
      expect(dates).toEqual([...dates].sort());
      for (const t of b.timeline) {
        expect(t.date).toMatch(t.precision === "day" ? /^\d{4}-\d{2}-\d{2}$/ : t.precision === "month" ? /^\d{4}-\d{2}$/ : /^\d{4}$/);
        for (const n of t.citations) expect(sourceOf(b, n).text).toContain(t.event);
        expect(t.event).toContain(t.dateText);
      }
      expectSourcesConsistent(b);
    }
  });

  it("dates the Kabul airport bombing to 2021 (and the drone strike that answered it to August 29, 2021) with their sources", async () => {
    const b = await brief("IS-K external operations");
    const airport = b.timeline.filter((t) => /airport/i.test(t.event));
    const kabul2021 = airport.filter((t) => t.date === "2021" && /Kabul Airport/i.test(t.event));
    expect(kabul2021.length).toBeGreaterThan(0);
    for (const t of kabul2021) expect([DOC_003, DOC_004]).toContain(sourceOf(b, t.citations[0]!).documentId);
    const drone = airport.find((t) => t.date === "2021-08-29");
    expect(drone).toMatchObject({ inferred: false, dateText: "August 29, 2021" });
    expect(sourceOf(b, drone!.citations[0]!).documentId).toBe(DOC_000);
    // The undated page's "August 26" cannot be placed in a year, so it is not guessed.
    expect(b.timeline.some((t) => t.dateText === "August 26")).toBe(false);
  });

  it("dates the Moscow concert-hall attack to March 2024 from two relative mentions", async () => {
    const b = await brief("Moscow concert hall attack");
    const lastMonth = b.timeline.find((t) => t.dateText === "Last month" && /Crocus City Hall/.test(t.event));
    expect(lastMonth).toMatchObject({ date: "2024-03", precision: "month", inferred: true });
    expect(sourceOf(b, lastMonth!.citations[0]!)).toMatchObject({ documentId: DOC_002, date: "2024-04-13" });
    const friday = b.timeline.find((t) => /Friday/.test(t.dateText));
    expect(friday).toMatchObject({ date: "2024-03-22", precision: "day", inferred: true, dateText: "Friday’s" });
    expect(sourceOf(b, friday!.citations[0]!)).toMatchObject({ documentId: DOC_004, date: "2024-03-25" });
    expect(b.markdown).toContain("**2024-03** — Last month, after four gunmen attacked Crocus City Hall in Moscow");
  });

  it("drops relative dates of undated documents", async () => {
    const b = await brief("Taliban");
    const undated = new Set([DOC_000, DOC_001]);
    for (const t of b.timeline) {
      if (undated.has(sourceOf(b, t.citations[0]!).documentId)) {
        expect(/\b(?:this|last|next) (?:Tuesday|week|month|year)\b/i.test(t.dateText), t.dateText).toBe(false);
      }
    }
  });
});

describe("POST /api/briefing: where sources disagree", () => {
  it("shows the Kabul airport death toll, 170 against 180, each from its own document", async () => {
    for (const topic of ["IS-K external operations", "Kabul airport bombing"]) {
      const b = await brief(topic);
      const group = b.disagreements.find((d) => /Afghans/.test(d.about) && /Kabul airport/i.test(d.about));
      expect(group, JSON.stringify(b.disagreements.map((d) => d.about))).toBeDefined();
      const with170 = group!.claims.filter((c) => /\b170\b/.test(c.value));
      const with180 = group!.claims.filter((c) => /\b180\b/.test(c.value));
      expect(with170.length).toBeGreaterThan(0);
      expect(with180.length).toBeGreaterThan(0);
      expect(sourceOf(b, with180[0]!.n).documentId).toBe(DOC_001);
      expect(with170.map((c) => sourceOf(b, c.n).documentId)).toContain(DOC_004);
      for (const c of group!.claims) {
        expect(sourceOf(b, c.n).text).toContain(c.text);
        expect(c.text).toContain(c.value);
      }
      expect(b.markdown).toContain(`**${group!.about}**`);
    }
  });

  it("shows the fighter estimates and the Moscow death toll for a broad topic, and only topical groups for a narrow one", async () => {
    const broad = (await brief("IS-K external operations")).disagreements.map((d) => d.about);
    expect(broad).toEqual(expect.arrayContaining(["IS-K fighters", "people killed in Moscow"]));
    const narrow = (await brief("Moscow concert hall attack")).disagreements.map((d) => d.about);
    expect(narrow).toEqual(["people killed in Moscow"]);
  });
});

describe("CLI entry", () => {
  it("the service used by `npm run brief` gives the same briefing shape", async () => {
    const b = await BriefingService.fromServices(services).brief({ topic: "Taliban", maxPoints: 3 });
    expect(BriefingSchema.safeParse(b).success).toBe(true);
    expect(b.mode).toBe("extractive");
  });
});

// ---------------------------------------------------------------------------------------------
// With an LLM

describe("POST /api/briefing with an LLM (fake OpenAI-compatible server)", () => {
  let fake: FakeOpenAI;
  let llmApp: Express;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const llmConfig: AppConfig = { ...config, OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "fake-model", LLM_TIMEOUT_MS: 3000, LLM_MAX_RETRIES: 0, llmEnabled: true };
    const llmServices = servicesFromIndex(llmConfig, services.index, createLlmAnswerer(llmConfig), { wordVectors: await loadWordVectorsFor(llmConfig) });
    llmApp = createApp({ config: { ...llmConfig, RATE_LIMIT_MAX: 100_000 }, state: { services: llmServices, status: "ok" }, logger: createLogger("silent"), webDir });
  });

  afterAll(async () => {
    await fake?.close();
  });

  beforeEach(() => fake.reset());

  /** The passages the model was shown, by number. */
  function promptPassages(): Map<number, string> {
    const messages = fake.requests[0]!.body.messages;
    const text = messages.map((m) => contentText(m)).join("\n");
    const out = new Map<number, string>();
    for (const m of text.matchAll(/<passage n="(\d+)"[^>]*>\n([\s\S]*?)\n<\/passage>/g)) out.set(Number(m[1]), m[2]!);
    return out;
  }

  it("uses a valid reply: mode llm, citations renumbered onto the briefing's sources", async () => {
    fake.script = () => ({
      kind: "reply",
      text: '```json\n{"sections":[{"heading":"Overview","points":[{"text":"IS-K seeks to strike beyond Afghanistan. [2]","citations":[2]},{"text":"Officials warned of external operations. [1][3]","citations":[1,3]}]},{"heading":"Outlook","points":[{"text":"An invented claim. [99]","citations":[99]}]}]}\n```',
    });
    const res = await request(llmApp).post("/api/briefing").send({ topic: "IS-K external operations" });
    expect(res.status, res.text).toBe(200);
    const b = BriefingSchema.parse(res.body);
    expect(b.mode).toBe("llm");
    expect(b.sections.map((s) => s.heading)).toEqual(["Overview"]);
    expect(b.sections[0]!.points.map((p) => p.text)).toEqual(["IS-K seeks to strike beyond Afghanistan.", "Officials warned of external operations."]);
    expect(b.warnings.join(" ")).toMatch(/\[99\]/);

    // The request: the briefing prompt, passages fenced as data, no streaming.
    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]!.body;
    expect(body.stream).toBeFalsy();
    expect(contentText(body.messages[0])).toBe(BRIEFING_SYSTEM_PROMPT);
    const shown = promptPassages();
    expect(shown.size).toBeGreaterThanOrEqual(3);
    const [first, second] = b.sections[0]!.points;
    expect(sourceOf(b, first!.citations[0]!).text.trim()).toBe(shown.get(2));
    expect(second!.citations.map((n) => sourceOf(b, n).text.trim())).toEqual([shown.get(1), shown.get(3)]);
    // The timeline and disagreements stay extractive and share the numbering.
    expect(b.timeline.length).toBeGreaterThan(0);
    expect(b.disagreements.length).toBeGreaterThan(0);
    expectSourcesConsistent(b);
  });

  it("reads a Markdown reply too", async () => {
    fake.script = () => ({ kind: "reply", text: "## Who is involved\n- IS-K is behind the plots [1].\n\n## Outlook\n- More attacks are likely [2]." });
    const b = BriefingSchema.parse((await request(llmApp).post("/api/briefing").send({ topic: "IS-K external operations", maxPoints: 5 })).body);
    expect(b.mode).toBe("llm");
    expect(b.sections.map((s) => s.heading)).toEqual(["Who is involved", "Outlook"]);
    expectSourcesConsistent(b);
  });

  it("falls back to the extractive briefing, with a warning, on garbage, an uncited reply or an error status", async () => {
    const extractive = await brief("IS-K external operations");
    for (const behaviour of [
      { kind: "garbage" } as const,
      { kind: "reply", text: '{"sections":[{"heading":"Overview","points":[{"text":"No citations here."}]}]}' } as const,
      { kind: "status", status: 500, message: "boom" } as const,
    ]) {
      fake.reset();
      fake.script = () => behaviour;
      const res = await request(llmApp).post("/api/briefing").send({ topic: "IS-K external operations" });
      expect(res.status, res.text).toBe(200);
      const b = BriefingSchema.parse(res.body);
      expect(b.mode).toBe("extractive");
      expect(b.warnings.some((w) => /LLM did not write the briefing/.test(w)), JSON.stringify(b.warnings)).toBe(true);
      expect(b.sections).toEqual(extractive.sections);
      expect(fake.requests.length).toBeGreaterThan(0);
      expectSourcesConsistent(b);
    }
  });
});
