/**
 * Whether two sentences (as analyzer terms) state the same thing: a summary bullet and its
 * reworded copy in the body share most of their words even when phrasing shifts. Pure.
 */
export function sameStatement(a: string[], b: string[]): boolean {
  // Indexed sentences meet again on every question: the verdict for a pair is remembered.
  let known = statementPairs.get(a);
  const hit = known?.get(b);
  if (hit !== undefined) return hit;
  const verdict = compareStatements(a, b);
  if (++statementPairCount > MAX_STATEMENT_PAIRS) {
    statementPairs = new WeakMap();
    statementPairCount = 1;
    known = undefined;
  }
  if (!known) statementPairs.set(a, (known = new Map()));
  known.set(b, verdict);
  return verdict;
}

/** Remembered sameStatement verdicts, by the first sentence's and then the second's term array. */
let statementPairs = new WeakMap<string[], Map<string[], boolean>>();
let statementPairCount = 0;
const MAX_STATEMENT_PAIRS = 1_000_000;

function compareStatements(a: string[], b: string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return false;
  if (containment(cachedShingles(short), cachedShingles(long)) >= 0.5) return true;
  if (short.length < 6) return false;
  const longSet = cachedSet(long);
  const words = cachedSet(short);
  let common = 0;
  for (const w of words) if (longSet.has(w)) common++;
  return common / words.size >= 0.65;
}

/** Word n-grams of a word sequence (the whole sequence when it is shorter than n). */
export function shingleSet(words: string[], n = 3): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(" "));
  if (out.size === 0 && words.length > 0) out.add(words.join(" "));
  return out;
}

/** Share of `a`'s shingles found in `b` (0 when `a` is empty). */
export function containment(a: Set<string>, b: Set<string>): number {
  if (a.size === 0) return 0;
  let shared = 0;
  for (const s of a) if (b.has(s)) shared++;
  return shared / a.size;
}

// Term arrays of indexed sentences are long-lived and compared on every question.
const shingleCache = new WeakMap<string[], Set<string>>();
function cachedShingles(words: string[]): Set<string> {
  let s = shingleCache.get(words);
  if (!s) {
    s = shingleSet(words);
    shingleCache.set(words, s);
  }
  return s;
}
const setCache = new WeakMap<string[], Set<string>>();
function cachedSet(words: string[]): Set<string> {
  let s = setCache.get(words);
  if (!s) {
    s = new Set(words);
    setCache.set(words, s);
  }
  return s;
}
