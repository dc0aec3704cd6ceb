import { describe, expect, it } from "vitest";
import { americanSpellingsOf, correctionOf, oneEditAway, SpellingCorrector, type SpellingLexicon } from "../src/text/spelling.js";

// General-English ranks (0 = commonest) and the documents' words of a toy world.
const RANKS: Record<string, number> = {
  what: 80, into: 50, have: 23, fighters: 2_200, withdrawal: 2_837, afghanistan: 790, hive: 32_750, priorities: 6_271,
  prioritize: 14_000, prioritise: 91_144, withdrawl: 118_256, whats: 111_834, configure: 52_028, configured: 26_581, book: 900, boko: 95_000,
};
const DOCUMENTS = new Set(["what", "have", "fighters", "withdrawal", "afghanistan", "priorities", "configured", "book", "into", "khorasan"]);
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

  it("reads a slip as the documents' word one edit away, and leaves real words, names and British spellings alone", () => {
    expect(correctionOf("figters", false, lexicon)).toBe("fighters");
    expect(correctionOf("withdrawl", false, lexicon)).toBe("withdrawal");
    expect(correctionOf("afganistan", true, lexicon)).toBe("afghanistan");
    // Words of general English, however rare in the documents: "hive" is not "have".
    expect(correctionOf("hive", false, lexicon)).toBeUndefined();
    expect(correctionOf("configure", false, lexicon)).toBeUndefined();
    // A capitalised word general English knows is a name, not a slip.
    expect(correctionOf("boko", true, lexicon)).toBeUndefined();
    // "prioritise" is "prioritize" spelt the British way.
    expect(americanSpellingsOf("prioritise")).toEqual(["prioritize"]);
    expect(correctionOf("prioritise", false, lexicon)).toBeUndefined();
    // The commonest word one edit away must be the documents' own: "draged" meant "dragged".
    expect(correctionOf("draged", false, { knows: (w) => w === "draggd", rank: (w) => (w === "dragged" ? 6_969 : undefined) })).toBeUndefined();
    expect(correctionOf("the", false, lexicon)).toBeUndefined();
  });

  it("corrects a question's words in place, keeping case, and leaves initialisms, contractions and numbers as typed", () => {
    const speller = new SpellingCorrector(lexicon);
    const read = speller.correct("How many figters has ISKP in Afganistan since the withdrawl of 2021?");
    expect(read.text).toBe("How many fighters has ISKP in Afghanistan since the withdrawal of 2021?");
    expect(read.corrections).toEqual([["figters", "fighters"], ["Afganistan", "Afghanistan"], ["withdrawl", "withdrawal"]]);
    const untouched = "WHATS the hive's ISKP count? Doesn't it?";
    expect(speller.correct(untouched)).toEqual({ text: untouched, corrections: [] });
    // A pasted essay of strange words is looked at up to a bound: the rest stand as typed.
    const essay = `${Array.from({ length: 30 }, (_, i) => `zq${i}x`.replace(/\d+/, (n) => "abcdefghijklmnopqrstuvwxyzabcd"[Number(n)]!)).join(" ")} figters`;
    expect(new SpellingCorrector(lexicon).correct(essay).corrections).toEqual([]);
    expect(new SpellingCorrector(lexicon).correct(`${essay.split(" ").slice(0, 10).join(" ")} figters`).corrections).toEqual([["figters", "fighters"]]);
    // The second reading comes from memory and says the same.
    expect(speller.correct("whats up with figters").text).toBe("what up with fighters");
  });
});
