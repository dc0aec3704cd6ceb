import { Document } from "@langchain/core/documents";
import type { Embeddings } from "@langchain/core/embeddings";
import { VectorStore } from "@langchain/core/vectorstores";
import hnswlib from "hnswlib-node";
import { topIndices } from "../util/topK.js";

const { HierarchicalNSW } = hnswlib;
type HnswIndex = InstanceType<typeof HierarchicalNSW>;

/** Where a chunk sits: offsets are into its document's cleaned text. */
export interface ChunkMetadata {
  documentId: string;
  chunkIndex: number;
  start: number;
  end: number;
  title: string | null;
  /** The document's title, or its opening words when it has none (DocumentMetadata.label). */
  label: string;
  /** The nearest heading above the chunk (an article or section title inside the document). */
  section: string | null;
  author: string | null;
  /** The publication the document comes from, when its page names one. */
  publisher: string | null;
  date: string | null;
}

export type ChunkDocument = Document<ChunkMetadata>;

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/**
 * Chosen on the bench's 100k synthetic index (README "Benchmarks"): a denser graph built more
 * carefully (M 32, efConstruction 400) reaches recall@10 0.95 at ef 120, where M 16 /
 * efConstruction 200 needed ef 256 and twice the query time for 0.92. Builds take about twice
 * as long; at the corpus's size neither matters.
 */
export const DEFAULT_HNSW: HnswParams = { m: 32, efConstruction: 400, efSearch: 120 };

/**
 * Small indexes are also kept as a copy by dimension and searched exactly when that is cheaper.
 * On the corpus (89 vectors, 40 results) the scan over the query's non-zero entries takes about
 * 27 µs and the HNSW call about 52 µs with a Float32Array query, about 0.2 ms with an Array (an addon
 * installed without the patch). Vector databases switch the same way (Qdrant's
 * full_scan_threshold, Weaviate's dynamic flat-to-HNSW index). Exact results, so never worse.
 */
export const FULL_SCAN = {
  /** Most floats (vectors x dimensions) copied for scanning: 2^21 is at most 16 MB (a value and a label per non-zero). */
  maxFloats: 2 ** 21,
  /** Most multiply-adds (vectors x the query's non-zero entries) a scan may cost. */
  maxOps: 2 ** 17,
};

/** Stored vectors by dimension, zeros left out (compressed sparse columns). */
interface VectorColumns {
  /** Vectors the copy was made from: a grown index needs a new copy. */
  count: number;
  /** Where each dimension's run starts in `labels` and `values` (one more entry: the end). */
  starts: Int32Array;
  labels: Int32Array;
  values: Float32Array;
}

/**
 * Whether the installed addon takes a Float32Array query (the patch `npm install` applies,
 * scripts/patches): one copy instead of a read per element. An addon installed without the
 * patch (scripts skipped, another package manager) still gets plain arrays.
 */
const FLOAT32_QUERIES = (() => {
  try {
    const probe = new HierarchicalNSW("cosine", 4);
    probe.initIndex({ maxElements: 1 });
    probe.addPoint([1, 0, 0, 0], 0);
    return probe.searchKnn(new Float32Array([1, 0, 0, 0]), 1).neighbors[0] === 0;
  } catch {
    return false;
  }
})();

/** A query as the addon takes it fastest. */
export function queryPoint(query: number[]): number[] | Float32Array {
  return FLOAT32_QUERIES ? Float32Array.from(query) : query;
}

/** The first dimension holding NaN or ±Infinity, or -1. */
export function nonFiniteAt(vector: ArrayLike<number>): number {
  for (let j = 0; j < vector.length; j++) if (!Number.isFinite(vector[j])) return j;
  return -1;
}

/** An HNSW graph read from an index file, not yet tied to its documents. */
export type HnswGraph = HnswIndex;

/** Reads an index file written by `HnswStore.writeIndexFile`; throws if hnswlib cannot. */
export function readGraph(indexFile: string, dims: number): HnswGraph {
  const index = new HierarchicalNSW("cosine", dims);
  index.readIndexSync(indexFile);
  return index;
}

