import { Document } from "@langchain/core/documents";
import { promises as fs, existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { AppConfig } from "../config/index.js";
import { createEmbeddingProvider, embedderIdentity, type EmbeddingProvider } from "../embeddings/index.js";
import { chunkText } from "../ingest/chunk.js";
import { headingsOf } from "../ingest/metadata.js";
import { hashBytes, hashFile, loadCorpusFiles, scanCorpus, type CorpusDocument, type SkippedFile } from "../ingest/load.js";
import { learnAliases, type AliasTable } from "../text/aliases.js";
import { CountedEvents, EventPairsSchema, type EventPair } from "../text/countedEvents.js";
import { DEFAULT_HNSW, HnswStore, readGraph, type ChunkDocument, type HnswGraph } from "./hnswStore.js";

/**
 * Bumped whenever cleaning, chunking or embedding changes what an index holds, so an index
 * built by older code is rebuilt rather than served.
 */
export const PIPELINE_VERSION = 12;
const SPLITTER = "sentence-pack-v1";

const FILES = {
  manifest: "manifest.json",
  index: "hnsw.index",
  chunks: "chunks.json",
  documents: "documents.json",
  embedder: "embedder.json",
} as const;

const FileEntry = z.object({ bytes: z.number().int().nonnegative(), sha256: z.string() });

export const ManifestSchema = z.object({
  pipelineVersion: z.number().int(),
  builtAt: z.string(),
  buildMs: z.number(),
  embedder: z.object({ provider: z.string(), model: z.string(), dims: z.number().int().positive() }),
  chunking: z.object({ splitter: z.string(), chunkSize: z.number().int(), chunkOverlap: z.number().int() }),
  hnsw: z.object({ m: z.number().int(), efConstruction: z.number().int(), efSearch: z.number().int() }),
  corpus: z.array(z.object({ fileName: z.string(), sha256: z.string() })),
  documents: z.array(z.object({ id: z.string(), fileName: z.string(), sha256: z.string(), chunks: z.number().int() })),
  skipped: z.array(z.object({ fileName: z.string(), reason: z.string() })),
  files: z.record(z.string(), FileEntry),
});
export type Manifest = z.infer<typeof ManifestSchema>;

const StoredChunk = z.object({
  id: z.string(),
  text: z.string(),
  documentId: z.string(),
  chunkIndex: z.number().int(),
  start: z.number().int(),
  end: z.number().int(),
  section: z.string().nullable(),
});

/** Everything the retrieval and answer stages need, loaded in memory. */
export interface LoadedIndex {
  manifest: Manifest;
  documents: CorpusDocument[];
  chunks: ChunkDocument[];
  store: HnswStore;
  embedder: EmbeddingProvider;
  aliases: AliasTable;
  /** The events the documents count apart (CountedEvents), learnt at build; absent in an index built before they were. */
  countedEvents?: EventPair[];
}

export interface BuildProgress {
  /** "index" embeds the chunks and adds them to the graph, batch by batch. */
  phase: "load" | "chunk" | "index" | "write";
  done: number;
  total: number;
}

export interface EnsureResult {
  index: LoadedIndex;
  rebuilt: boolean;
  /** Why an existing index was not used (absent, stale, corrupt). */
  reason?: string;
  skipped: SkippedFile[];
}

/** Splits every document into LangChain Documents carrying offsets and document metadata. */
export function chunkDocuments(documents: CorpusDocument[], options: { chunkSize: number; chunkOverlap: number }): ChunkDocument[] {
  const chunks: ChunkDocument[] = [];
  for (const doc of documents) {
    // The page's own header lines (site name, title, section label) say nothing about where
    // in the document a passage sits.
    const header = new Set(doc.context.split("\n").map((l) => l.trim()));
    const headings = headingsOf(doc.text).filter((h) => !header.has(h.text));
    for (const c of chunkText(doc.text, options)) {
      chunks.push(
        new Document({
          id: `${doc.id}#${c.index}`,
          pageContent: c.text,
          metadata: {
            documentId: doc.id,
            chunkIndex: c.index,
            start: c.start,
            end: c.end,
            title: doc.metadata.title,
            label: doc.metadata.label,
            section: sectionAt(headings, c.start, c.end),
            author: doc.metadata.author,
            publisher: doc.metadata.publisher,
            date: doc.metadata.date,
          },
        }),
      );
    }
  }
  return chunks;
}

/** The last heading that starts before the chunk ends, preferring one at or above its start. */
export function sectionAt(headings: { start: number; text: string }[], start: number, end: number): string | null {
  let above: string | null = null;
  for (const h of headings) {
    if (h.start <= start) above = h.text;
    else if (h.start < end && above === null) return h.text;
    else break;
  }
  return above;
}

const EMBED_BATCH = 64;

/** Cleans, chunks, embeds and indexes the corpus, then writes it atomically to INDEX_DIR. */
export async function buildIndex(config: AppConfig, onProgress?: (p: BuildProgress) => void): Promise<EnsureResult> {
  const started = performance.now();
  onProgress?.({ phase: "load", done: 0, total: 1 });
  const corpusFiles = await scanCorpus(config.corpusDir);
  const { documents, skipped } = loadCorpusFiles(corpusFiles);
  onProgress?.({ phase: "chunk", done: 0, total: documents.length });
  const chunks = chunkDocuments(documents, { chunkSize: config.CHUNK_SIZE, chunkOverlap: config.CHUNK_OVERLAP });
  const aliases = learnAliases(documents.map((d) => d.text));
  const countedEvents = CountedEvents.learn(documents.map((d) => d.text)).pairs;
  const embedder = await createEmbeddingProvider(config, { fit: { texts: chunks.map((c) => c.pageContent), aliases } });

  // Each batch is embedded and added to the graph before the next is embedded: holding every
  // vector as JS number arrays until the graph is built cost 16 kB per 2048-dim chunk on top of
  // the graph's own copy (1.6 GB at 100k chunks).
  let store: HnswStore | undefined;
  onProgress?.({ phase: "index", done: 0, total: chunks.length });
  for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
    const batch = chunks.slice(i, i + EMBED_BATCH);
    const vectors = await embedder.embeddings.embedDocuments(batch.map((c) => c.pageContent));
    if (!store) {
      store = new HnswStore(embedder.embeddings, vectors[0]!.length, DEFAULT_HNSW);
      store.reserve(chunks.length);
    }
    await store.addVectors(vectors, batch);
    onProgress?.({ phase: "index", done: Math.min(i + EMBED_BATCH, chunks.length), total: chunks.length });
  }
  store ??= new HnswStore(embedder.embeddings, (await embedder.embeddings.embedQuery("dimension probe")).length, DEFAULT_HNSW);
  const dims = store.dims;

  const manifest: Manifest = {
    pipelineVersion: PIPELINE_VERSION,
    builtAt: new Date().toISOString(),
    buildMs: 0,
    embedder: { provider: embedder.provider, model: embedder.model, dims },
    chunking: { splitter: SPLITTER, chunkSize: config.CHUNK_SIZE, chunkOverlap: config.CHUNK_OVERLAP },
    hnsw: DEFAULT_HNSW,
    corpus: corpusFiles.map((f) => ({ fileName: f.fileName, sha256: f.hash })),
    documents: documents.map((d) => ({
      id: d.id,
      fileName: d.fileName,
      sha256: d.contentHash,
      chunks: chunks.filter((c) => c.metadata.documentId === d.id).length,
    })),
    skipped,
    files: {},
  };
  onProgress?.({ phase: "write", done: 0, total: 1 });
  manifest.buildMs = Math.round(performance.now() - started);
  await writeIndexAtomically(config.indexDir, manifest, { documents, chunks, store, embedderState: embedder.state ?? null, aliases, countedEvents });
  onProgress?.({ phase: "write", done: 1, total: 1 });
  return { index: { manifest, documents, chunks, store, embedder, aliases, countedEvents }, rebuilt: true, skipped };
}

