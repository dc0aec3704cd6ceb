import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servicesFromIndex, type Services } from "../src/app.js";
import { AnswerCache, answerKey, copyAnswer } from "../src/answer/cache.js";
import type { LlmAnswerer } from "../src/answer/pipeline.js";
import { AnswerSchema, type Answer } from "../src/answer/types.js";
import { parseConfig, type AppConfig } from "../src/config/index.js";
import { createApp } from "../src/server/app.js";
import { createLogger } from "../src/server/logger.js";
import { corpusServices } from "./helpers/fixtures.js";
import { sseBodyParser, type SseEvent } from "./helpers/sse.js";

const FIGHTERS = "How many fighters does ISKP have?";
const CROCUS = "Who carried out the Crocus City Hall attack?";

let base: Services;
let config: AppConfig;
let cleanup: () => void;

beforeAll(async () => {
  const built = await corpusServices();
  base = built.services;
  config = built.config;
  cleanup = built.cleanup;
});

afterAll(() => cleanup?.());

/** Fresh services (so a fresh cache) over the one index built for this file. */
function fresh(env: Partial<AppConfig> = {}, llm?: LlmAnswerer, cache?: AnswerCache, index = base.index): Services {
  return servicesFromIndex({ ...config, ...env }, index, llm, { cache });
}

function appFor(services: Services): Express {
  return createApp({ config: { ...config, RATE_LIMIT_MAX: 100_000 }, state: { services, status: "ok" }, logger: createLogger("silent") });
}

const ask = (app: Express, body: object, headers: Record<string, string> = {}) => request(app).post("/api/ask").set(headers).send(body);

function parse(body: unknown): Answer {
  const parsed = AnswerSchema.safeParse(body);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return parsed.data!;
}

/** The answer without what legitimately differs between a computed and a cached reply. */
const content = (a: Answer) => {
  const { timings: _t, cached: _c, ...rest } = a;
  return rest;
};

