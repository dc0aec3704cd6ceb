import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWordVectorsFor, servicesFromIndex, type Services } from "../src/app.js";
import type { AppConfig } from "../src/config/index.js";
import { ensureIndex } from "../src/store/indexManager.js";
import { coordinatedCounts, CountedEvents, type WordSimilarity } from "../src/text/countedEvents.js";
import { documentServices } from "./helpers/fixtures.js";

const pairsOf = (sentence: string) => coordinatedCounts(sentence).map(({ events: [a, b] }) => `${a.stem}/${b.stem}`);

/** A few fixed similarities, as general-English vectors give them, so the unit tests need no vector table. */
const SIMILAR: Record<string, number> = {
  "dead killed": 0.83,
  "dead killing": 0.71,
  "dead wounded": 0.78,
  "dead wounding": 0.57,
  "dead injured": 0.7,
  "left injured": 0.63,
  "left killed": 0.5,
  "left killing": 0.41,
  "missing wounded": 0.73,
  "missing killed": 0.62,
  "hurt wounded": 0.5,
  "hurt injured": 0.6,
  "hurt killed": 0.47,
  "detained wounded": 0.55,
  "detained killed": 0.61,
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
  it("learns two verbs as separate counts only where a sentence reports each with its own amount, or both after one", () => {
    expect(pairsOf("The bombing killed 60 and wounded more than 100 others.")).toEqual(["kill/wound"]);
    expect(pairsOf("It killed an estimated 90 people and injured hundreds more.")).toEqual(["kill/injur"]);
    expect(pairsOf("Hundreds have been killed and wounded in two bombings.")).toEqual(["kill/wound"]);
    // An aside that only adds to the count is passed over; a number word is no verb.
    expect(pairsOf("The blast killed 30 people, including 5 children, and wounded 40.")).toEqual(["kill/wound"]);
    expect(pairsOf("The blast killed two hundred and wounded 300.")).toEqual(["kill/wound"]);
    // One verb with two counted things, two verbs of one amount, or no amount at all: no pair.
    expect(pairsOf("The attack killed 13 US service members and 180 Afghans.")).toEqual([]);
    expect(pairsOf("Gunmen attacked and killed 12 worshippers.")).toEqual([]);
    expect(pairsOf("Gunmen attacked and killed worshippers at 2 mosques.")).toEqual([]);
    expect(pairsOf("The group trained and equipped its cadres.")).toEqual([]);
    // "an estimated" is how the figure is given, not a second event; another clause is no pair.
    expect(pairsOf("The blast killed an estimated 90 people and 40 soldiers.")).toEqual([]);
    expect(pairsOf("The blast killed 30 people, the police said, and wounded 40.")).toEqual([]);
  });

  const events = CountedEvents.learn(DOCUMENTS);

  it("asks nothing of a question whose verb after 'how many' the documents never set against another", () => {
    expect(events.askedIn("How many people died in the hospital attack?")).toBeUndefined();
    expect(events.askedIn("How many fighters does the group have?")).toBeUndefined();
    // Both sides asked: nothing is left to keep apart.
    expect(events.askedIn("How many people were killed and wounded?")).toBeUndefined();
    // A clause about something else is not what is counted.
    expect(events.askedIn("How many attacks that killed civilians did the group claim?")).toBeUndefined();
    expect(events.askedIn("How many were wounded in the attack that killed 150 people?")!.asked.map((e) => e.stem)).not.toContain("kill");
    expect(events.askedIn("How many people were wounded when gunmen killed 150 at the hall?")!.asked.map((e) => e.stem)).not.toContain("kill");
    // Only what follows "how many" is asked.
    expect(events.askedIn("After the blast killed 60, how many people were wounded?")!.asked.map((e) => e.stem)).not.toContain("kill");
  });

  it("reads a figure of the dead as no answer about the wounded, and the wounded as one", () => {
    const wounded = events.askedIn("How many people were wounded in the concert hall attack?")!;
    expect(wounded.asked.map((e) => e.stem)).toContain("wound");
    // "injured" is set against the same "killed", with an amount of its own, and never against "wounded": it stands with it.
    expect(wounded.asked.map((e) => e.stem)).toContain("injur");
    expect(new Set(wounded.others.map((e) => e.stem))).toEqual(new Set(["kill"]));
    expect(events.whatSentenceReports("Gunmen attacked a concert hall, killing more than 150 people.", wounded, similarity)).toBe("other");
    expect(events.whatSentenceReports("The twin bombings killed an estimated 90 people and injured hundreds more.", wounded, similarity)).toBe("asked");
    expect(events.whatSentenceReports("The blast killed 30 people and wounded dozens.", wounded, similarity)).toBe("asked");
    // The asked event named near an amount, wherever its verb is.
    expect(events.whatSentenceReports("Some 100 people were among the wounded.", wounded, similarity)).toBe("asked");
    // The verb after what is counted, past an auxiliary, an acronym counted too.
    expect(events.whatSentenceReports("In all, 13 service members were killed.", wounded, similarity)).toBe("other");
    expect(events.whatSentenceReports("In all, 13 US service members were killed.", wounded, similarity)).toBe("other");
    // A word that leans to the wounded but stands away from any amount changes nothing.
    expect(events.whatSentenceReports("Gunmen killed more than 150 people, with a search for the missing under way.", wounded, similarity)).toBe("other");
    // No amount, no figure of anything.
    expect(events.whatSentenceReports("The attack killed many.", wounded, similarity)).toBe("unknown");
    expect(events.whatSentenceReports("Four gunmen attacked the hall.", wounded, similarity)).toBe("unknown");
  });

  it("keeps a sentence where another amount has a verb no event places but nearer the asked one: that may be the asked figure in other words", () => {
    const wounded = events.askedIn("How many people were wounded in the concert hall attack?")!;
    expect(events.whatSentenceReports("The attack killed 145 people and 551 others were hurt.", wounded, similarity)).toBe("unknown");
    // Nearer the other event, a span of time, or no verb of an event: the dead remain the only figure.
    expect(events.whatSentenceReports("The attack killed more than 140 people, and 11 suspects were detained.", wounded, similarity)).toBe("other");
    expect(events.whatSentenceReports("Gunmen killed more than 150 people in an assault lasting 20 minutes.", wounded, similarity)).toBe("other");
    expect(events.whatSentenceReports("Gunmen stormed the hall, where 6,000 people had gathered, killing more than 150.", wounded, similarity)).toBe("other");
    // Without word vectors nothing leans either way.
    expect(events.whatSentenceReports("The attack killed 145 people and 551 others were hurt.", wounded)).toBe("other");
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

describe("answers over documents that count the dead and the wounded apart", () => {
  let services: Services;
  let config: AppConfig;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ services, config, cleanup } = await documentServices({
      "crocus.txt":
        "Moscow concert hall massacre\n\nOn 22 March 2024 four gunmen attacked Crocus City Hall in Moscow, killing more than 150 people. More than 500 others were wounded, Russian officials said. The Islamic State claimed the attack within hours.\n",
      "kerman.txt": "Kerman bombings\n\nTwin bombings in Kerman killed 95 people and 284 others were hurt. Iran blamed the Islamic State.\n",
      "hospital.txt": "Kabul hospital attack\n\nThe Taliban blamed ISIS-K for the explosion at a military hospital in Kabul, killing at least 30 people and wounding dozens this Tuesday.\n",
      "peshawar.txt": "Peshawar mosque bombing\n\nA suicide bomber struck a Shi'ite mosque in Peshawar in March 2022, killing 60 worshippers. ISKP claimed the bombing.\n",
      "mastung.txt": "Mastung rally bombing\n\nA suicide blast at a religious rally in Mastung left more than 50 people dead. Pakistan blamed militants based in Afghanistan.\n",
      "iskp.txt": "ISKP after the fall of Kabul\n\nSanaullah Ghafari, known as Shahab al-Muhajir, is the emir of ISKP. The group has expanded its attacks since 2021 under his command.\n",
    }));
  });
  afterAll(() => cleanup());
  const ask = (question: string) => services.answers.ask({ question });

  it("learns the pairs when the index is built and reads them back with it, so no question waits for them", async () => {
    const pairs = services.index.countedEvents!.map(({ events: [a, b] }) => `${a.stem}/${b.stem}`);
    expect(pairs).toContain("kill/wound");
    const reloaded = await ensureIndex(config);
    expect(reloaded.rebuilt).toBe(false);
    expect(reloaded.index.countedEvents).toEqual(services.index.countedEvents);
    // An index saved before the pairs were learns them from its documents on first use.
    const { countedEvents: _saved, ...older } = reloaded.index;
    const fromOlder = servicesFromIndex(config, older, undefined, { wordVectors: await loadWordVectorsFor(config) });
    expect((await fromOlder.answers.ask({ question: "How many people were wounded in the Peshawar mosque bombing?" })).abstained).toBe(true);
  });

  it("answers the wounded from the sentence after the one that names the attack", async () => {
    const a = await ask("How many people were wounded in the Crocus City Hall attack?");
    expect(a.abstained).toBe(false);
    expect(a.answer).toContain("More than 500 others were wounded");
    expect(a.answer).not.toContain("killing more than 150 people");
  });

  it("answers the wounded in a word the documents never set against the dead, and the dead as before", async () => {
    expect((await ask("How many people were wounded in the Kerman bombings?")).answer).toContain("284 others were hurt");
    expect((await ask("How many people were killed in the Kerman bombings?")).answer).toContain("killed 95 people");
  });

  it("says the documents do not give the wounded of an attack whose dead alone they give", async () => {
    const a = await ask("How many people were wounded in the Peshawar mosque bombing?");
    expect(a.abstained).toBe(true);
    expect(a.answer).toMatch(/^The documents do not give this figure\./);
  });

  it("tells by the word vectors that the dead are no figure of the wounded ('left more than 50 people dead')", async () => {
    expect((await ask("How many people were wounded in the Mastung rally bombing?")).abstained).toBe(true);
    expect((await ask("How many people were killed in the Mastung rally bombing?")).answer).toContain("more than 50 people dead");
  });

  it("names the holder of a role asked in two words when the documents use one of them", async () => {
    expect((await ask("Who is the current emir or leader of ISKP?")).answer).toContain("Sanaullah Ghafari");
    // An emir is a leader: the words for heading something stand for one another.
    expect((await ask("Who is the leader of ISKP?")).answer).toContain("Sanaullah Ghafari");
    // A part played is not: no "spokesman" is an emir.
    expect((await ask("Who is the spokesman of ISKP?")).abstained).toBe(true);
  });
});
