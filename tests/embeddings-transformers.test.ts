import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "@huggingface/transformers";
import { TransformersEmbeddings, resolveModelProfile } from "../src/embeddings/transformers.js";
import { writeTinyBertModel } from "./helpers/tinyOnnxModel.js";

const HIDDEN = 32;

const cosine = (a: number[], b: number[]): number => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
};

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe("TransformersEmbeddings (offline, tiny generated BERT model)", () => {
  let root: string;
  let modelDir: string;
  let mean: TransformersEmbeddings;
  let bge: TransformersEmbeddings;
  const fetchCalls: string[] = [];
  const saved = {
    fetch: env.fetch,
    allowRemoteModels: env.allowRemoteModels,
    allowLocalModels: env.allowLocalModels,
    localModelPath: env.localModelPath,
  };

  beforeAll(async () => {
    // Any network attempt by transformers.js goes through env.fetch: record and refuse it.
    env.fetch = async (input: string | URL) => {
      fetchCalls.push(String(input));
      throw new Error(`network access attempted in test: ${String(input)}`);
    };
    root = await mkdtemp(path.join(os.tmpdir(), "tiny-bert-"));
    // Layout 1: localModelDir is the model folder itself.
    modelDir = path.join(root, "tiny-bert");
    await writeTinyBertModel(modelDir, { hiddenSize: HIDDEN });
    // Layout 2: localModelDir is a root holding `<hub id>/`, like a mirrored hub repo.
    await writeTinyBertModel(path.join(root, "local-org", "bge-tiny"), { hiddenSize: HIDDEN });

    mean = new TransformersEmbeddings({ model: "tiny-bert", localModelDir: modelDir, batchSize: 2 });
    bge = new TransformersEmbeddings({ model: "local-org/bge-tiny", localModelDir: root });
  });

  afterAll(async () => {
    await mean?.dispose();
    await bge?.dispose();
    Object.assign(env, saved);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("loads from the temp dir with the hub disabled and never touches the network", async () => {
    const [vector] = await mean.embedDocuments(["the drone strike hit the base"]);
    expect(vector).toBeDefined();
    expect(Array.isArray(vector)).toBe(true);
    expect(typeof vector![0]).toBe("number");
    expect(env.allowRemoteModels).toBe(false);
    expect(fetchCalls).toEqual([]);
  });

  it("has the model's hidden size as dimension", async () => {
    expect(await mean.dimensions()).toBe(HIDDEN);
    expect(mean.dims).toBe(HIDDEN);
    const vectors = await mean.embedDocuments(["military base", "market prices"]);
    for (const v of vectors) expect(v).toHaveLength(HIDDEN);
  });

  it("returns L2-normalised vectors", async () => {
    const vectors = await mean.embedDocuments([
      "the drone strike hit the base",
      "market prices rose sharply today",
      "fighters claimed the attack",
      "",
    ]);
    for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 5);
    expect(norm(await bge.embedQuery("drone strike"))).toBeCloseTo(1, 5);
  });

  it("gives identical vectors for identical texts", async () => {
    const text = "drone strikes near the border";
    const batch = [text, "the weather was sunny and warm in the city today", text];
    const first = await mean.embedDocuments(batch);
    // Same input, same output, bit for bit: nothing random at inference time.
    expect(await mean.embedDocuments(batch)).toEqual(first);
    const [alone] = await mean.embedDocuments([text]);
    expect(alone).toEqual(await mean.embedQuery(text));
    // Across batch rows and padding lengths onnxruntime may sum in a different order, so
    // only float rounding (~1e-8) separates them; any real difference would be far larger.
    const maxDiff = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
    expect(maxDiff(first[0]!, first[2]!)).toBeLessThan(1e-6);
    expect(maxDiff(first[0]!, alone!)).toBeLessThan(1e-6);
  });

  it("puts texts that share words closer than texts with disjoint words", async () => {
    const [a, b, c] = await mean.embedDocuments([
      "the drone strike hit the military base",
      "a drone strike near the base",
      "coffee and bread were cheap at a market",
    ]);
    const shared = cosine(a!, b!);
    const disjoint = cosine(a!, c!);
    expect(shared).toBeGreaterThan(disjoint);
    expect(shared - disjoint).toBeGreaterThan(0.1);
  });

  it("embeds queries and documents with the same dimension", async () => {
    const query = await mean.embedQuery("drone strike");
    const [doc] = await mean.embedDocuments(["drone strike"]);
    expect(query).toHaveLength(doc!.length);
    // No instruction for non-bge models: a query is embedded exactly like a document.
    expect(query).toEqual(doc);
  });

  it("uses CLS pooling and a query-only instruction for bge ids (hub-id layout under a root dir)", async () => {
    expect(bge.pooling).toBe("cls");
    expect(bge.normalize).toBe(true);
    const query = await bge.embedQuery("drone strike");
    const [doc] = await bge.embedDocuments(["drone strike"]);
    expect(query).toHaveLength(HIDDEN);
    expect(doc).toHaveLength(HIDDEN);
    expect(query).not.toEqual(doc);
    expect(fetchCalls).toEqual([]);
  });

  it("chooses pooling and prefixes from the model id unless given explicitly", () => {
    expect(resolveModelProfile("Xenova/bge-small-en-v1.5")).toMatchObject({
      pooling: "cls",
      normalize: true,
      queryInstruction: "Represent this sentence for searching relevant passages: ",
    });
    expect(resolveModelProfile("BAAI/bge-m3")).toMatchObject({ pooling: "cls", queryInstruction: "" });
    expect(resolveModelProfile("Xenova/all-MiniLM-L6-v2")).toMatchObject({ pooling: "mean", normalize: true, queryInstruction: "" });
    expect(resolveModelProfile("Xenova/gte-small")).toMatchObject({ pooling: "mean", queryInstruction: "" });
    expect(resolveModelProfile("Xenova/e5-small-v2")).toMatchObject({ pooling: "mean", queryInstruction: "query: ", documentPrefix: "passage: " });
    const explicit = new TransformersEmbeddings({ model: "Xenova/bge-small-en-v1.5", pooling: "mean", normalize: false });
    expect(explicit.pooling).toBe("mean");
    expect(explicit.normalize).toBe(false);
  });

  it("fails clearly, without going to the hub, when the local folder has no model", async () => {
    const missing = new TransformersEmbeddings({ model: "tiny-bert", localModelDir: path.join(root, "nothing-here") });
    await expect(missing.embedQuery("drone")).rejects.toThrow(/No model found/);
    expect(fetchCalls).toEqual([]);
  });
});
