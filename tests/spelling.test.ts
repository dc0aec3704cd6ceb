import { describe, expect, it } from "vitest";
import { correctionOf, oneEditAway, SpellingCorrector, type SpellingLexicon } from "../src/text/spelling.js";
import { atSentenceStart } from "../src/text/normalize.js";

// General-English ranks (0 = commonest) and the documents' words of a toy world.
const RANKS: Record<string, number> = {
  what: 80, into: 50, have: 23, fighters: 2_200, withdrawal: 2_837, afghanistan: 790, hive: 32_750, priorities: 6_271,
  prioritise: 91_144, withdrawl: 118_256, whats: 111_834, configure: 52_028, configured: 26_581, book: 900, boko: 95_000,
  entities: 8_044, enmities: 88_858, jihadist: 34_420,
};
const DOCUMENTS = new Set(["what", "have", "fighters", "withdrawal", "afghanistan", "priorities", "configured", "book", "into", "khorasan", "entities", "jihadist"]);
const lexicon: SpellingLexicon = { knows: (w) => DOCUMENTS.has(w), rank: (w) => RANKS[w] };

describe("spelling correction", () => {
  it("lists every string one deletion, transposition, substitution or insertion away", () => {
    const near = oneEditAway("figter");
    expect(near.has("fighter")).toBe(true);
    expect(near.has("fitger")).toBe(true);
    expect(near.has("figer")).toBe(true);
    expect(near.has("fixter")).toBe(true);
    expect(near.has("figter")).toBe(false);
    expect(near.has("fighters")).toBe(false);
  });

  it("reads a slip as the documents' word one edit away, and leaves real words, names and other forms alone", () => {
    expect(correctionOf("figters", false, lexicon)).toBe("fighters");
    expect(correctionOf("withdrawl", false, lexicon)).toBe("withdrawal");
    expect(correctionOf("afganistan", true, lexicon)).toBe("afghanistan");
    // Words of general English, however rare in the documents: "hive" is not "have".
    expect(correctionOf("hive", false, lexicon)).toBeUndefined();
    expect(correctionOf("configure", false, lexicon)).toBeUndefined();
    // A rare word only some times rarer than its neighbour is a word of its own.
    expect(correctionOf("enmities", false, lexicon)).toBeUndefined();
    expect(correctionOf("prioritise", false, lexicon)).toBeUndefined();
    // An "-ism" is not a slip for its "-ist", even when the word list lacks it.
    expect(correctionOf("jihadism", false, lexicon)).toBeUndefined();
    // A capitalised word general English knows is a name, not a slip.
    expect(correctionOf("boko", true, lexicon)).toBeUndefined();
    // The commonest word one edit away must be the documents' own: "draged" meant "dragged".
    expect(correctionOf("draged", false, { knows: (w) => w === "draggd", rank: (w) => (w === "dragged" ? 6_969 : undefined) })).toBeUndefined();
    expect(correctionOf("the", false, lexicon)).toBeUndefined();
  });

  it("corrects a question's words in place, keeping case, possessives and sentence starts, and leaves initialisms and contractions as typed", () => {
    const speller = new SpellingCorrector(lexicon);
    const read = speller.correct("How many figters has ISKP in Afganistan since the withdrawl of 2021?");
    expect(read.text).toBe("How many fighters has ISKP in Afghanistan since the withdrawal of 2021?");
    expect(read.corrections).toEqual([["figters", "fighters"], ["Afganistan", "Afghanistan"], ["withdrawl", "withdrawal"]]);
    expect(speller.correct("How strong is Afganistan’s ISKP?").text).toBe("How strong is Afghanistan's ISKP?");
    // Capitalised to open a sentence, a listed slip is still a slip.
    expect(speller.correct("Withdrawl of US troops: what followed? Withdrawl again.").text).toBe("Withdrawal of US troops: what followed? Withdrawal again.");
    const untouched = "WHATS the hive's ISKP count? Doesn't it?";
    expect(speller.correct(untouched)).toEqual({ text: untouched, corrections: [] });
    // Met again, a slip is read from memory, as before.
    expect(speller.correct("up with figters").text).toBe("up with fighters");
    expect(speller.correct("whats up").text).toBe("what up");
  });

  it("bounds the work a question can cause: long words stand, and only so many new words are tried", () => {
    const speller = new SpellingCorrector(lexicon);
    const long = "q" + "z".repeat(1990);
    expect(speller.correct(`${long}?`).corrections).toEqual([]);
    expect(correctionOf("figtersfigtersfigtersfigters", false, lexicon)).toBeUndefined();
    const letters = "abcdefghijklmnopqrstuvwxyzabcd";
    const essay = `${Array.from({ length: 30 }, (_, i) => `zq${letters[i]}x`).join(" ")} figters`;
    expect(new SpellingCorrector(lexicon).correct(essay).corrections).toEqual([]);
    expect(new SpellingCorrector(lexicon).correct(`${essay.split(" ").slice(0, 10).join(" ")} figters`).corrections).toEqual([["figters", "fighters"]]);
  });
});

describe("sentence starts", () => {
  it("are the text's start and what follows a sentence's end, however long the text before", () => {
    const long = `${"word ".repeat(500)}end. "Next one`;
    expect(atSentenceStart(long, long.indexOf("Next"))).toBe(true);
    expect(atSentenceStart(long, long.indexOf("end"))).toBe(false);
    expect(atSentenceStart("Who leads it?", 0)).toBe(true);
    expect(atSentenceStart("  (Who leads it?", 3)).toBe(true);
    expect(atSentenceStart("Ask: Who leads it?", 5)).toBe(true);
    expect(atSentenceStart("Ask Who leads it?", 4)).toBe(false);
  });
});
