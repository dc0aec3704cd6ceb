/** A retrieved passage: a chunk with where it came from and why it ranked. */
export interface Passage {
  chunkId: string;
  documentId: string;
  title: string | null;
  /** The document's title, or its opening words when it has none; the document id when unknown. */
  label?: string;
  /** Nearest heading above the passage inside its document. */
  section: string | null;
  author: string | null;
  /** The publication the document comes from, when its page names one. */
  publisher: string | null;
  date: string | null;
  text: string;
  /** Offsets in the document's cleaned text. */
  start: number;
  end: number;
  /** The ranking key: fused rank blended with the best sentence's query-focused score. */
  score: number;
  /** Reciprocal Rank Fusion of the dense and BM25 rankings. */
  fusedScore: number;
  /** Cosine similarity from the dense index (0 when the passage came from BM25 only). */
  denseScore: number;
  /** BM25 score (0 when the passage came from dense search only). */
  bm25Score: number;
}

/** What to call a passage's document: its label, else its title, else its id. */
export function labelOf(p: Pick<Passage, "label" | "title" | "documentId">): string {
  return p.label ?? p.title ?? p.documentId;
}

/**
 * The embedder could not embed a query (a remote embedding service down, timing out or
 * returning garbage), and only dense retrieval was asked for: nothing else can rank passages.
 */
export class EmbedderUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`The embedding service did not answer: ${reason}`);
    this.name = "EmbedderUnavailableError";
  }
}
