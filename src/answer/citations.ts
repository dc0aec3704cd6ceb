/**
 * Citation markers in generated text are untrusted: a model may cite a passage that does
 * not exist. These pure functions keep only markers naming a real passage and renumber them
 * so the answer's citations run 1..m in order of first use, every one of them used.
 */

const MARKER_RE = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

export interface CitationCheck {
  text: string;
  /** Passage numbers (1-based, as given to the model) in order of first use. */
  used: number[];
  /** Markers that named no passage, removed from the text. */
  invalid: number[];
}

export function validateCitations(text: string, passageCount: number): CitationCheck {
  const used: number[] = [];
  const invalid: number[] = [];
  const cleaned = text.replace(MARKER_RE, (_whole, list: string) => {
    const keep: number[] = [];
    for (const part of list.split(",")) {
      const n = Number(part.trim());
      if (Number.isInteger(n) && n >= 1 && n <= passageCount) {
        keep.push(n);
        if (!used.includes(n)) used.push(n);
      } else if (!invalid.includes(n)) invalid.push(n);
    }
    return keep.map((n) => `[${n}]`).join("");
  });
  return { text: tidySpacing(cleaned), used, invalid };
}

/** Maps passage numbers to 1..m in order of first use. */
export function renumberCitations(text: string, used: number[]): string {
  const map = new Map(used.map((n, i) => [n, i + 1]));
  return text.replace(/\[(\d{1,3})\]/g, (whole, n: string) => {
    const m = map.get(Number(n));
    return m === undefined ? whole : `[${m}]`;
  });
}

function tidySpacing(text: string): string {
  return text.replace(/[ \t]+([.,;:!?])/g, "$1").replace(/[ \t]{2,}/g, " ").trim();
}

/** The distinct [n] numbers a text uses, in order. */
export function markersIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/\[(\d{1,3})\]/g)) {
    const n = Number(m[1]);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
