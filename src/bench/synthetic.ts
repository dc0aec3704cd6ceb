import { promises as fs } from "node:fs";
import path from "node:path";
import { chunkText } from "../ingest/chunk.js";
import { splitSentences } from "../text/sentences.js";

/**
 * A synthetic corpus for scale benchmarks, generated into a temp folder (never committed):
 * sentences of the real corpus with a share of their words swapped for other corpus words,
 * their figures re-drawn and invented names inserted, packed into paragraphs and documents
 * with the same header shape (title, byline, date) as the real articles. It has the real
 * corpus's vocabulary and sentence lengths but no repeated chunks, so the index and the
 * embedder see realistic, distinct texts. Deterministic for a given seed.
 */

/** mulberry32: a small, fast, seedable PRNG (returns [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticSource {
  sentences: string[];
  vocabulary: string[];
}

/** Sentences (20..400 characters, one line) and the word list of the given texts. */
export function sourceFrom(texts: string[]): SyntheticSource {
  const sentences: string[] = [];
  const vocabulary = new Set<string>();
  for (const text of texts) {
    for (const s of splitSentences(text)) {
      const t = s.text.replace(/\s+/g, " ").trim();
      if (t.length >= 20 && t.length <= 400 && /[.!?]["'\u201D\u2019)]?$/.test(t)) sentences.push(t);
    }
    for (const w of text.match(/\b\p{Ll}{3,14}\b/gu) ?? []) vocabulary.add(w);
  }
  if (sentences.length === 0 || vocabulary.size === 0) throw new Error("the corpus has no usable sentences for a synthetic corpus");
  return { sentences, vocabulary: [...vocabulary].sort() };
}

const SYLLABLES = "ka ra zi mo lan dar ha sha qu id bek ul na fa rez go tan mir ab dul sa hid or ve ni".split(" ");
const TITLES = ["commander", "spokesman", "governor", "analyst", "official", "minister", "envoy"];

export class SyntheticWriter {
  private readonly rand: () => number;

  constructor(
    private readonly source: SyntheticSource,
    seed = 42,
  ) {
    this.rand = prng(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  name(): string {
    const part = () => {
      let s = "";
      for (let i = this.int(2, 3); i > 0; i--) s += this.pick(SYLLABLES);
      return s[0]!.toUpperCase() + s.slice(1);
    };
    return `${part()} ${part()}`;
  }

  /** One sentence: a corpus sentence with ~20% of its words swapped, new figures and maybe a name. */
  sentence(): string {
    const words = this.pick(this.source.sentences).split(" ");
    for (let i = 1; i < words.length - 1; i++) {
      const w = words[i]!;
      if (/\d/.test(w)) words[i] = w.replace(/\d+/g, () => String(this.int(1, 2500)));
      else if (/^\p{Ll}+$/u.test(w) && this.rand() < 0.2) words[i] = this.pick(this.source.vocabulary);
    }
    if (words.length > 4 && this.rand() < 0.35) {
      const at = this.int(1, words.length - 2);
      words.splice(at, 0, `${this.pick(TITLES)} ${this.name()}`);
    }
    return words.join(" ");
  }

  paragraph(): string {
    const out: string[] = [];
    for (let i = this.int(2, 6); i > 0; i--) out.push(this.sentence());
    return out.join(" ");
  }

  /** A document of about `chars` characters with a header like the real articles'. */
  document(index: number, chars: number): string {
    const year = this.int(2015, 2024);
    const month = String(this.int(1, 12)).padStart(2, "0");
    const day = String(this.int(1, 28)).padStart(2, "0");
    const head = `${this.sentence().replace(/[.!?]+["'\u201D\u2019)]?$/, "").slice(0, 90)} (report ${index})\nBy ${this.name()}\n${year}-${month}-${day}\n\n`;
    const parts: string[] = [head];
    let size = head.length;
    while (size < chars) {
      const p = this.paragraph();
      parts.push(p, "\n\n");
      size += p.length + 2;
    }
    return parts.join("").trimEnd() + "\n";
  }
}

/** Characters of generated text per chunk at the given chunking, measured on a sample. */
export function charsPerChunk(source: SyntheticSource, chunking: { chunkSize: number; chunkOverlap: number }, seed = 7): number {
  const writer = new SyntheticWriter(source, seed);
  let chars = 0;
  let chunks = 0;
  for (let i = 0; i < 20; i++) {
    const text = writer.document(i, 25_000);
    chars += text.length;
    chunks += chunkText(text, chunking).length;
  }
  return chars / Math.max(1, chunks);
}

/**
 * Writes a corpus of about `targetChunks` chunks into `dir` (files of ~25 kB, like long
 * articles) and returns what it wrote.
 */
export async function writeSyntheticCorpus(
  dir: string,
  source: SyntheticSource,
  targetChunks: number,
  chunking: { chunkSize: number; chunkOverlap: number },
  seed = 42,
): Promise<{ files: number; bytes: number }> {
  await fs.mkdir(dir, { recursive: true });
  const perChunk = charsPerChunk(source, chunking);
  let remaining = Math.round(targetChunks * perChunk);
  const writer = new SyntheticWriter(source, seed);
  let files = 0;
  let bytes = 0;
  while (remaining > 0) {
    const size = Math.min(25_000, Math.max(2_000, remaining));
    const text = writer.document(files, size);
    await fs.writeFile(path.join(dir, `syn_${String(files).padStart(6, "0")}.txt`), text);
    files++;
    bytes += Buffer.byteLength(text);
    remaining -= text.length;
  }
  return { files, bytes };
}
