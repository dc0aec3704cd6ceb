import type { Express } from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../src/app.js";
import { BriefingService } from "../src/briefing/service.js";
import type { AppConfig } from "../src/config/index.js";
import { KEYWORD_ONLY_WARNING } from "../src/retrieval/hybrid.js";
import { EmbedderUnavailableError } from "../src/retrieval/types.js";
import { failureReasons, runEval } from "../src/eval/run.js";
import { createApp } from "../src/server/app.js";
import { createLogger } from "../src/server/logger.js";
import { AnswerSchema } from "../src/answer/types.js";
import { SearchResponseSchema } from "../src/server/schemas.js";
import { corpusServices } from "./helpers/fixtures.js";
import { FAKE_EMBEDDING_DIMS, startFakeOpenAI, type FakeOpenAI } from "./helpers/fakeOpenAI.js";

/**
 * The OpenAI-compatible embedder (OPENAI_BASE_URL: Ollama, vLLM, llama.cpp, OpenAI) against a
 * local server speaking the embeddings protocol: the index is built through it, questions are
 * embedded through it, and when it goes down at query time answers still come, from keyword
 * search, saying so.
 */
let fake: FakeOpenAI;
let services: Services;
let config: AppConfig;
let app: Express;
let cleanup = () => {};

const QUESTION = "How many attacks did IS-K carry out against the Taliban?";
const DOWN = { kind: "status", status: 503, message: "embedding model is loading" } as const;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  ({ services, config, cleanup } = await corpusServices({
    EMBEDDINGS_PROVIDER: "openai",
    EMBEDDINGS_MODEL: "fake-embeddings",
    OPENAI_BASE_URL: fake.baseURL,
    LLM_MAX_RETRIES: "0",
    LLM_TIMEOUT_MS: "2000",
  }));
  app = createApp({ config: { ...config, RATE_LIMIT_MAX: 100_000 }, state: { services, status: "ok" }, logger: createLogger("silent"), webDir: "web" });
  embeddedAtBuild = fake.embeddingRequests.flat().length;
  // Each test decides when the embedder is down; the pause after a failure and the vectors kept
  // for questions asked before have their own tests.
  services.retriever.embedderRetryMs = 0;
  services.retriever.queryVectorsKept = 0;
  services.retriever.onEmbedderError = (err) => logged.push(err);
}, 60_000);

const logged: unknown[] = [];
let embeddedAtBuild = 0;

/** Every answer sentence is verbatim in the passage its marker cites. */
function expectQuotedFromCitations(answer: { answer: string; citations: { n: number; text: string }[] }) {
  const parts = [...answer.answer.matchAll(/(?:^|\] )(?:- )?(.+?) \[(\d+)\]/gm)];
  expect(parts.length).toBeGreaterThan(0);
  for (const [, sentence, n] of parts) expect(answer.citations.find((c) => c.n === Number(n))?.text).toContain(sentence!.replace(/^The sources give different figures:\s*-?\s*/, ""));
}

afterAll(async () => {
  cleanup();
  await fake?.close();
});

