/**
 * Whether two sentences (as analyzer terms) state the same thing: a summary bullet and its
 * reworded copy in the body share most of their words even when phrasing shifts. Pure.
 */
export function sameStatement(a: string[], b: string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return false;
  const shinglesShort = shingles(short);
  const shinglesLong = shingles(long);
  let shared = 0;
  for (const s of shinglesShort) if (shinglesLong.has(s)) shared++;
  if (shared / shinglesShort.size >= 0.5) return true;
  if (short.length < 6) return false;
  const longSet = new Set(long);
  const words = new Set(short);
  let common = 0;
  for (const w of words) if (longSet.has(w)) common++;
  return common / words.size >= 0.65;
}

function shingles(words: string[], n = 3): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(" "));
  if (out.size === 0) out.add(words.join(" "));
  return out;
}
