import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chunkText } from "../src/ingest/chunk.js";
import { cleanDocument, stripHtml, stripShortcodes } from "../src/ingest/clean.js";
import { decodeText, loadCorpus } from "../src/ingest/load.js";
import { documentContext, extractMetadata, findPublisher, headingsOf, openingWords, signOffInstitution } from "../src/ingest/metadata.js";
import { sectionAt } from "../src/store/indexManager.js";
import { splitSentences } from "../src/text/sentences.js";
import { REPO_CORPUS } from "./helpers/fixtures.js";

const corpus = Object.fromEntries(
  readdirSync(REPO_CORPUS).map((f) => [f.slice(0, 3), cleanDocument(readFileSync(path.join(REPO_CORPUS, f), "utf8"))]),
);

describe("cleanDocument", () => {
  it("removes tags and iframes but keeps the text between them", () => {
    const out = cleanDocument('<iframe src="//tracker/x" height="0"></iframe>\n<p>First <b>bold</b> para.</p><div>Second &amp; last.</div>');
    expect(out).toBe("First bold para.\n\nSecond & last.");
  });

  it("drops an unclosed iframe line of a web capture", () => {
    expect(cleanDocument('<iframe src="//www.example.com/ns.html?id=X" style="display:none">\n\nWorld\n\nBody text here.')).toBe("World\n\nBody text here.");
  });

  it("drops scripts and styles whole", () => {
    expect(stripHtml("<script>alert(1)</script><style>p{}</style><p>ok</p>").trim()).toBe("ok");
  });

  it("handles unclosed comments and elements: only the opener goes, the text after stays", () => {
    expect(stripHtml("before <!-- never closed after")).toBe("before  never closed after");
    expect(stripHtml("a <script src=x> b </p> c")).toBe("a  b \n c");
    expect(stripHtml("<script>".repeat(1000) + "tail")).toBe("tail");
  });

  it("removes embed shortcodes", () => {
    expect(stripShortcodes('Before.\n[gview file="https://example.org/a.pdf"]\nAfter [embed]https://x.y/z[/embed].')).toBe("Before.\n\nAfter .");
  });

  it("cuts comment and subscription footers", () => {
    const raw = "Title line\n\nA paragraph of article text that goes on.\n\nGot something to add? Join the discussion and comment below.\n\nComments\n\nDon't miss out\n\nJoin the conversation with other readers. Subscribe to leave a comment.\n\nAlready a subscriber? Log in\n\nClose";
    expect(cleanDocument(raw)).toBe("Title line\n\nA paragraph of article text that goes on.");
    expect(cleanDocument("Body sentence one.\n\nNo comments:")).toBe("Body sentence one.");
  });

  it("keeps a footer-like word when real article text follows it", () => {
    const long = "This paragraph is article text. ".repeat(10);
    expect(cleanDocument(`Intro.\n\nComments\n\n${long}`)).toContain("This paragraph is article text.");
  });

  it("keeps one copy of a dateline printed twice and drops lone time stamps", () => {
    expect(cleanDocument("World\n\nHeadline here\n\n25 March 2024\n\n1:29 AM\n\n25 March 2024\n\n1:29 AM\n\nBody.")).toBe("World\n\nHeadline here\n\n25 March 2024\n\nBody.");
  });

  it("cleans the real corpus by the same rules", () => {
    expect(corpus["004"]).not.toMatch(/iframe|googletagmanager|Already a subscriber|Join the conversation|Got something to add/);
    expect(corpus["004"]!.match(/25 March 2024/g)).toHaveLength(1);
    expect(corpus["004"]).not.toMatch(/1:29 AM/);
    expect(corpus["002"]).not.toMatch(/No comments:/);
    expect(corpus["001"]).not.toMatch(/\[gview/);
    for (const text of Object.values(corpus)) expect(text).not.toMatch(/<\/?[a-z]+[^>]*>/i);
  });
});

describe("decodeText", () => {
  it("refuses binary and invalid UTF-8", () => {
    expect(decodeText(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01]))).toEqual({ reason: "binary content (NUL bytes)" });
    expect(decodeText(Buffer.from([0xc3, 0x28]))).toEqual({ reason: "not valid UTF-8 text" });
    expect(decodeText(Buffer.from("plain ü", "utf8"))).toEqual({ text: "plain ü" });
  });
});