describe("the OpenAI-compatible embedder", () => {
  it("rests the embedder for a while after it fails, then tries it again; clients never see its error text", async () => {
    services.retriever.embedderRetryMs = 400;
    fake.embeddings = () => ({ kind: "status", status: 401, message: "Incorrect API key provided: sk-abcdefgh12345678. See https://platform.example/keys?token=zzz" });
    try {
      fake.reset();
      const first = await services.answers.ask({ question: QUESTION, cacheMode: "bypass" });
      expect(first.warnings).toEqual([KEYWORD_ONLY_WARNING]);
      expect(JSON.stringify(first)).not.toMatch(/sk-|https?:|401/);
      fake.embeddings = () => ({ kind: "vectors" });
      // Within the pause the embedder is not asked, though it is back.
      const second = await services.answers.ask({ question: QUESTION, cacheMode: "bypass" });
      expect(second.warnings).toEqual([KEYWORD_ONLY_WARNING]);
      expect(fake.embeddingRequests).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 450));
      const third = await services.answers.ask({ question: QUESTION, cacheMode: "bypass" });
      expect(third.warnings).toEqual([]);
      expect(fake.embeddingRequests).toHaveLength(2);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
      services.retriever.embedderRetryMs = 0;
    }
  });

  it("embeds a question asked again only once, and searches it by meaning while the embedder is down", async () => {
    services.retriever.queryVectorsKept = 256;
    try {
      fake.reset();
      const question = "Which Iranian proxy militia could be drawn into a conflict with IS-K?";
      const first = await services.answers.ask({ question, cacheMode: "bypass" });
      const again = await services.answers.ask({ question, cacheMode: "bypass" });
      expect(fake.embeddingRequests).toEqual([[question]]);
      expect(again.answer).toBe(first.answer);
      fake.embeddings = () => DOWN;
      const kept = await services.answers.search(question, 5, { mode: "dense" });
      expect(kept.length).toBe(5);
      // A question never embedded has no vector to fall back on.
      const other = await services.answers.ask({ question: "Where did China agree to set up a military base?", cacheMode: "bypass" });
      expect(other.warnings).toEqual([KEYWORD_ONLY_WARNING]);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
      services.retriever.queryVectorsKept = 0;
    }
  });

  it("embeds every chunk through the server when the index is built, and each question when asked", async () => {
    expect(embeddedAtBuild).toBe(services.index.chunks.length);
    expect(services.index.store.dims).toBe(FAKE_EMBEDDING_DIMS);
    fake.reset();
    const answer = await services.answers.ask({ question: QUESTION, cacheMode: "bypass" });
    expect(fake.embeddingRequests).toEqual([[QUESTION]]);
    expect(answer.abstained).toBe(false);
    expect(answer.warnings).toEqual([]);
    const dense = await services.answers.search(QUESTION, 5, { mode: "dense" });
    expect(dense.length).toBe(5);
    expect(dense.every((p) => p.denseScore > 0)).toBe(true);
  });

  it("answers from keyword search, with a warning, while the embedder is down, and does not keep that answer", async () => {
    const healthy = await services.answers.ask({ question: QUESTION, cacheMode: "bypass" });
    fake.embeddings = () => DOWN;
    try {
      const degraded = await services.answers.ask({ question: QUESTION });
      expect(degraded.abstained).toBe(false);
      expect(degraded.warnings).toEqual([KEYWORD_ONLY_WARNING]);
      expect(degraded.citations.length).toBeGreaterThan(0);
      expectQuotedFromCitations(degraded);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
    }
    // Back up: the same question gets the whole pipeline's answer, not the degraded one from the cache.
    const after = await services.answers.ask({ question: QUESTION });
    expect(after.cached).not.toBe(true);
    expect(after.warnings).toEqual([]);
    expect(after.answer).toBe(healthy.answer);
  });

  it("refuses a dense-only search it cannot run, naming the embedder", async () => {
    fake.embeddings = () => DOWN;
    try {
      await expect(services.answers.search(QUESTION, 5, { mode: "dense" })).rejects.toBeInstanceOf(EmbedderUnavailableError);
      expect(await services.answers.search(QUESTION, 5, { mode: "bm25" })).toHaveLength(5);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
    }
  });

  it("treats vectors of the wrong size as no answer from the embedder", async () => {
    // A server swapped to another model answers, but with vectors the index cannot search with.
    fake.embeddings = () => ({ kind: "vectors", dims: 384 });
    try {
      const warnings: string[] = [];
      logged.length = 0;
      const passages = await services.answers.search(QUESTION, 5, undefined, warnings);
      expect(passages).toHaveLength(5);
      expect(warnings).toEqual([KEYWORD_ONLY_WARNING]);
      // The reason goes to the server's log, not to clients.
      expect(String(logged[0])).toMatch(/query has 384 dimensions, index has 256/);
      await expect(services.answers.search(QUESTION, 5, { mode: "dense" })).rejects.toThrow(/384 dimensions/);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
    }
  });

  it("tells API clients, for /api/ask and /api/search alike, that the passages came from keyword search", async () => {
    fake.embeddings = () => ({ kind: "garbage" });
    try {
      const ask = await request(app).post("/api/ask").set("cache-control", "no-store").send({ question: QUESTION });
      expect(ask.status).toBe(200);
      const answer = AnswerSchema.parse(ask.body);
      expect(answer.abstained).toBe(false);
      expect(answer.warnings).toEqual([KEYWORD_ONLY_WARNING]);

      const search = await request(app).get("/api/search").query({ q: QUESTION, k: 3 });
      expect(search.status).toBe(200);
      const body = SearchResponseSchema.parse(search.body);
      expect(body.results).toHaveLength(3);
      expect(body.results.every((r) => r.denseScore === 0 && r.bm25Score > 0)).toBe(true);
      expect(body.warnings).toEqual([KEYWORD_ONLY_WARNING]);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
    }
    const healthy = await request(app).get("/api/search").query({ q: QUESTION, k: 3 });
    expect(healthy.body.warnings).toBeUndefined();
  });

  it("marks an evaluation run while the embedder is down, so its figures are not taken for the pipeline's", async () => {
    fake.embeddings = () => DOWN;
    try {
      const { outcomes } = await runEval([{ id: "e1", question: QUESTION, answerable: true, evidence: [], facts: [["seventy-six"]] }], {
        search: async (q, k) => (await services.answers.search(q, k)).map((p) => p.text),
        ask: (q) => services.answers.ask({ question: q, cacheMode: "bypass" }),
      });
      expect(outcomes[0]!.warnings).toEqual([KEYWORD_ONLY_WARNING]);
      expect(failureReasons(outcomes[0]!)).toContain(`warning: ${KEYWORD_ONLY_WARNING}`);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
    }
  });

  it("writes a briefing from keyword search while the embedder is down, warning once, not once per search", async () => {
    fake.embeddings = () => DOWN;
    try {
      const b = await BriefingService.fromServices(services, { writer: null }).brief({ topic: "Taliban", maxPoints: 3 });
      expect(b.sections.length).toBeGreaterThan(0);
      expect(b.warnings.filter((w) => /keyword search alone/.test(w))).toHaveLength(1);
    } finally {
      fake.embeddings = () => ({ kind: "vectors" });
    }
  });
});
