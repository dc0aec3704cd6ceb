import { splitSentences, type Sentence } from "../text/sentences.js";

export interface ChunkOptions {
  /** Target maximum characters per chunk (a single longer sentence becomes its own chunk). */
  chunkSize: number;
  /** Characters of trailing sentences repeated at the start of the next chunk. */
  chunkOverlap: number;
}

export interface TextChunk {
  text: string;
  /** Offsets in the cleaned document text: `cleaned.slice(start, end) === text`. */
  start: number;
  end: number;
  index: number;
}

/**
 * Packs whole sentences into chunks of at most `chunkSize` characters, preferring to break
 * at paragraph boundaries, and carries up to `chunkOverlap` characters of trailing sentences
 * into the next chunk so a fact split across a boundary is still found whole in one chunk.
 * Chunks never cut a sentence, so a citation always points at whole sentences.
 */
export function chunkText(text: string, options: ChunkOptions): TextChunk[] {
  const sentences = splitSentences(text);
  const chunks: TextChunk[] = [];
  let current: Sentence[] = [];

  const flush = () => {
    if (current.length === 0) return;
    const start = current[0]!.start;
    const end = current[current.length - 1]!.end;
    chunks.push({ text: text.slice(start, end), start, end, index: chunks.length });
  };

  const spanOf = (list: Sentence[], extra?: Sentence) => {
    const first = list[0] ?? extra;
    const last = extra ?? list[list.length - 1];
    return first && last ? last.end - first.start : 0;
  };

  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i]!;
    const prev = current[current.length - 1];
    const newParagraph = prev !== undefined && prev.paragraph !== s.paragraph;
    const wouldBe = spanOf(current, s);
    // Break at a paragraph end once the chunk is reasonably full, or wherever it overflows.
    const overflow = current.length > 0 && wouldBe > options.chunkSize;
    const paragraphBreak = newParagraph && spanOf(current) >= options.chunkSize * 0.6;
    if (overflow || paragraphBreak) {
      flush();
      // Overlap: trailing sentences of the previous chunk, within budget; a short lead-in
      // ("This requires a two-pronged approach.") travels with the paragraph it introduces.
      const carried: Sentence[] = [];
      let budget = options.chunkOverlap;
      for (let j = current.length - 1; j >= 1; j--) {
        const c = current[j]!;
        if (c.end - c.start > budget) break;
        if (spanOf([c], s) > options.chunkSize) break;
        budget -= c.end - c.start;
        carried.unshift(c);
      }
      current = carried;
    }
    current.push(s);
  }
  flush();
  return chunks;
}