describe("extractMetadata", () => {
  it("reads what each corpus document shows", () => {
    // No title: the label is its opening words, cut at a word.
    expect(extractMetadata(corpus["000"]!)).toEqual({
      title: null,
      author: null,
      publisher: null,
      date: null,
      dateText: null,
      label: "There are growing concerns that Islamic State Khorasan (IS-K) could set its…",
    });
    expect(extractMetadata(corpus["001"]!)).toMatchObject({ title: "IS-K Seeks to Undermine the Taliban", author: null, publisher: null, date: null });
    expect(extractMetadata(corpus["002"]!)).toEqual({
      title: "The Islamic State in Khorasan Province: Exploiting a Counterterrorism Gap",
      author: "Tricia Bacon",
      publisher: null,
      date: "2024-04-13",
      dateText: "13 April 2024",
      label: "The Islamic State in Khorasan Province: Exploiting a Counterterrorism Gap",
    });
    expect(extractMetadata(corpus["003"]!)).toEqual({
      title: "ISKP in Afghanistan: US interests and regional security",
      author: "Khalid Iqbal",
      // The site line: "Examining Extremism: … | Examining  Extremism | CSIS".
      publisher: "CSIS",
      date: "2023-11-30",
      dateText: "30 November 2023",
      label: "ISKP in Afghanistan: US interests and regional security",
    });
    expect(extractMetadata(corpus["004"]!)).toMatchObject({ title: "The West must wake up to the threat of Islamic State-Khorasan", author: null, publisher: null, date: "2024-03-25" });
  });

  it("labels an untitled document by its opening words, cut at a word", () => {
    expect(openingWords("Short first line.\nMore text.")).toBe("Short first line.");
    expect(openingWords("\n  \n" + "word ".repeat(40))).toBe(`${"word ".repeat(16).trim()}…`);
    expect(openingWords(`${"x".repeat(120)} tail`)).toBe(`${"x".repeat(80)}…`);
    expect(openingWords("123\n---\n")).toBe("Untitled document");
    // An address, a byline or a date line says who and when, not what.
    expect(openingWords("https://example.org/a/b\nBy Jane Doe\n25 March 2024\nThe group struck again.")).toBe("The group struck again.");
    // No character is split: a cut inside a pair of UTF-16 units would leave half of one.
    expect(openingWords(`a${"𠀀".repeat(100)}`)).toBe(`a${"𠀀".repeat(79)}…`);
  });

  it("understands month-first dates and 'by' bylines", () => {
    expect(extractMetadata("A Headline About Things\nby Jane Q. Doe\nApril 5, 2021\n\n" + "Body. ".repeat(60))).toMatchObject({
      title: "A Headline About Things",
      author: "Jane Q. Doe",
      date: "2021-04-05",
    });
  });
});

