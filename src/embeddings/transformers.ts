import { existsSync } from "node:fs";
import path from "node:path";
import { Embeddings } from "@langchain/core/embeddings";
import { env, pipeline } from "@huggingface/transformers";

export type TransformersPooling = "cls" | "mean";

export interface TransformersEmbeddingsOptions {
  /** Hub model id (e.g. "Xenova/bge-small-en-v1.5"); also selects pooling and query instruction. */
  model: string;
  /**
   * Load offline from disk. Either the model folder itself (holding config.json, tokenizer.json
   * and onnx/model.onnx) or a root folder holding `<model>/` laid out like the hub repo.
   */
  localModelDir?: string;
  pooling?: TransformersPooling;
  normalize?: boolean;
  batchSize?: number;
  /** Overrides the instruction prepended to queries (empty string disables it). */
  queryInstruction?: string;
}

export interface ModelProfile {
  pooling: TransformersPooling;
  normalize: boolean;
  queryInstruction: string;
  /** Prefix for stored passages; only e5 models are trained to expect one. */
  documentPrefix: string;
}

const BGE_EN_INSTRUCTION = "Represent this sentence for searching relevant passages: ";
const BGE_ZH_INSTRUCTION = "为这个句子生成表示以用于检索相关文章：";

/**
 * How a model was trained to be used, inferred from its id. Using the wrong pooling does not
 * fail loudly, it just silently degrades retrieval, so the defaults follow each model card:
 * bge was trained with the [CLS] vector as the sentence embedding; sentence-transformers
 * (all-MiniLM, mpnet), e5 and gte average token vectors. All are compared by cosine, so all are
 * L2-normalised, which also lets a dot-product index behave as cosine.
 */
export function resolveModelProfile(model: string): ModelProfile {
  const id = model.toLowerCase();
  if (/(^|[/_-])bge/.test(id)) {
    // bge-m3 is also CLS-pooled but was trained without query instructions.
    const queryInstruction = id.includes("bge-m3") ? "" : /-zh\b|-zh-/.test(id) ? BGE_ZH_INSTRUCTION : BGE_EN_INSTRUCTION;
    return { pooling: "cls", normalize: true, queryInstruction, documentPrefix: "" };
  }
  if (/(^|[/_-])e5/.test(id)) {
    // e5 model cards warn that omitting these prefixes degrades retrieval noticeably.
    return { pooling: "mean", normalize: true, queryInstruction: "query: ", documentPrefix: "passage: " };
  }
  return { pooling: "mean", normalize: true, queryInstruction: "", documentPrefix: "" };
}

type FeatureExtractor = Awaited<ReturnType<typeof pipeline<"feature-extraction">>>;

/**
 * Sentence embeddings computed in-process with transformers.js on onnxruntime-node (CPU).
 * The model is loaded on first use, not at construction, so building a provider that is never
 * queried (e.g. config validation, CLI help) costs nothing.
 */
export class TransformersEmbeddings extends Embeddings {
  readonly model: string;
  readonly localModelDir: string | undefined;
  readonly pooling: TransformersPooling;
  readonly normalize: boolean;
  readonly batchSize: number;
  readonly queryInstruction: string;
  readonly documentPrefix: string;

  private extractorPromise: Promise<FeatureExtractor> | undefined;
  private dimension: number | undefined;

  constructor(options: TransformersEmbeddingsOptions) {
    super({});
    const profile = resolveModelProfile(options.model);
    this.model = options.model;
    this.localModelDir = options.localModelDir ? path.resolve(options.localModelDir) : undefined;
    this.pooling = options.pooling ?? profile.pooling;
    this.normalize = options.normalize ?? profile.normalize;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
    this.queryInstruction = options.queryInstruction ?? profile.queryInstruction;
    this.documentPrefix = profile.documentPrefix;
  }

  /** Vector length, known once anything has been embedded (see `dimensions()`). */
  get dims(): number | undefined {
    return this.dimension;
  }

  /** Vector length; embeds a probe if nothing has been embedded yet. */
  async dimensions(): Promise<number> {
    if (this.dimension === undefined) await this.embedBatch(["dimension probe"]);
    return this.dimension!;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    const texts = documents.map((d) => this.documentPrefix + d);
    const vectors: number[][] = [];
    // Batches bound peak memory: the pipeline pads every text to the longest in its batch.
    for (let i = 0; i < texts.length; i += this.batchSize) {
      vectors.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize))));
    }
    return vectors;
  }

  async embedQuery(document: string): Promise<number[]> {
    // Only queries get the instruction: bge/e5 were trained asymmetrically, passages go in bare.
    const [vector] = await this.embedBatch([this.queryInstruction + document]);
    return vector!;
  }

  /** Releases the ONNX session (native memory); the next call reloads the model. */
  async dispose(): Promise<void> {
    const pending = this.extractorPromise;
    this.extractorPromise = undefined;
    if (pending) await (await pending.catch(() => undefined))?.dispose();
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const extractor = await this.extractor();
    const output = await extractor(texts, { pooling: this.pooling, normalize: this.normalize });
    const [rows, dim] = output.dims as [number, number];
    const data = output.data as Float32Array;
    this.dimension = dim;
    const vectors: number[][] = [];
    // Plain arrays: the vector store and JSON persistence do not understand typed arrays.
    for (let r = 0; r < rows; r++) vectors.push(Array.from(data.subarray(r * dim, (r + 1) * dim)));
    return vectors;
  }

  private extractor(): Promise<FeatureExtractor> {
    // Memoised so concurrent first calls share one model load instead of racing several.
    this.extractorPromise ??= this.load().catch((error: unknown) => {
      // Do not cache a failure: a later call may succeed once the files are in place.
      this.extractorPromise = undefined;
      throw error;
    });
    return this.extractorPromise;
  }

  private async load(): Promise<FeatureExtractor> {
    let modelRef = this.model;
    let localFilesOnly = false;
    if (this.localModelDir) {
      // `local_files_only` is not forwarded to every lookup in 4.x (tokenizer-file probing calls
      // the hub with default options), so only the global switch guarantees no network access.
      // Note this is process-wide: hub loads elsewhere in the process are disabled too.
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = this.localModelDir;
      localFilesOnly = true;
      const nested = path.join(this.localModelDir, this.model);
      if (!existsSync(path.join(nested, "config.json"))) {
        if (!existsSync(path.join(this.localModelDir, "config.json"))) {
          throw new Error(
            `No model found in ${this.localModelDir}: expected config.json there or under ${nested}`,
          );
        }
        // The folder is the model itself. An absolute path is not a valid hub id, so
        // transformers.js reads it as a filesystem path instead of joining it to localModelPath.
        modelRef = this.localModelDir;
      }
    }
    // Pinned dtype: a quantised variant yields different vectors, and index and queries must be
    // embedded identically; fp32 is the export every ONNX repo ships and matches the reference model.
    // CPU, so results do not depend on whether the host happens to have a GPU.
    return pipeline("feature-extraction", modelRef, {
      dtype: "fp32",
      device: "cpu",
      local_files_only: localFilesOnly,
    });
  }
}