async function writeIndexAtomically(
  indexDir: string,
  manifest: Manifest,
  content: { documents: CorpusDocument[]; chunks: ChunkDocument[]; store: HnswStore; embedderState: unknown; aliases: AliasTable; countedEvents: EventPair[] },
): Promise<void> {
  const parent = path.dirname(indexDir);
  await fs.mkdir(parent, { recursive: true });
  // Unique within this process by a counter (two builds in one millisecond once shared a
  // random suffix, and the second's rename found its folder already swapped in), and
  // registered before it exists, so a recovery running meanwhile never removes it.
  const tmp = `${indexDir}.tmp-${process.pid}-${Date.now()}${String(++buildSequence % 1000).padStart(3, "0")}`;
  activeBuilds.add(tmp);
  try {
    await fs.mkdir(tmp);
    const write = async (name: string, data: string | Buffer) => {
      await fs.writeFile(path.join(tmp, name), data);
      manifest.files[name] = { bytes: Buffer.byteLength(data), sha256: hashBytes(data) };
    };
    content.store.writeIndexFile(path.join(tmp, FILES.index));
    manifest.files[FILES.index] = await hashFile(path.join(tmp, FILES.index));
    await write(
      FILES.chunks,
      JSON.stringify(
        content.chunks.map((c) => ({
          id: c.id,
          text: c.pageContent,
          documentId: c.metadata.documentId,
          chunkIndex: c.metadata.chunkIndex,
          start: c.metadata.start,
          end: c.metadata.end,
          section: c.metadata.section,
        })),
      ),
    );
    await write(FILES.documents, JSON.stringify(content.documents));
    await write(FILES.embedder, JSON.stringify({ state: content.embedderState, aliases: content.aliases, countedEvents: content.countedEvents }));
    // The manifest goes last: its presence means every file it lists is complete.
    await fs.writeFile(path.join(tmp, FILES.manifest), JSON.stringify(manifest, null, 2));
    await swapDirectories(tmp, indexDir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    activeBuilds.delete(tmp);
  }
}

/** Build folders of this process that are still being written: recovery must not touch them. */
const activeBuilds = new Set<string>();
let buildSequence = 0;

/**
 * A short-lived lock around every swap and recovery of an index folder, so two builds (in
 * one process or several) never interleave their renames. A lock left by a dead process is
 * taken over.
 */
async function withIndexLock<T>(indexDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${indexDir}.lock`;
  await fs.mkdir(path.dirname(indexDir), { recursive: true });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const handle = await fs.open(lock, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(await fs.readFile(lock, "utf8").catch(() => ""));
      if (owner && !isAlive(owner)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`index folder is locked by process ${owner || "unknown"}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** Replaces `target` with `fresh`, keeping the old one until the new one is in place. */
async function swapDirectories(fresh: string, target: string): Promise<void> {
  await withIndexLock(target, async () => {
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    const hadOld = existsSync(target);
    if (hadOld) await fs.rename(target, old);
    try {
      await fs.rename(fresh, target);
    } catch (err) {
      if (hadOld) await fs.rename(old, target);
      throw err;
    }
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  });
}

/** `<base>.tmp-<pid>-<time>` / `<base>.old-<pid>-<time>` -> its kind, owner and time; the base may hold hyphens. */
function parseSideFolder(base: string, name: string): { kind: "tmp" | "old"; pid: number; time: number } | null {
  if (!name.startsWith(`${base}.`)) return null;
  const m = /^(tmp|old)-(\d+)-(\d+)$/.exec(name.slice(base.length + 1));
  return m ? { kind: m[1] as "tmp" | "old", pid: Number(m[2]), time: Number(m[3]) } : null;
}

/**
 * A crash between the two renames of a swap leaves no index but an `.old-*` beside it:
 * put the newest back. Leftovers of builds whose process is gone are removed. Callers hold
 * the index lock, so no swap is half-done while it looks.
 */
async function recoverInterruptedSwap(indexDir: string): Promise<void> {
  const parent = path.dirname(indexDir);
  const base = path.basename(indexDir);
  if (!existsSync(parent)) return;
  {
    const entries = await fs.readdir(parent);
    const side = entries
      .map((name) => ({ name, info: parseSideFolder(base, name) }))
      .filter((e): e is { name: string; info: NonNullable<ReturnType<typeof parseSideFolder>> } => e.info !== null);
    const olds = side.filter((e) => e.info.kind === "old").sort((a, b) => a.info.time - b.info.time);
    if (!existsSync(indexDir) && olds.length > 0) {
      const newest = olds.pop()!;
      await fs.rename(path.join(parent, newest.name), indexDir);
    }
    for (const e of side) {
      const full = path.join(parent, e.name);
      if (!existsSync(full)) continue;
      // A build still being written, here or in another live process, is left alone.
      if (e.info.kind === "tmp" && (activeBuilds.has(full) || (e.info.pid !== process.pid && isAlive(e.info.pid)))) continue;
      await fs.rm(full, { recursive: true, force: true });
    }
  }
}

/** An index folder's files, checked against its manifest. */
interface IndexFiles {
  manifest: Manifest;
  /** chunks, documents and embedder files, whole. */
  contents: Map<string, Buffer>;
  /** The HNSW graph, read by hnswlib from the index file itself. */
  graph: HnswGraph;
}

/**
 * The manifest and every file it lists, read and checked together under the lock so no swap
 * lands in between. `accept` first says whether the manifest describes what is configured now,
 * so a stale index costs no more than its manifest. The index file (0.85 GB at 100k chunks) is
 * hashed as a stream, then read in place by hnswlib, and only once its hash matched: hnswlib
 * trusts the sizes a file states, so a corrupt file must never reach it.
 */
async function readIndexFiles(dir: string, accept: (manifestText: string) => Promise<Manifest>, options: { lock: boolean }): Promise<IndexFiles> {
  const read = async (): Promise<IndexFiles> => {
    const manifestText = await fs.readFile(path.join(dir, FILES.manifest), "utf8").catch(() => null);
    if (manifestText === null) throw new InvalidIndexError("no index yet");
    const manifest = await accept(manifestText);
    const expected = (name: string) => {
      const entry = manifest.files[name];
      if (!entry) throw new InvalidIndexError(`manifest lists no ${name}`);
      return entry;
    };
    const contents = new Map<string, Buffer>();
    for (const name of [FILES.chunks, FILES.documents, FILES.embedder]) {
      const entry = expected(name);
      const bytes = await fs.readFile(path.join(dir, name)).catch(() => null);
      if (!bytes) throw new InvalidIndexError(`${name} missing`);
      if (bytes.length !== entry.bytes || hashBytes(bytes) !== entry.sha256) throw new InvalidIndexError(`${name} is truncated or corrupt`);
      contents.set(name, bytes);
    }
    const entry = expected(FILES.index);
    const indexPath = path.join(dir, FILES.index);
    const indexFile = await hashFile(indexPath).catch(() => null);
    if (!indexFile) throw new InvalidIndexError(`${FILES.index} missing`);
    if (indexFile.bytes !== entry.bytes || indexFile.sha256 !== entry.sha256) throw new InvalidIndexError(`${FILES.index} is truncated or corrupt`);
    try {
      return { manifest, contents, graph: readGraph(indexPath, manifest.embedder.dims) };
    } catch (err) {
      throw new InvalidIndexError(`${FILES.index} unreadable: ${(err as Error).message}`);
    }
  };
  if (!options.lock) return read();
  return withIndexLock(dir, async () => {
    await recoverInterruptedSwap(dir);
    return read();
  });
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class InvalidIndexError extends Error {}

/** The manifest, if it describes an index of what is configured now; otherwise InvalidIndexError saying why. */
async function currentManifest(text: string, config: AppConfig): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(text));
  } catch {
    throw new InvalidIndexError("manifest unreadable or invalid");
  }
  if (manifest.pipelineVersion !== PIPELINE_VERSION) throw new InvalidIndexError("built by an older pipeline");
  const identity = embedderIdentity(config);
  if (manifest.embedder.provider !== identity.provider || manifest.embedder.model !== identity.model) {
    throw new InvalidIndexError(`embedder changed (${manifest.embedder.provider}:${manifest.embedder.model} -> ${identity.provider}:${identity.model})`);
  }
  if (manifest.chunking.chunkSize !== config.CHUNK_SIZE || manifest.chunking.chunkOverlap !== config.CHUNK_OVERLAP || manifest.chunking.splitter !== SPLITTER) {
    throw new InvalidIndexError("chunking parameters changed");
  }
  // M and efConstruction shape the saved graph, so an index built with others is rebuilt;
  // efSearch is a query-time setting and is taken from the current defaults.
  if (manifest.hnsw.m !== DEFAULT_HNSW.m || manifest.hnsw.efConstruction !== DEFAULT_HNSW.efConstruction) {
    throw new InvalidIndexError("HNSW build parameters changed");
  }
  const corpus = await scanCorpus(config.corpusDir);
  const same =
    corpus.length === manifest.corpus.length &&
    corpus.every((f, i) => f.fileName === manifest.corpus[i]!.fileName && f.hash === manifest.corpus[i]!.sha256);
  if (!same) throw new InvalidIndexError("corpus changed");
  return manifest;
}