describe("answer cache over HTTP", () => {
  it("serves a repeated question from the cache: same answer, flagged cached, timings of the lookup", async () => {
    const app = appFor(fresh());
    const first = parse((await ask(app, { question: FIGHTERS })).body);
    expect(first.cached).toBeUndefined();
    expect(first.timings.totalMs).toBeGreaterThan(0);
    const second = parse((await ask(app, { question: FIGHTERS })).body);
    expect(second.cached).toBe(true);
    expect(content(second)).toEqual(content(first));
    expect(second.timings.retrievalMs).toBe(0);
    expect(second.timings.generationMs).toBe(0);
    expect(second.timings.totalMs).toBeLessThan(first.timings.totalMs);
  });

  it("treats whitespace variants of a question as the same question", async () => {
    const app = appFor(fresh());
    const first = parse((await ask(app, { question: FIGHTERS })).body);
    const spaced = parse((await ask(app, { question: `  How many\n fighters  does ISKP\thave?` })).body);
    expect(spaced.cached).toBe(true);
    expect(spaced.query).toBe(first.query);
  });

  it("misses for a different k, different history, or a different question", async () => {
    const app = appFor(fresh());
    await ask(app, { question: FIGHTERS });
    expect((await ask(app, { question: FIGHTERS, k: 3 })).body.cached).toBeUndefined();
    expect((await ask(app, { question: FIGHTERS, k: 3 })).body.cached).toBe(true);
    // A follow-up is keyed by the standalone query it is rewritten to: another earlier
    // question makes another query, and so another answer.
    const followUp = "And how many people did it kill?";
    const history = [{ role: "user", content: CROCUS }];
    expect((await ask(app, { question: followUp, history })).body.cached).toBeUndefined();
    const other = [{ role: "user", content: "What happened at Kabul airport in August 2021?" }];
    expect((await ask(app, { question: followUp, history: other })).body.cached).toBeUndefined();
    expect((await ask(app, { question: followUp, history })).body.cached).toBe(true);
    // History that does not change the query (a self-contained question) is not part of the key.
    const long = [{ role: "user", content: CROCUS }, { role: "assistant", content: "x".repeat(5000) }];
    expect((await ask(app, { question: FIGHTERS, history: long })).body.cached).toBe(true);
    expect((await ask(app, { question: CROCUS })).body.cached).toBeUndefined();
  });

  it("computes afresh on Cache-Control: no-cache, and neither reads nor writes on no-store", async () => {
    const app = appFor(fresh());
    await ask(app, { question: FIGHTERS });
    expect((await ask(app, { question: FIGHTERS }, { "Cache-Control": "no-cache" })).body.cached).toBeUndefined();
    expect((await ask(app, { question: FIGHTERS }, { "Cache-Control": "max-age=0, no-store" })).body.cached).toBeUndefined();
    expect((await ask(app, { question: CROCUS }, { "Cache-Control": "no-store" })).body.cached).toBeUndefined();
    expect((await ask(app, { question: CROCUS })).body.cached).toBeUndefined();
    expect((await ask(app, { question: CROCUS })).body.cached).toBe(true);
  });

  it("replays a cached answer on the stream: sources, tokens that add up to the answer, done flagged cached", async () => {
    const app = appFor(fresh());
    const stream = () => request(app).post("/api/ask/stream").send({ question: FIGHTERS }).buffer(true).parse(sseBodyParser as never);
    const first = (await stream()).body as SseEvent[];
    const second = (await stream()).body as SseEvent[];
    expect(second.map((e) => e.event)).toEqual(first.map((e) => e.event));
    expect(second[0]?.event).toBe("sources");
    expect(second[0]?.data).toEqual(first[0]?.data);
    const done = parse(second.at(-1)?.data);
    expect(done.cached).toBe(true);
    const tokens = second.filter((e) => e.event === "token").map((e) => (e.data as { delta: string }).delta);
    expect(tokens.join("")).toBe(done.answer);
    expect(parse(first.at(-1)?.data).cached).toBeUndefined();
  });

  it("documents the flag and the Cache-Control header in the OpenAPI document", async () => {
    const doc = (await request(appFor(fresh())).get("/api/openapi.json")).body;
    const answer = doc.paths["/api/ask"].post.responses["200"].content["application/json"].schema;
    expect(answer.properties.cached).toEqual({ type: "boolean", const: true });
    expect(answer.required).not.toContain("cached");
    expect(doc.paths["/api/ask/stream"].post.parameters.map((p: { name: string }) => p.name)).toContain("Cache-Control");
  });

  it("is off with ANSWER_CACHE_SIZE=0", async () => {
    const c = parseConfig({ ANSWER_CACHE_SIZE: "0" });
    expect(c.ANSWER_CACHE_SIZE).toBe(0);
    const services = fresh({ ANSWER_CACHE_SIZE: 0 });
    expect(services.answers.caching).toBe(false);
    const app = appFor(services);
    await ask(app, { question: FIGHTERS });
    expect((await ask(app, { question: FIGHTERS })).body.cached).toBeUndefined();
  });
});

