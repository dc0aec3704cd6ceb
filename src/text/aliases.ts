import { foldTypography, isContentWord, STOPWORDS } from "./normalize.js";

/**
 * Names of the same thing, learnt from the corpus itself: an acronym defined in
 * parentheses ("Islamic State Khorasan (IS-K)"), an "also known as" phrase, and the union
 * of everything that shares a form ("Islamic State Khorasan Province" is both IS-K and ISKP).
 * Serialisable, so it is saved with the index and applied to queries too.
 */
export interface AliasCluster {
  /** Stable term that stands for every form of the cluster. */
  id: string;
  /** Human label, the most frequent acronym. */
  label: string;
  /** Normalised forms: content words joined by single spaces ("islamic state khorasan", "is-k"). */
  forms: string[];
}

export interface AliasTable {
  clusters: AliasCluster[];
}

// Document text is untrusted: each pattern runs only on a short window around a cheap anchor
// ("(ACR)", "also known as"), with bounded word lengths, so matching stays linear in the text.
const ACRONYM_IN_PARENS_RE = /\(([A-Z][A-Za-z]{0,10}[A-Z](?:-[A-Z]{1,3})?s?)\)/g;
const AKA_LEFT_RE = /((?:[A-Z][\p{L}-]{0,30}\s+){0,6}[A-Z][\p{L}-]{0,30})\s*,?\s*\(?$/u;
const AKA_RIGHT_RE = /^\s+(?:the\s+)?((?:[A-Z][\p{L}-]{0,30}\s*){1,7})/u;
const WINDOW = 200;
const ACRONYM_TOKEN_RE = /\b[A-Z]{2,}(?:-[A-Z]{1,3})?\b/g;

/** "Islamic State-Khorasan Province" -> "islamic state khorasan province" (content words only). */
export function normaliseForm(phrase: string): string {
  return foldTypography(phrase)
    .toLowerCase()
    .replace(/'s\b/g, "")
    .split(/[^\p{L}\p{N}-]+/u)
    .flatMap((w) => (isAcronymWord(w) ? [w] : w.split("-")))
    .filter((w) => w && isContentWord(w))
    .join(" ");
}

function isAcronymWord(lowerWord: string): boolean {
  // Hyphenated short tokens such as "is-k" stay whole; "state-khorasan" splits.
  return /^[a-z]{1,5}-[a-z]{1,3}$/.test(lowerWord);
}

function initialsOf(words: string[]): { all: string; content: string } {
  const parts = words.flatMap((w) => w.split("-")).filter(Boolean);
  return {
    all: parts.map((p) => p[0]!.toLowerCase()).join(""),
    content: parts
      .filter((p) => !STOPWORDS.has(p.toLowerCase()))
      .map((p) => p[0]!.toLowerCase())
      .join(""),
  };
}

/**
 * The shortest run of words before "(ACR)" whose initials spell the acronym. One extra
 * trailing word is allowed, because writers often drop a generic last word from an
 * acronym ("Islamic State-Khorasan Province (IS-K)").
 */
export function longFormFor(precedingText: string, acronym: string): string | null {
  const letters = acronym.replace(/s$/, "").replace(/[^A-Za-z]/g, "").toLowerCase();
  const words = precedingText.trim().split(/\s+/).filter(Boolean);
  for (let k = 1; k <= Math.min(words.length, letters.length + 4); k++) {
    const candidate = words.slice(words.length - k);
    if (STOPWORDS.has(candidate[0]!.toLowerCase())) continue;
    if (!/^\p{Lu}/u.test(candidate[0]!)) continue;
    const { all, content } = initialsOf(candidate);
    const exact = all === letters || content === letters;
    const oneExtra =
      (content.length === letters.length + 1 && content.startsWith(letters)) ||
      (all.length === letters.length + 1 && all.startsWith(letters));
    if (exact || oneExtra) return candidate.join(" ");
  }
  return null;
}

class UnionFind {
  private parent = new Map<string, string>();
  find(x: string): string {
    if (!this.parent.has(x)) this.parent.set(x, x);
    let root = x;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    // Path compression keeps later look-ups flat.
    for (let node = x; node !== root; ) {
      const next: string = this.parent.get(node)!;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
  keys(): string[] {
    return [...this.parent.keys()];
  }
}

/** Learns alias clusters from raw document texts. Pure and deterministic. */
export function learnAliases(texts: string[]): AliasTable {
  const uf = new UnionFind();
  const acronymCounts = new Map<string, number>();
  const acronymForms = new Set<string>();

  for (const raw of texts) {
    const text = foldTypography(raw);
    for (const m of text.matchAll(ACRONYM_TOKEN_RE)) {
      const a = m[0].toLowerCase();
      acronymCounts.set(a, (acronymCounts.get(a) ?? 0) + 1);
    }
    for (const m of text.matchAll(ACRONYM_IN_PARENS_RE)) {
      const acronym = m[1]!;
      const before = text.slice(Math.max(0, m.index - WINDOW), m.index).split(/[\n.;:!?()]/).pop() ?? "";
      const longForm = longFormFor(before, acronym);
      if (!longForm) continue;
      const a = normaliseForm(acronym.replace(/s$/, ""));
      const l = normaliseForm(longForm);
      if (!a || !l || a === l) continue;
      acronymForms.add(a);
      uf.union(a, l);
    }
    for (let at = text.indexOf("also known as"); at >= 0; at = text.indexOf("also known as", at + 1)) {
      const leftMatch = AKA_LEFT_RE.exec(text.slice(Math.max(0, at - WINDOW), at));
      const rightMatch = AKA_RIGHT_RE.exec(text.slice(at + "also known as".length, at + "also known as".length + WINDOW));
      if (!leftMatch || !rightMatch) continue;
      const left = normaliseForm(leftMatch[1]!);
      const right = normaliseForm(rightMatch[1]!.trim());
      if (!left || !right || left === right) continue;
      if (left.split(" ").length > 6 || right.split(" ").length > 6) continue;
      for (const f of [left, right]) if (!f.includes(" ")) acronymForms.add(f);
      uf.union(left, right);
    }
  }

  linkHyphenVariants(uf, acronymCounts, acronymForms);

  const groups = new Map<string, string[]>();
  for (const form of uf.keys()) {
    const root = uf.find(form);
    const list = groups.get(root) ?? [];
    list.push(form);
    groups.set(root, list);
  }
  const clusters: AliasCluster[] = [];
  for (const forms of groups.values()) {
    if (forms.length < 2) continue;
    forms.sort();
    const acronyms = forms.filter((f) => acronymForms.has(f));
    const label =
      [...acronyms].sort((x, y) => (acronymCounts.get(y) ?? 0) - (acronymCounts.get(x) ?? 0) || x.localeCompare(y))[0] ??
      forms[0]!;
    clusters.push({ id: `alias_${label.replace(/[^a-z0-9]/g, "")}`, label: label.toUpperCase(), forms });
  }
  clusters.sort((a, b) => a.id.localeCompare(b.id));
  return { clusters };
}

/**
 * An acronym used but never defined ("ISIS-K") joins a cluster when it is a hyphenated
 * variant of a defined one with the same suffix ("IS-K") and its head is a defined acronym
 * whose long form starts like the cluster's ("ISIS" = "islamic state iraq syria" and
 * "IS-K" = "islamic state khorasan" share "islamic state").
 */
function linkHyphenVariants(uf: UnionFind, counts: Map<string, number>, defined: Set<string>): void {
  const longFormsOf = (acronym: string) =>
    uf.keys().filter((k) => k !== acronym && k.includes(" ") && uf.find(k) === uf.find(acronym));
  for (const variant of counts.keys()) {
    if (defined.has(variant)) continue;
    const m = /^([a-z]+)-([a-z]+)$/.exec(variant);
    if (!m) continue;
    const [, head, suffix] = m;
    if (!defined.has(head!)) continue;
    const headLong = longFormsOf(head!);
    for (const target of defined) {
      if (!target.endsWith(`-${suffix}`) || target === variant) continue;
      const targetHead = target.slice(0, -suffix!.length - 1);
      const targetLong = longFormsOf(target);
      const shared = targetLong.some((tl) =>
        headLong.some((hl) => {
          const headWords = tl.split(" ").slice(0, targetHead.length);
          return headWords.length === targetHead.length && hl.startsWith(headWords.join(" ") + " ");
        }),
      );
      if (shared) {
        uf.union(target, variant);
        defined.add(variant);
      }
    }
  }
}

/**
 * Replaces every alias form in a sequence of content words with its cluster id,
 * longest form first. Works on already-normalised content words.
 */
export class AliasNormalizer {
  private readonly byFirstWord = new Map<string, { words: string[]; id: string }[]>();

  constructor(readonly table: AliasTable) {
    for (const c of table.clusters) {
      for (const form of c.forms) {
        const words = form.split(" ");
        const list = this.byFirstWord.get(words[0]!) ?? [];
        list.push({ words, id: c.id });
        this.byFirstWord.set(words[0]!, list);
      }
    }
    for (const list of this.byFirstWord.values()) list.sort((a, b) => b.words.length - a.words.length);
  }

  apply(words: string[]): string[] {
    if (this.byFirstWord.size === 0) return words;
    const out: string[] = [];
    for (let i = 0; i < words.length; ) {
      const candidates = this.byFirstWord.get(words[i]!);
      let matched = false;
      if (candidates) {
        for (const c of candidates) {
          if (c.words.every((w, j) => words[i + j] === w)) {
            out.push(c.id);
            i += c.words.length;
            matched = true;
            break;
          }
        }
      }
      if (!matched) out.push(words[i++]!);
    }
    return out;
  }
}