describe("findPublisher", () => {
  it("reads the publication from the page chrome the cleaner drops, and puts it in the indexed header", async () => {
    const raw = readFileSync(path.join(REPO_CORPUS, readdirSync(REPO_CORPUS).find((f) => f.startsWith("004"))!), "utf8");
    expect(raw).toMatch(/other Spectator Australia readers/);
    expect(corpus["004"]).not.toMatch(/Spectator/);
    expect(findPublisher(raw)).toBe("Spectator Australia");
    const { documents } = await loadCorpus(REPO_CORPUS);
    const spectator = documents.find((d) => d.id.startsWith("004"))!;
    expect(spectator.metadata.publisher).toBe("Spectator Australia");
    expect(spectator.context.split("\n").map((l) => l.trim())).toContain("Spectator Australia");
    expect(spectator.text).not.toMatch(/Spectator/);
    // A header that shows the name already is not given it twice.
    expect(documentContext("Report | CSIS\n\n" + "Body. ".repeat(60), "CSIS")).toBe("Report | CSIS");
  });

  it("prefers a declared site name, then a title line's site part, then a copyright or readers line", () => {
    expect(findPublisher('<html><head><meta property="og:site_name" content="War on the Rocks &amp; Co"></head><body><p>© 2024 Other Inc.</p></body></html>')).toBe("War on the Rocks & Co");
    expect(findPublisher('<meta content="Lawfare" name="application-name"><p>Text.</p>')).toBe("Lawfare");
    expect(findPublisher("The Threat Grows | Analysis | Foreign Policy\n\nBody text.")).toBe("Foreign Policy");
    expect(findPublisher("Headline\n\nBody text.\n\n© 2023 Council on Foreign Relations. All rights reserved.")).toBe("Council on Foreign Relations");
    expect(findPublisher("Headline\n\nBody text.\n\nCopyright 2019-2024 The Diplomat")).toBe("The Diplomat");
    // Lower-case words after the marker, or none at all, are no name.
    expect(findPublisher("Headline\n\nBody text says copyright law matters.")).toBeNull();
    expect(findPublisher("Headline\n\nBody text.\n\nJoin the conversation with other readers.")).toBeNull();
    expect(findPublisher("Plain text with no chrome at all.")).toBeNull();
    expect(findPublisher("Headline\n\nBody text.\n\n© 2024 All rights reserved.")).toBeNull();
  });

  it("reads the institution an article is signed off for, when the page names no site", () => {
    const raw = readFileSync(path.join(REPO_CORPUS, readdirSync(REPO_CORPUS).find((f) => f.startsWith("001"))!), "utf8");
    expect(findPublisher(raw)).toBe("Rise to Peace");
    expect(signOffInstitution("Rise to Peace Counter-Terrorism Research Fellow")).toBe("Rise to Peace");
    expect(signOffInstitution("CSIS Senior Fellow")).toBe("CSIS");
    expect(signOffInstitution("The Brookings Institution Nonresident Fellow")).toBe("The Brookings Institution");
    // A title alone names no institution; nor does a sentence.
    for (const line of ["Counter-Terrorism Research Fellow", "Research Fellow", "Senior Analyst", "Fellow Taliban fighters and other members defected."]) {
      expect(signOffInstitution(line), line).toBeNull();
    }
    // A site the page declares comes first.
    expect(findPublisher('<meta property="og:site_name" content="Lawfare"><p>Body.</p><p>CSIS Senior Fellow</p>')).toBe("Lawfare");
  });

  it("never takes the article's own sentences, a menu or a table row for the publisher", () => {
    const body = (line: string) => `A Headline About The Region\n\n${"Body text. ".repeat(30)}\n\n${line}\n\nMore body text follows here.`;
    for (const line of [
      "Three countries, (b) Iran and (c) Pakistan Were Targeted.",
      "Last year the Copyright Office ruled on it.",
      "The group recruited other ISKP members from Pakistan.",
      "Fellow Taliban fighters and other Islamic State members defected.",
    ]) {
      expect(findPublisher(body(line)), line).toBeNull();
    }
    expect(findPublisher("Home | World | Asia\n\nBody text.")).toBeNull();
    expect(findPublisher("Year | Attacks | Deaths\n\n2023 | 76 | 300")).toBeNull();
  });

  it("reads a declared site name only from the page's head, in time linear in the capture", () => {
    expect(findPublisher(`<html><head><title>x</title></head><body>${"<p>text</p>".repeat(10)}<meta property="og:site_name" content="Injected Name"></body></html>`)).toBeNull();
    // Pathological captures: thousands of unclosed meta openers, a 2 MB line.
    const started = performance.now();
    findPublisher('<meta content="x" '.repeat(120_000));
    findPublisher("<meta ".repeat(300_000));
    findPublisher(`other ${"Word ".repeat(400_000)}readers`);
    const elapsed = performance.now() - started;
    // A generous bound: each of these took seconds when every opener was searched to the end.
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe("splitSentences", () => {
  it("does not break after U.S. inside a sentence, but does at a real end", () => {
    const s = splitSentences("The U.S. withdrawal set off a chain of events. It was chaotic. Gen. Kurilla spoke in March.");
    expect(s.map((x) => x.text)).toEqual(["The U.S. withdrawal set off a chain of events.", "It was chaotic.", "Gen. Kurilla spoke in March."]);
  });

  it("keeps offsets exact", () => {
    const text = corpus["000"]!;
    for (const s of splitSentences(text)) expect(text.slice(s.start, s.end)).toBe(s.text);
  });
});

describe("chunkText", () => {
  it("keeps cleanedText.slice(start, end) === chunk.text for every chunk of every document", () => {
    for (const text of Object.values(corpus)) {
      const chunks = chunkText(text, { chunkSize: 700, chunkOverlap: 150 });
      expect(chunks.length).toBeGreaterThan(1);
      for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
    }
  });

  it("never cuts a sentence and stays near the size limit", () => {
    const text = corpus["002"]!;
    const sentenceEnds = new Set(splitSentences(text).map((s) => s.end));
    for (const c of chunkText(text, { chunkSize: 500, chunkOverlap: 100 })) {
      expect(sentenceEnds.has(c.end)).toBe(true);
      expect(c.text.length).toBeLessThanOrEqual(500 + 400); // a single long sentence may exceed
    }
  });

  it("covers the whole text: every sentence is in some chunk", () => {
    const text = corpus["001"]!;
    const chunks = chunkText(text, { chunkSize: 700, chunkOverlap: 150 });
    for (const s of splitSentences(text)) expect(chunks.some((c) => c.start <= s.start && c.end >= s.end)).toBe(true);
  });
});

describe("sections", () => {
  it("finds the headings of a compilation and names the one above a chunk", () => {
    const text = corpus["001"]!;
    const headings = headingsOf(text);
    expect(headings.map((h) => h.text)).toEqual(
      expect.arrayContaining(["IS-K Seeks to Undermine the Taliban", "Afghanistan’s Economic Crisis Means Rapid Growth for Terrorist Cells", "Next Steps"]),
    );
    expect(headings.map((h) => h.text)).not.toContain("On May 7, 2022, the Taliban enacted a measure stating that women must wear face coverings in public.");
    const at = text.indexOf("The World Bank previously suspended");
    expect(sectionAt(headings, at, at + 50)).toBe("Afghanistan’s Economic Crisis Means Rapid Growth for Terrorist Cells");
    expect(sectionAt([], 0, 10)).toBeNull();
  });
});
