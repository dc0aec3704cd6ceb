import type { HybridOptions } from "../retrieval/hybrid.js";
import type { Manifest } from "../store/indexManager.js";
import type { Answer, Citation, HistoryTurn } from "./types.js";

/**
 * A question as the pipeline sees it: Unicode NFC, runs of whitespace (newlines, tabs, double
 * spaces) as one space, trimmed. Case is kept: acronyms (IS-K) and names are matched by it.
 * The answer pipeline normalises every question this way before it searches, so two questions
 * with the same normal form get the same answer, and the cache may serve one for the other.
 */
export function normalizeQuestion(question: string): string {
  return question.normalize("NFC").replace(/\s+/g, " ").trim();
}

/**
 * What identifies the index an answer was computed from: a rebuilt index (new builtAt, new file
 * checksums) gives a new identity, so answers cached for the old one are never served for it.
 */
export function indexIdentity(manifest: Pick<Manifest, "pipelineVersion" | "builtAt" | "files">): string {
  const files = Object.entries(manifest.files)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, f]) => `${name}:${f.sha256}`)
    .join(",");
  return `v${manifest.pipelineVersion}|${manifest.builtAt}|${files}`;
}

export interface AnswerKeyParts {
  indexId: string;
  question: string;
  history?: HistoryTurn[];
  k: number;
  retrieval?: Partial<HybridOptions>;
}

/** Every input the extractive answer depends on, as one string (JSON, so no field can bleed into another). */
export function answerKey(parts: AnswerKeyParts): string {
  const retrieval = parts.retrieval
    ? Object.entries(parts.retrieval)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : [];
  return JSON.stringify([
    parts.indexId,
    normalizeQuestion(parts.question),
    (parts.history ?? []).map((t) => [t.role, t.content]),
    parts.k,
    retrieval,
  ]);
}

const copyCitation = (c: Citation): Citation => ({ ...c });

/**
 * A deep copy of an answer. Written for the answer's shape (citations are flat objects of
 * strings and numbers), because it runs on every cache hit and structuredClone costs several
 * times more; a test checks that the copy shares no object with the original.
 */
export function copyAnswer(a: Answer): Answer {
  return {
    ...a,
    citations: a.citations.map(copyCitation),
    warnings: [...a.warnings],
    ...(a.suggestions ? { suggestions: a.suggestions.map(copyCitation) } : {}),
    timings: { ...a.timings },
  };
}

/**
 * A bounded least-recently-used map of extractive answers (a Map keeps insertion order: a hit
 * moves its entry to the end, and the first entry is the one evicted). Answers go in and come out
 * as deep copies, so no caller ever holds the stored object. Capacity 0 stores nothing.
 */
export class AnswerCache {
  private readonly entries = new Map<string, Answer>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError("AnswerCache capacity: a non-negative integer");
  }

  get size(): number {
    return this.entries.size;
  }

  /** A deep copy of the answer stored under `key`, or undefined. */
  get(key: string): Answer | undefined {
    const stored = this.entries.get(key);
    if (!stored) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, stored);
    this.hits++;
    return copyAnswer(stored);
  }

  /** Stores a deep copy of `answer` (the caller keeps, and may change, its own object). */
  set(key: string, answer: Answer): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, copyAnswer(answer));
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
