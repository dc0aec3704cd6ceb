/**
 * Indices 0..n-1 of the k highest scores, best first, ties in index order: what a stable sort
 * by descending score cut to k gives, without ordering the many that are cut. Indices `keep`
 * rejects are left out.
 */
export function topIndices(n: number, wanted: number, scoreOf: (i: number) => number, keep?: (i: number) => boolean): number[] {
  // A count of results: a fraction rounds down, and anything below one (or not a number) is none.
  const k = wanted >= 1 ? Math.floor(wanted) : 0;
  if (k >= n) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (!keep || keep(i)) all.push(i);
    // Array sort is stable: equal scores keep index order.
    return all.sort((a, b) => scoreOf(b) - scoreOf(a));
  }
  const top: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const score = scoreOf(i);
    // A full list takes only a strictly better score: an equal one came later.
    if (top.length === k && !(score > scores[k - 1]!)) continue;
    if (keep && !keep(i)) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && score > scores[at - 1]!) {
      top[at] = top[at - 1]!;
      scores[at] = scores[at - 1]!;
      at--;
    }
    top[at] = i;
    scores[at] = score;
  }
  return top;
}
