import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, truncateSync, writeFileSync, mkdirSync, cpSync, symlinkSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { servicesFromIndex } from "../src/app.js";
import { buildIndex, ensureIndex, loadIndex, InvalidIndexError, type BuildProgress } from "../src/store/indexManager.js";
import { Document } from "@langchain/core/documents";
import { FakeEmbeddings } from "@langchain/core/utils/testing";
import hnswlib from "hnswlib-node";
import { DEFAULT_HNSW, FULL_SCAN, HnswStore, type ChunkDocument } from "../src/store/hnswStore.js";
import { copyCorpus, tempDir, testConfig } from "./helpers/fixtures.js";

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup(env: Record<string, string> = {}) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const corpusDir = copyCorpus(t.dir);
  return { dir: t.dir, corpusDir, config: testConfig(t.dir, env) };
}

describe("index store", () => {
  it("builds, saves and loads back the same index with a manifest", async () => {
    const { config } = setup();
    const built = await buildIndex(config);
    expect(built.index.documents).toHaveLength(5);
    const manifest = JSON.parse(readFileSync(path.join(config.indexDir, "manifest.json"), "utf8"));
    expect(manifest.embedder).toMatchObject({ provider: "local", dims: 2048 });
    expect(manifest.chunking).toMatchObject({ chunkSize: 700, chunkOverlap: 150 });
    expect(manifest.documents.map((d: { sha256: string }) => d.sha256)).toHaveLength(5);
    expect(Date.parse(manifest.builtAt)).not.toBeNaN();

    const loaded = await loadIndex(config);
    expect(loaded.chunks.map((c) => c.pageContent)).toEqual(built.index.chunks.map((c) => c.pageContent));
    const query = await loaded.embedder.embeddings.embedQuery("Crocus City Hall attack in Moscow");
    const [top] = await loaded.store.similaritySearchVectorWithScore(query, 1);
    expect(top![0].pageContent).toContain("Crocus City Hall");
    const again = await ensureIndex(config);
    expect(again.rebuilt).toBe(false);
  });

  it("embeds and indexes batch by batch, reporting each phase in order, into a graph sized to the corpus", async () => {
    const { config } = setup();
    const events: BuildProgress[] = [];
    const built = await buildIndex(config, (p) => events.push(p));
    const phases = events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(["load", "chunk", "index", "write"]);
    const index = events.filter((e) => e.phase === "index");
    const chunks = built.index.chunks.length;
    expect(index.length).toBeGreaterThan(2); // progress during the step, not only at its ends
    expect(index.map((e) => e.done)).toEqual([...index.map((e) => e.done)].sort((a, b) => a - b));
    expect(index.at(-1)).toEqual({ phase: "index", done: chunks, total: chunks });
    const graph = (built.index.store as unknown as { index: { getMaxElements(): number; getCurrentCount(): number } }).index;
    expect(graph.getCurrentCount()).toBe(chunks);
    expect(graph.getMaxElements()).toBe(chunks);
  });

  it("rebuilds when a document changes, is added or removed", async () => {
    const { config, corpusDir } = setup();
    await buildIndex(config);
    appendFileSync(path.join(corpusDir, "000_8517e75c48583b26.txt"), "\nA new closing sentence about Herat.");
    const changed = await ensureIndex(config);
    expect(changed).toMatchObject({ rebuilt: true, reason: "corpus changed" });
    expect(changed.index.chunks.some((c) => c.pageContent.includes("Herat"))).toBe(true);

    writeFileSync(path.join(corpusDir, "005_new.md"), "# A New Note\n\nThe new note mentions Zaranj twice. Zaranj again.");
    const added = await ensureIndex(config);
    expect(added.rebuilt).toBe(true);
    expect(added.index.documents).toHaveLength(6);
    expect((await ensureIndex(config)).rebuilt).toBe(false);
  });

  it("rebuilds when the embedder or chunking changes", async () => {
    const { config, dir } = setup();
    await buildIndex(config);
    const other = testConfig(dir, { LOCAL_EMBEDDINGS_DIM: "1024" });
    expect(await ensureIndex(other)).toMatchObject({ rebuilt: true });
    expect((await loadIndex(other)).manifest.embedder.dims).toBe(1024);
    const chunking = testConfig(dir, { LOCAL_EMBEDDINGS_DIM: "1024", CHUNK_SIZE: "500" });
    expect((await ensureIndex(chunking)).reason).toBe("chunking parameters changed");
  });

  it("rebuilds when the HNSW build parameters change, and searches with the current efSearch", async () => {
    const { config } = setup();
    await buildIndex(config);
    const file = path.join(config.indexDir, "manifest.json");
    const manifest = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...manifest, hnsw: { ...manifest.hnsw, efSearch: manifest.hnsw.efSearch + 1 } }));
    expect((await loadIndex(config)).store.params).toEqual(DEFAULT_HNSW);
    writeFileSync(file, JSON.stringify({ ...manifest, hnsw: { ...manifest.hnsw, m: manifest.hnsw.m + 1 } }));
    await expect(loadIndex(config)).rejects.toThrow("HNSW build parameters changed");
    expect((await ensureIndex(config)).reason).toBe("HNSW build parameters changed");
    expect((await ensureIndex(config)).rebuilt).toBe(false);
  });

  it("detects a truncated index file and rebuilds instead of serving it", async () => {
    const { config } = setup();
    await buildIndex(config);
    const file = path.join(config.indexDir, "hnsw.index");
    truncateSync(file, 1000);
    await expect(loadIndex(config)).rejects.toThrow(InvalidIndexError);
    const result = await ensureIndex(config);
    expect(result.rebuilt).toBe(true);
    expect(result.reason).toMatch(/truncated or corrupt/);
    expect((await loadIndex(config)).chunks.length).toBe(result.index.chunks.length);
  });

  it("rebuilds, without crashing, an index file that matches its manifest but hnswlib cannot read", async () => {
    const { config } = setup();
    await buildIndex(config);
    // As if written by another hnswlib: the manifest vouches for bytes the addon rejects.
    const file = path.join(config.indexDir, "hnsw.index");
    const garbage = Buffer.alloc(4096, 7);
    writeFileSync(file, garbage);
    const manifestFile = path.join(config.indexDir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    manifest.files["hnsw.index"] = { bytes: garbage.length, sha256: createHash("sha256").update(garbage).digest("hex") };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const result = await ensureIndex(config);
    expect(result.rebuilt).toBe(true);
    expect(result.reason).toMatch(/hnsw.index unreadable/);
    expect((await loadIndex(config)).chunks.length).toBe(result.index.chunks.length);
  });

  it("detects a corrupted docstore, a missing file and a garbage manifest", async () => {
    const { config } = setup();
    await buildIndex(config);
    const chunks = path.join(config.indexDir, "chunks.json");
    writeFileSync(chunks, readFileSync(chunks, "utf8").replace("Taliban", "Talibam"));
    expect((await ensureIndex(config)).reason).toMatch(/chunks.json is truncated or corrupt/);
    renameSync(path.join(config.indexDir, "embedder.json"), path.join(config.indexDir, "gone.json"));
    expect((await ensureIndex(config)).reason).toMatch(/embedder.json missing/);
    writeFileSync(path.join(config.indexDir, "manifest.json"), "{not json");
    expect((await ensureIndex(config)).reason).toBe("manifest unreadable or invalid");
  });

  it("leaves no temp folders behind and recovers an index left mid-swap", async () => {
    const { config } = setup();
    await buildIndex(config);
    const parent = path.dirname(config.indexDir);
    expect(readdirSync(parent).filter((e) => e.includes(".tmp-") || e.includes(".old-"))).toEqual([]);
    // A build killed between its two renames leaves only the old index beside the target.
    renameSync(config.indexDir, `${config.indexDir}.old-999999-1`);
    mkdirSync(`${config.indexDir}.tmp-999999-2`);
    const result = await ensureIndex(config);
    expect(result.rebuilt).toBe(false);
    expect(existsSync(`${config.indexDir}.tmp-999999-2`)).toBe(false);
  });

  it("gives two files with the same name stem one id only: the second is skipped, not confused", async () => {
    const { config, corpusDir } = setup();
    writeFileSync(path.join(corpusDir, "report.md"), "# Cod\n\nCod fishing peaks in winter in Norway.");
    writeFileSync(path.join(corpusDir, "report.txt"), "The Taliban fights ISKP in Nangarhar province.");
    const result = await buildIndex(config);
    expect(result.index.documents.filter((d) => d.id === "report")).toHaveLength(1);
    expect(result.skipped).toEqual([{ fileName: "report.txt", reason: 'duplicate document id "report" (another file has the same name stem)' }]);
  });

  it("survives concurrent builds and loads of one index folder", async () => {
    const { config } = setup();
    await buildIndex(config);
    const results = await Promise.allSettled([buildIndex(config), buildIndex(config), loadIndex(config), ensureIndex(config), buildIndex(config)]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const loaded = await loadIndex(config);
    expect(loaded.documents).toHaveLength(5);
    const parent = path.dirname(config.indexDir);
    expect(readdirSync(parent).filter((e) => /\.(tmp|old)-|\.lock$/.test(e))).toEqual([]);
  });

  it("lets two builds that write in the same millisecond each swap in their own folder", async () => {
    const { config } = setup();
    await buildIndex(config);
    // Pin the clock (and chance) so both builds name their folders at one instant.
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now);
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const results = await Promise.allSettled([buildIndex(config), buildIndex(config)]);
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    } finally {
      vi.restoreAllMocks();
    }
    expect((await loadIndex(config)).documents).toHaveLength(5);
    expect(readdirSync(path.dirname(config.indexDir)).filter((e) => /\.(tmp|old)-|\.lock$/.test(e))).toEqual([]);
  });

  it("finds words in a document written without spaces (Chinese)", async () => {
    const { config, corpusDir } = setup();
    writeFileSync(path.join(corpusDir, "zh_note.txt"), "莫斯科音乐厅袭击\n\n恐怖分子在莫斯科的音乐厅发动袭击，造成一百多人死亡。调查人员正在寻找同伙。");
    await buildIndex(config);
    const services = servicesFromIndex(config, await loadIndex(config));
    const [top] = await services.answers.search("莫斯科 袭击", 1);
    expect(top?.documentId).toBe("zh_note");
    const answer = await services.answers.ask({ question: "谁在莫斯科发动袭击？" });
    expect(answer.abstained).toBe(false);
    expect(answer.citations[0]?.documentId).toBe("zh_note");
  });

  it("notices a change to a linked document", async () => {
    const { config, corpusDir, dir } = setup();
    const target = path.join(dir, "outside.txt");
    writeFileSync(target, "Linked note: Zaranj was quiet.");
    symlinkSync(target, path.join(corpusDir, "linked.txt"));
    const first = await buildIndex(config);
    expect(first.index.documents.map((d) => d.id)).toContain("linked");
    writeFileSync(target, "Linked note: Zaranj saw fighting.");
    const again = await ensureIndex(config);
    expect(again).toMatchObject({ rebuilt: true, reason: "corpus changed" });
    expect(again.index.documents.find((d) => d.id === "linked")?.text).toContain("fighting");
  });

  it("skips unreadable and binary files with a reason and indexes the rest", async () => {
    const { config, corpusDir } = setup();
    writeFileSync(path.join(corpusDir, "binary.txt"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a]));
    writeFileSync(path.join(corpusDir, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]));
    cpSync(path.join(corpusDir, "000_8517e75c48583b26.txt"), path.join(corpusDir, "ignored.pdf"));
    const result = await buildIndex(config);
    expect(result.index.documents).toHaveLength(5);
    expect(result.skipped).toEqual([
      { fileName: "binary.txt", reason: "binary content (NUL bytes)" },
      { fileName: "latin1.txt", reason: "not valid UTF-8 text" },
    ]);
  });
});