/**
 * Loads the index from disk if, and only if, it is complete, intact and current: every file
 * matches the size and hash in the manifest, and the corpus, embedder and chunking are the
 * ones configured now. Otherwise throws InvalidIndexError saying why.
 *
 * `lock: false` reads without the folder's lock (and without recovering an interrupted swap):
 * for an extraction worker, which a terminate can stop anywhere, skipping the `finally` that
 * would free a lock it held. Its reads are hash-checked as always, so a swap under it fails the
 * load rather than mixing two builds.
 */
export async function loadIndex(config: AppConfig, options: { lock?: boolean } = {}): Promise<LoadedIndex> {
  const { manifest, contents, graph } = await readIndexFiles(config.indexDir, (text) => currentManifest(text, config), { lock: options.lock ?? true });
  try {
    const documents = JSON.parse(contents.get(FILES.documents)!.toString("utf8")) as CorpusDocument[];
    const byId = new Map(documents.map((d) => [d.id, d]));
    const stored = z.array(StoredChunk).parse(JSON.parse(contents.get(FILES.chunks)!.toString("utf8")));
    const chunks: ChunkDocument[] = stored.map((c) => {
      const doc = byId.get(c.documentId);
      if (!doc) throw new Error(`chunk of unknown document ${c.documentId}`);
      return new Document({
        id: c.id,
        pageContent: c.text,
        metadata: {
          documentId: c.documentId,
          chunkIndex: c.chunkIndex,
          start: c.start,
          end: c.end,
          title: doc.metadata.title,
          label: doc.metadata.label,
          section: c.section,
          author: doc.metadata.author,
          publisher: doc.metadata.publisher ?? null,
          date: doc.metadata.date,
        },
      });
    });
    const saved = JSON.parse(contents.get(FILES.embedder)!.toString("utf8")) as { state: unknown; aliases: AliasTable; countedEvents?: unknown };
    const embedder = await createEmbeddingProvider(config, { saved: saved.state });
    const store = HnswStore.fromGraph(embedder.embeddings, manifest.embedder.dims, graph, chunks, { ...manifest.hnsw, efSearch: DEFAULT_HNSW.efSearch });
    const countedEvents = EventPairsSchema.safeParse(saved.countedEvents);
    return { manifest, documents, chunks, store, embedder, aliases: saved.aliases, ...(countedEvents.success ? { countedEvents: countedEvents.data } : {}) };
  } catch (err) {
    throw new InvalidIndexError(`index contents unreadable: ${(err as Error).message}`);
  }
}

/** Serves the saved index when it is valid; otherwise rebuilds it and says why. */
export async function ensureIndex(config: AppConfig, onProgress?: (p: BuildProgress) => void): Promise<EnsureResult> {
  try {
    const index = await loadIndex(config);
    return { index, rebuilt: false, skipped: index.manifest.skipped };
  } catch (err) {
    if (!(err instanceof InvalidIndexError)) throw err;
    const result = await buildIndex(config, onProgress);
    return { ...result, reason: err.message };
  }
}
