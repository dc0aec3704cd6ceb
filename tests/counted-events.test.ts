import { describe, expect, it } from "vitest";
import { coordinatedCounts, CountedEvents, type WordSimilarity } from "../src/text/countedEvents.js";

const pairsOf = (sentence: string) => coordinatedCounts(sentence).map(([a, b]) => `${a.stem}/${b.stem}`);

/** A few fixed similarities, as general-English vectors give them, so the tests need no vector table. */
const SIMILAR: Record<string, number> = {
  "dead killed": 0.83,
  "dead killing": 0.71,
  "dead wounded": 0.78,
  "dead wounding": 0.57,
  "dead injured": 0.7,
  "left injured": 0.63,
  "left killed": 0.5,
  "left killing": 0.41,
};
const similarity: WordSimilarity = (a, b) => SIMILAR[`${a} ${b}`] ?? SIMILAR[`${b} ${a}`] ?? 0.1;

const DOCUMENTS = [
  "The group bombed a hospital, killing at least 30 people and wounding dozens this Tuesday.",
  "The twin bombings killed an estimated 90 people and injured hundreds more.",
  "Hundreds have been killed and wounded in two separate suicide bombings.",
  "Gunmen attacked a concert hall, killing more than 150 people.",
  "The group trained and equipped its cadres.",
];

describe("events the documents count apart", () => {
  it("learns two verbs as separate counts only where a sentence reports each with its own amount, or both beside an amount", () => {
    expect(pairsOf("The bombing killed 60 and wounded more than 100 others.")).toEqual(["kill/wound"]);
    expect(pairsOf("It killed an estimated 90 people and injured hundreds more.")).toEqual(["kill/injur"]);
    expect(pairsOf("Hundreds have been killed and wounded in two bombings.")).toEqual(["kill/wound"]);
    // One verb with two counted things, or two verbs without any amount, are no pair.
    expect(pairsOf("The attack killed 13 US service members and 180 Afghans.")).toEqual([]);
    expect(pairsOf("The group trained and equipped its cadres.")).toEqual([]);
    // "an estimated" is how the figure is given, not a second event.
    expect(pairsOf("The blast killed an estimated 90 people and 40 soldiers.")).toEqual([]);
  });

  const events = CountedEvents.learn(DOCUMENTS);

  it("asks nothing of a question whose verb the documents never set against another", () => {
    expect(events.askedIn("How many people died in the hospital attack?")).toBeUndefined();
    expect(events.askedIn("How many fighters does the group have?")).toBeUndefined();
    // Both sides asked: nothing is left to keep apart.
    expect(events.askedIn("How many people were killed and wounded?")).toBeUndefined();
  });

  it("reads a figure of the dead as no answer about the wounded, and the wounded as one", () => {
    const wounded = events.askedIn("How many people were wounded in the concert hall attack?")!;
    expect(wounded.asked.map((e) => e.stem)).toContain("wound");
    // "injured" is set against the same "killed" and never against "wounded": it stands with it.
    expect(wounded.asked.map((e) => e.stem)).toContain("injur");
    expect(wounded.others.map((e) => e.stem)).toEqual(["kill", "kill"]);
    expect(events.whatSentenceReports("Gunmen attacked a concert hall, killing more than 150 people.", wounded, similarity)).toBe("other");
    expect(events.whatSentenceReports("The attack killed 13 US service members.", wounded, similarity)).toBe("other");
    expect(events.whatSentenceReports("The twin bombings killed an estimated 90 people and injured hundreds more.", wounded, similarity)).toBe("asked");
    expect(events.whatSentenceReports("The blast killed 30 people and wounded dozens.", wounded, similarity)).toBe("asked");
    // "13 service members were killed": the verb after what is counted and its auxiliary.
    expect(events.whatSentenceReports("In all, 13 service members were killed.", wounded, similarity)).toBe("other");
    // No amount, no figure of anything.
    expect(events.whatSentenceReports("The attack killed many.", wounded, similarity)).toBe("unknown");
    expect(events.whatSentenceReports("Four gunmen attacked the hall.", wounded, similarity)).toBe("unknown");
  });

  it("places a word the documents do not contrast by its meaning, when word vectors are at hand", () => {
    const wounded = events.askedIn("How many were wounded in the attack?")!;
    const dead = "The attack on a concert hall left more than 130 people dead.";
    // "dead" is nearer "killed" than "wounded": another event's figure.
    expect(events.whatSentenceReports(dead, wounded, similarity)).toBe("other");
    // Without vectors nothing can tell: the sentence is left to answer.
    expect(events.whatSentenceReports(dead, wounded)).toBe("unknown");
    const killed = events.askedIn("How many people were killed in the attack?")!;
    expect(events.whatSentenceReports(dead, killed, similarity)).toBe("asked");
    // "left" leans to "injured" (0.63, "left injured") but is no event word: too far to tell.
    const injured = events.askedIn("How many were injured?")!;
    expect(events.whatSentenceReports("The blast left 130 casualties.", injured, similarity)).toBe("unknown");
  });
});