describe("exact scan of a small index", () => {
  /** Sparse, like the local embedder's: a few hundred of 512 entries set. */
  function sparseVectors(count: number, dims: number, seed: number): number[][] {
    let x = seed;
    const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    return Array.from({ length: count }, () => Array.from({ length: dims }, () => (next() < 0.15 ? next() * 2 - 1 : 0)));
  }
  const doc = (i: number): ChunkDocument =>
    new Document({ pageContent: `chunk ${i}`, metadata: { documentId: "d", chunkIndex: i, start: i, end: i + 1, title: null, label: "d", section: null, author: null, publisher: null, date: null } });

  it("returns what HNSW returns, with the same similarities, and HNSW takes over past the threshold", async () => {
    const dims = 512;
    const store = new HnswStore(new FakeEmbeddings(), dims);
    await store.addVectors(sparseVectors(300, dims, 7), Array.from({ length: 300 }, (_, i) => doc(i)));
    const queries = sparseVectors(20, dims, 99);
    const saved = { ...FULL_SCAN };
    const graphCalls = vi.spyOn((store as unknown as { index: { searchKnn: (...a: unknown[]) => unknown } }).index, "searchKnn");
    try {
      for (const q of queries) {
        const exact = await store.similaritySearchVectorWithScore(q, 10);
        expect(graphCalls).not.toHaveBeenCalled();
        FULL_SCAN.maxOps = 0; // forces the HNSW path
        const graph = await store.similaritySearchVectorWithScore(q, 10);
        expect(graphCalls).toHaveBeenCalledTimes(1);
        graphCalls.mockClear();
        FULL_SCAN.maxOps = saved.maxOps;
        expect(exact.map(([d]) => d.metadata.chunkIndex)).toEqual(graph.map(([d]) => d.metadata.chunkIndex));
        exact.forEach(([, s], i) => expect(s).toBeCloseTo(graph[i]![1], 4));
      }
      // A filter is applied by the scan too.
      const even = await store.similaritySearchVectorWithScore(queries[1]!, 5, (d) => d.metadata.chunkIndex % 2 === 0);
      expect(even).toHaveLength(5);
      expect(even.every(([d]) => d.metadata.chunkIndex % 2 === 0)).toBe(true);
      expect(graphCalls).not.toHaveBeenCalled();
      // Vectors added after a scan are found by the next one.
      await store.addVectors([queries[0]!], [doc(300)]);
      const [[top, similarity]] = (await store.similaritySearchVectorWithScore(queries[0]!, 1)) as [[ChunkDocument, number]];
      expect(top.metadata.chunkIndex).toBe(300);
      expect(similarity).toBeCloseTo(1, 5);
    } finally {
      Object.assign(FULL_SCAN, saved);
    }
  });

  it("refuses a vector or a query holding NaN or Infinity, and keeps answering as before", async () => {
    const dims = 64;
    const store = new HnswStore(new FakeEmbeddings(), dims);
    const vectors = sparseVectors(40, dims, 3);
    await store.addVectors(vectors, vectors.map((_, i) => doc(i)));
    const before = await store.similaritySearchVectorWithScore(vectors[5]!, 5);
    const broken = [...vectors[6]!];
    broken[17] = Number.NaN;
    await expect(store.addVectors([vectors[7]!, broken], [doc(40), doc(41)])).rejects.toThrow(/dimension 17.*not a finite number/);
    const infinite = [...vectors[5]!];
    infinite[3] = Number.POSITIVE_INFINITY;
    await expect(store.similaritySearchVectorWithScore(infinite, 5)).rejects.toThrow(/query vector has Infinity at dimension 3/);
    // Nothing of the refused batch was stored, not even its good vector.
    expect(await store.similaritySearchVectorWithScore(vectors[5]!, 5)).toEqual(before);
    expect(await store.similaritySearchVectorWithScore(vectors[7]!, 100)).toHaveLength(40);
  });
});