/**
 * A LangChain VectorStore over hnswlib-node with cosine space. Labels are positions in
 * `documents`, so the docstore is a plain array saved next to the index file.
 */
export class HnswStore extends VectorStore {
  declare FilterType: (doc: ChunkDocument) => boolean;
  private index: HnswIndex | null = null;
  readonly documents: ChunkDocument[] = [];

  constructor(
    embeddings: Embeddings,
    readonly dims: number,
    readonly params: HnswParams = DEFAULT_HNSW,
  ) {
    super(embeddings, {});
  }

  _vectorstoreType(): string {
    return "hnswlib-node";
  }

  get size(): number {
    return this.documents.length;
  }

  private ensureCapacity(extra: number): HnswIndex {
    if (!this.index) {
      this.index = new HierarchicalNSW("cosine", this.dims);
      this.index.initIndex({ maxElements: Math.max(16, extra), m: this.params.m, efConstruction: this.params.efConstruction, randomSeed: 42 });
      this.index.setEf(this.params.efSearch);
    } else if (this.index.getCurrentCount() + extra > this.index.getMaxElements()) {
      this.index.resizeIndex(Math.max(this.index.getMaxElements() * 2, this.index.getCurrentCount() + extra));
    }
    return this.index;
  }

  /** Makes room for `count` vectors in all, so a build that adds them in batches never re-grows the graph. */
  reserve(count: number): void {
    if (!this.index) this.ensureCapacity(count);
    else if (count > this.index.getMaxElements()) this.index.resizeIndex(count);
  }

  async addVectors(vectors: number[][], documents: ChunkDocument[]): Promise<string[]> {
    if (vectors.length !== documents.length) throw new Error("vectors and documents differ in length");
    // All checked before any is added, so a refused batch leaves the index as it was.
    vectors.forEach((v, i) => {
      if (v.length !== this.dims) throw new Error(`vector has ${v.length} dimensions, index has ${this.dims}`);
      // A remote embedder can return NaN or Infinity (a broken model, a bad quantisation):
      // stored, such a vector answers every later search with NaN similarities, silently.
      const bad = nonFiniteAt(v);
      if (bad >= 0) throw new Error(`vector for chunk ${documents[i]!.id ?? i} has ${v[bad]} at dimension ${bad}: the embedder returned a value that is not a finite number`);
    });
    const index = this.ensureCapacity(vectors.length);
    const ids: string[] = [];
    vectors.forEach((v, i) => {
      const label = this.documents.length;
      index.addPoint(v, label);
      const doc = documents[i]!;
      this.documents.push(doc);
      ids.push(doc.id ?? String(label));
    });
    return ids;
  }

