/**
 * Citation markers in generated text are untrusted: a model may cite a passage that does
 * not exist. These pure functions keep only markers naming a real passage and renumber them
 * so the answer's citations run 1..m in order of first use, every one of them used.
 */

// "[3]", "[1, 2]", "[ 2 ]", "[1-3]", "[1–3]": the forms models actually write.
const MARKER_RE = /\[\s*(\d{1,4}(?:\s*[,\u2013-]\s*\d{1,4})*)\s*\]/g;
// Any other bracket holding a number after validation ("[1000a]", "[n=2]") is not a citation we can check.
const LEFTOVER_RE = /\[(?!\d{1,3}\])[^\[\]\n]{0,40}\d[^\[\]\n]{0,40}\]/g;

export interface CitationCheck {
  text: string;
  /** Passage numbers (1-based, as given to the model) in order of first use. */
  used: number[];
  /** Markers that named no passage, removed from the text. */
  invalid: number[];
}

function expand(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(",")) {
    const range = /^\s*(\d+)\s*[\u2013-]\s*(\d+)\s*$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      // A range is expanded only when it is short and ascending; otherwise both ends stand alone.
      if (b >= a && b - a <= 20) for (let n = a; n <= b; n++) out.push(n);
      else out.push(a, b);
    } else out.push(Number(part.trim()));
  }
  return out;
}

export function validateCitations(text: string, passageCount: number): CitationCheck {
  const used: number[] = [];
  const invalid: number[] = [];
  const cleaned = text
    .replace(MARKER_RE, (_whole, list: string) => {
      const keep: number[] = [];
      for (const n of expand(list)) {
        if (Number.isInteger(n) && n >= 1 && n <= passageCount) {
          if (!keep.includes(n)) keep.push(n);
          if (!used.includes(n)) used.push(n);
        } else if (!invalid.includes(n)) invalid.push(n);
      }
      return keep.map((n) => `[${n}]`).join("");
    })
    .replace(LEFTOVER_RE, (whole) => {
      const n = Number(/\d+/.exec(whole)![0]);
      if (!invalid.includes(n)) invalid.push(n);
      return "";
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
