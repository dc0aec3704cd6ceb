/** What may follow a place's stem in its demonym or its country's name: Europe/European, Pakistan/Pakistani, Tajik/Tajikistan. */
const PLACE_SUFFIX = /^(?:|a|e|i|n|an|ian|ean|es|ese|ish|istan|stan)$/;

/**
 * Whether two terms name one place: they share a stem of at least four letters and each goes
 * on from it by a demonym's or a country's ending ("europ"/"european", "china"/"chines",
 * "afghan"/"afghanistan"). "islam"/"islamabad" and "kerman"/"kermanshah" are two; irregular
 * demonyms ("French") are not read.
 */
export function sameNamedThing(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  let common = 0;
  while (common < shorter && a[common] === b[common]) common++;
  for (; common >= 4; common--) {
    if (PLACE_SUFFIX.test(a.slice(common)) && PLACE_SUFFIX.test(b.slice(common))) return true;
  }
  return false;
}