  async addDocuments(documents: ChunkDocument[]): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents);
  }

  setEf(ef: number): void {
    this.index?.setEf(ef);
  }

  /** Why a query vector cannot be searched with (wrong length, a non-finite value), or undefined when it can. */
  queryProblem(query: ArrayLike<number>): string | undefined {
    if (query.length !== this.dims) return `query has ${query.length} dimensions, index has ${this.dims}`;
    const bad = nonFiniteAt(query);
    if (bad >= 0) return `query vector has ${query[bad]} at dimension ${bad}: the embedder returned a value that is not a finite number`;
    return undefined;
  }

  /** Returns [document, cosine similarity] pairs, best first. */
  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this["FilterType"]): Promise<[ChunkDocument, number][]> {
    if (!this.index || this.documents.length === 0) return [];
    const problem = this.queryProblem(query);
    if (problem) throw new Error(problem);
    const n = Math.min(k, this.documents.length);
    const exact = this.fullScan(query, n, filter);
    if (exact) return exact;
    const point = queryPoint(query);
    const result = filter
      ? this.index.searchKnn(point, n, (label: number) => filter(this.documents[label]!))
      : this.index.searchKnn(point, n);
    return result.neighbors.map((label, i) => [this.documents[label]!, 1 - result.distances[i]!]);
  }

  /**
   * Vectors as stored (normalised), by dimension with zeros left out: for each entry j, the
   * vectors whose entry j is not zero, with its value. A scan reads one short contiguous run per
   * non-zero entry of the query. Local embeddings are about one fifth non-zero, so these runs
   * are a fifth of a dense dimension-major copy's: on the server under load, where the copy is no
   * longer in cache between questions, the scan's cost is the memory it reads, not arithmetic.
   * fullScan keeps this copy to indexes small enough to hold twice.
   */
  private vectorColumns(): VectorColumns | undefined {
    const n = this.documents.length;
    if (!this.index) return undefined;
    if (this.columns?.count !== n) {
      const starts = new Int32Array(this.dims + 1);
      for (let label = 0; label < n; label++) {
        const point = this.index.getPoint(label);
        for (let j = 0; j < this.dims; j++) if (point[j] !== 0) starts[j + 1]!++;
      }
      for (let j = 0; j < this.dims; j++) starts[j + 1]! += starts[j]!;
      const next = starts.slice(0, this.dims);
      const labels = new Int32Array(starts[this.dims]!);
      const values = new Float32Array(starts[this.dims]!);
      for (let label = 0; label < n; label++) {
        const point = this.index.getPoint(label);
        for (let j = 0; j < this.dims; j++) {
          if (point[j] === 0) continue;
          const at = next[j]!++;
          labels[at] = label;
          values[at] = point[j]!;
        }
      }
      this.columns = { count: n, starts, labels, values };
    }
    return this.columns;
  }
  private columns?: VectorColumns;

  /** Exact cosine top-k over the copy by dimension, or undefined when HNSW is the cheaper way. */
  private fullScan(query: number[], k: number, filter?: this["FilterType"]): [ChunkDocument, number][] | undefined {
    const n = this.documents.length;
    if (n * this.dims > FULL_SCAN.maxFloats) {
      this.columns = undefined; // grown past the limit: HNSW from now on, without a pass over the query
      return undefined;
    }
    const idx: number[] = [];
    let norm = 0;
    for (let j = 0; j < query.length; j++) {
      const v = query[j]!;
      if (v !== 0) {
        idx.push(j);
        norm += v * v;
      }
    }
    if (n * idx.length > FULL_SCAN.maxOps) return undefined;
    const columns = this.vectorColumns();
    if (!columns) return undefined;
    const { starts, labels: owners, values } = columns;
    norm = Math.sqrt(norm) || 1;
    // Each vector's sum runs over the query's entries in index order, as a row-by-row scan would;
    // the zero entries left out of the copy would each have added a zero, which changes no sum.
    const scores = new Float64Array(n);
    for (const j of idx) {
      const v = query[j]! / norm;
      for (let at = starts[j]!, end = starts[j + 1]!; at < end; at++) scores[owners[at]!] = scores[owners[at]!]! + v * values[at]!;
    }
    const top = topIndices(n, k, (label) => scores[label]!, filter && ((label) => filter(this.documents[label]!)));
    return top.map((label) => [this.documents[label]!, scores[label]!]);
  }

  writeIndexFile(file: string): void {
    if (!this.index) this.ensureCapacity(1);
    this.index!.writeIndexSync(file);
  }

  /** A store over a graph read by `readGraph`, whose labels are positions in `documents`. */
  static fromGraph(embeddings: Embeddings, dims: number, graph: HnswGraph, documents: ChunkDocument[], params = DEFAULT_HNSW): HnswStore {
    if (graph.getCurrentCount() !== documents.length) {
      throw new Error(`index holds ${graph.getCurrentCount()} vectors, docstore ${documents.length}`);
    }
    const store = new HnswStore(embeddings, dims, params);
    graph.setEf(params.efSearch);
    store.index = graph;
    store.documents.push(...documents);
    return store;
  }
}