describe("the HNSW addon as installed", () => {
  // `npm install` patches hnswlib (scripts/patches) and rebuilds the addon: a generic x86-64
  // build still carries AVX and AVX-512 distance code, picked at run time, and searchKnn takes a
  // Float32Array. Without the patch search still works (plain arrays) but is slower at scale:
  // these notice a postinstall that stopped running.
  const root = path.join(import.meta.dirname, "..", "node_modules", "hnswlib-node");

  it("takes a Float32Array query in one copy and answers as it does for an Array", () => {
    const index = new hnswlib.HierarchicalNSW("cosine", 64);
    index.initIndex({ maxElements: 200, m: 16, efConstruction: 100, randomSeed: 1 });
    let x = 3;
    const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (let i = 0; i < 200; i++) index.addPoint(Array.from({ length: 64 }, next), i);
    for (let q = 0; q < 10; q++) {
      const query = Array.from({ length: 64 }, next);
      expect(index.searchKnn(Float32Array.from(query), 5)).toEqual(index.searchKnn(query, 5));
    }
    expect(() => index.searchKnn(new Float32Array(3), 5)).toThrow(/length/);
  });

  it("is built from hnswlib patched for run-time SIMD dispatch", () => {
    expect(readFileSync(path.join(root, "src", "hnswlib", "hnswlib.h"), "utf8")).toContain("HNSWLIB_RUNTIME_DISPATCH");
    // The addon is not stripped: its symbol table names the AVX-512 distance when it was compiled in.
    if (process.platform === "linux" && process.arch === "x64") {
      expect(readFileSync(path.join(root, "build", "Release", "addon.node")).includes("InnerProductSIMD16ExtAVX512")).toBe(true);
    }
  });
});
