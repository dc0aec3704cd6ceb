import { foldTypography, STOPWORDS } from "./normalize.js";

/**
 * Initialisms a question may use for names the documents spell out: "UN" for "United
 * Nations", "US" for "United States". Learnt from the documents' own capitalised phrases, so
 * nothing is listed by hand; an initialism is read only when exactly one phrase of the
 * documents has those initials, and only for a word the documents do not use themselves.
 */
export class InitialismIndex {
  /** Initials (lower case) -> the one phrase with them, or null when several phrases share them. */
  private readonly phrases = new Map<string, string | null>();

  /** Words in capitals the documents write themselves ("US", "NATO"): theirs to mean, never expanded. */
  private readonly written = new Set<string>();

  constructor(texts: Iterable<string>) {
    for (const text of texts) {
      const folded = foldTypography(text);
      for (const run of capitalisedRuns(folded)) this.addRun(run);
      for (const m of folded.matchAll(INITIALISM_RE)) this.written.add(m[0]);
    }
  }

  /** Every contiguous stretch of 2..MAX_WORDS words of a run of capitalised words, by its initials. */
  private addRun(words: string[]): void {
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 2; j <= Math.min(words.length, i + MAX_WORDS); j++) {
        const slice = words.slice(i, j);
        // A phrase opens and closes on a name word, not on "of" or "the".
        if (CONNECTORS.has(slice[0]!.toLowerCase()) || CONNECTORS.has(slice[slice.length - 1]!.toLowerCase())) continue;
        const initials = slice
          .filter((w) => !CONNECTORS.has(w.toLowerCase()))
          .map((w) => w[0]!.toLowerCase())
          .join("");
        if (initials.length < 2) continue;
        const phrase = slice.join(" ");
        const known = this.phrases.get(initials);
        if (known === undefined) this.phrases.set(initials, phrase);
        else if (known !== null && known.toLowerCase() !== phrase.toLowerCase()) this.phrases.set(initials, null);
      }
    }
  }

  /** The phrase an initialism stands for, when the documents give exactly one. */
  phraseFor(initialism: string): string | undefined {
    return this.phrases.get(initialism.toLowerCase()) ?? undefined;
  }

  /**
   * The question with each initialism the documents never write ("UN", in capitals, 2..6
   * letters) replaced by the one phrase of the documents it abbreviates. Unchanged when there
   * is none, or when the documents know the word some other way (`known`: "Isis" as a name).
   */
  expand(question: string, known: (word: string) => boolean = () => false): string {
    // A question typed in capitals ("WHEN DID IT HAPPEN?") has words in capitals, not initialisms.
    const letters = question.match(/\p{L}/gu)?.length ?? 0;
    const capitals = question.match(/\p{Lu}/gu)?.length ?? 0;
    if (capitals > letters / 2) return question;
    return question.replace(INITIALISM_RE, (word) => {
      // "IT", "AT", "US": a word first, whatever it might abbreviate.
      if (STOPWORDS.has(word.toLowerCase()) || this.written.has(word) || known(word)) return word;
      return this.phraseFor(word) ?? word;
    });
  }
}

const MAX_WORDS = 6;
/** Words an initialism skips: "Islamic State of Iraq and Syria" is ISIS. */
const CONNECTORS = new Set(["of", "and", "for", "the", "on", "in"]);
/** A word in capitals only, standing alone: "UN", "UNSC"; not "U.S." or "IS-K", which the text's own aliases handle. */
const INITIALISM_RE = /(?<![\p{L}\p{N}.\-'&])\p{Lu}{2,6}(?![\p{L}\p{N}\-&]|\.\p{L})/gu;
/** Whether a text has a word that could be an initialism: the cheap test before the index is needed. */
export function mayHoldInitialism(text: string): boolean {
  return INITIALISM_TEST_RE.test(text);
}
const INITIALISM_TEST_RE = new RegExp(INITIALISM_RE.source, "u");
const RUN_RE = /\p{Lu}[\p{Ll}]+(?:(?:\s+(?:of|and|for|the|on|in))*\s+\p{Lu}[\p{Ll}]+)+/gu;

/** Runs of capitalised words ("United Nations Security Council") of a folded text, minus an opening function word ("The"). */
function capitalisedRuns(text: string): string[][] {
  const out: string[][] = [];
  for (const m of text.matchAll(RUN_RE)) {
    const words = m[0].split(/\s+/);
    // A sentence's first word is capitalised by grammar: "The United States" is "United States".
    while (words.length > 0 && STOPWORDS.has(words[0]!.toLowerCase())) words.shift();
    if (words.length >= 2) out.push(words);
  }
  return out;
}