describe("answer cache in the pipeline", () => {
  it("never serves an answer computed on another index build", async () => {
    const cache = new AnswerCache(16);
    const before = fresh({}, undefined, cache);
    await before.answers.ask({ question: FIGHTERS });
    expect((await before.answers.ask({ question: FIGHTERS })).cached).toBe(true);
    // The same documents rebuilt: a new build time and new file checksums.
    const manifest = { ...base.index.manifest, builtAt: new Date(Date.now() + 60_000).toISOString() };
    const rebuilt = fresh({}, undefined, cache, { ...base.index, manifest });
    expect((await rebuilt.answers.ask({ question: FIGHTERS })).cached).toBeUndefined();
    expect(cache.size).toBe(2);
    const files = Object.fromEntries(Object.entries(base.index.manifest.files).map(([k, v]) => [k, { ...v, sha256: `0${v.sha256.slice(1)}` }]));
    const rewritten = fresh({}, undefined, cache, { ...base.index, manifest: { ...base.index.manifest, files } });
    expect((await rewritten.answers.ask({ question: FIGHTERS })).cached).toBeUndefined();
  });

  it("hands out copies: changing a returned answer changes no later answer", async () => {
    const services = fresh();
    const first = await services.answers.ask({ question: FIGHTERS });
    const original = structuredClone(first);
    first.citations[0]!.text = "tampered";
    first.warnings.push("tampered");
    const second = await services.answers.ask({ question: FIGHTERS });
    expect(second.cached).toBe(true);
    second.citations[0]!.text = "tampered again";
    second.answer = "tampered";
    const third = await services.answers.ask({ question: FIGHTERS });
    expect(content(third)).toEqual(content(original));
  });

  it("copies answers deeply: a copy shares no object with the original, abstentions included", async () => {
    const services = fresh();
    let withSuggestions = 0;
    for (const question of [FIGHTERS, "What is the recipe for a chocolate cake?"]) {
      const computed = await services.answers.ask({ question });
      if (computed.suggestions?.length) withSuggestions++;
      const a = await services.answers.ask({ question });
      const b = await services.answers.ask({ question });
      expect(b.cached).toBe(true);
      expect(copyAnswer(computed)).toEqual(computed);
      const objects = (v: unknown, out = new Set<object>()): Set<object> => {
        if (v && typeof v === "object") {
          out.add(v);
          for (const x of Object.values(v)) objects(x, out);
        }
        return out;
      };
      const inA = objects(a);
      for (const o of objects(b)) expect(inA.has(o)).toBe(false);
      for (const o of objects(copyAnswer(computed))) expect(objects(computed).has(o)).toBe(false);
    }
    expect(withSuggestions).toBe(1);
  });

  it("never caches LLM answers", async () => {
    let calls = 0;
    const llm: LlmAnswerer = {
      model: "stub",
      generate: async () => {
        calls++;
        return `ISKP has a few thousand fighters [1]. (${calls})`;
      },
      rewrite: async (q) => q,
    };
    const services = fresh({}, llm);
    expect(services.answers.caching).toBe(false);
    const first = await services.answers.ask({ question: FIGHTERS });
    const second = await services.answers.ask({ question: FIGHTERS });
    expect(first.mode).toBe("llm");
    expect(second.cached).toBeUndefined();
    expect(second.answer).not.toBe(first.answer);
    expect(calls).toBe(2);
  });

  it("keys on retrieval options too (the eval's ablations)", () => {
    const parts = { indexId: "i", question: FIGHTERS, k: 5 };
    expect(answerKey(parts)).toBe(answerKey({ ...parts, question: ` ${FIGHTERS.replace(/ /g, "  ")} ` }));
    expect(answerKey(parts)).not.toBe(answerKey({ ...parts, retrieval: { rerankDepth: 0 } }));
    expect(answerKey(parts)).not.toBe(answerKey({ ...parts, indexId: "j" }));
  });

  it("evicts the least recently used answer beyond its capacity", () => {
    const cache = new AnswerCache(2);
    const answer = (text: string): Answer => ({ answer: text, citations: [], abstained: false, mode: "extractive", warnings: [], query: text, timings: { retrievalMs: 1, generationMs: 1, totalMs: 2 } });
    cache.set("a", answer("a"));
    cache.set("b", answer("b"));
    expect(cache.get("a")?.answer).toBe("a"); // a is now the most recent
    cache.set("c", answer("c"));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.answer).toBe("a");
    expect(cache.get("c")?.answer).toBe("c");
    expect(cache.size).toBe(2);
    const zero = new AnswerCache(0);
    zero.set("a", answer("a"));
    expect(zero.get("a")).toBeUndefined();
  });
});
