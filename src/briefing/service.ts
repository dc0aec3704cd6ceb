import type { Services } from "../app.js";
import { DEFAULT_EXTRACTIVE } from "../answer/extractive.js";
import { AbortError } from "../answer/pipeline.js";
import type { CorpusDocument } from "../ingest/load.js";
import { scoreCandidates } from "../retrieval/rerank.js";
import { queryTerms, type TermStats } from "../retrieval/scoring.js";
import { labelOf, type Passage } from "../retrieval/types.js";
import { splitSentences } from "../text/sentences.js";
import { explicitFullDates, findDates, principalDate, type DateMention } from "./dates.js";
import { findDisagreements, type Disagreement, type FigureSentence } from "./disagreements.js";
import { FACETS, isStatement, nearDuplicate, shingles, standaloneFit, type Facet, type FacetId } from "./facets.js";
import type { BriefingWriter } from "./llm.js";
import { renderMarkdown } from "./markdown.js";
import {
  DEFAULT_MAX_POINTS,
  type Briefing,
  type BriefingDisagreement,
  type BriefingSection,
  type BriefingSource,
  type TimelineEntry,
} from "./types.js";

/**
 * A cited briefing on a topic: sections of points per facet (who, what, where, when, how many,
 * why, outlook), a timeline of dated events and the figures sources disagree on, all numbered
 * against one list of sources.
 *
 * Extractive by default: every point is a verbatim sentence of the passage it cites, chosen per
 * facet by the project's sentence scorer. With an LLM, the model writes the sections from the
 * same numbered passages; its citations are validated, and any failure falls back to the
 * extractive sections with a warning. The timeline and disagreements are always extractive.
 */

export interface BriefingLimits {
  /** Passages retrieved per facet question. */
  facetK: number;
  /** Passages retrieved per timeline or figures query. */
  poolK: number;
  /** Most points from one facet. */
  perFacet: number;
  /**
   * IDF-weighted share of the topic's terms a point must contain itself: "Kabul airport
   * bombing" is not covered by a sentence about other bombings.
   */
  minTopicCoverage: number;
  /** A facet's later points must score this share of its best one. */
  relativeThreshold: number;
  /** Most timeline entries, and most entries sharing one date. */
  maxTimeline: number;
  maxPerDate: number;
  maxDisagreements: number;
  /** Most passages handed to the LLM. */
  llmPassages: number;
}

export const DEFAULT_LIMITS: BriefingLimits = {
  facetK: 8,
  poolK: 15,
  perFacet: 3,
  minTopicCoverage: 0.4,
  relativeThreshold: 0.5,
  maxTimeline: 20,
  maxPerDate: 2,
  maxDisagreements: 6,
  llmPassages: 14,
};

export interface BriefingDeps {
  /** @param warnings receives how retrieval fell short, for the briefing's own warnings. */
  search: (query: string, k: number, warnings?: string[]) => Promise<Passage[]>;
  stats: TermStats;
  documents: CorpusDocument[];
  /** Every chunk of the index as a passage: the timeline and the figures scan the whole corpus. */
  chunks: Passage[];
  contextOf?: (documentId: string) => string;
  /** Resolves the LLM writer, if any; called once, on the first briefing that could use it. */
  writer?: () => Promise<BriefingWriter | undefined>;
  now?: () => Date;
  limits?: Partial<BriefingLimits>;
}

export interface BriefOptions {
  topic: string;
  maxPoints?: number;
  signal?: AbortSignal;
  /** Skip the LLM even when one is configured. */
  forceExtractive?: boolean;
}

interface TopicTerms {
  strong: Set<string>;
  entities: Set<string>;
}

/** One numbered source per cited passage; a sentence already inside a cited passage reuses its number. */
class SourceList {
  private readonly entries: { n: number; passage: Passage }[] = [];

  /** @param isHeaderLine whether a heading is one of its document's header lines (site name, title). */
  constructor(private readonly isHeaderLine: (documentId: string, heading: string) => boolean = () => false) {}

  cite(passage: Passage, span?: { start: number; end: number }): number {
    const found = this.entries.find(
      (e) =>
        e.passage.documentId === passage.documentId &&
        ((e.passage.start === passage.start && e.passage.end === passage.end) || (span !== undefined && e.passage.start <= span.start && span.end <= e.passage.end)),
    );
    if (found) return found.n;
    const n = this.entries.length + 1;
    this.entries.push({ n, passage });
    return n;
  }

  list(): BriefingSource[] {
    return this.entries.map(({ n, passage: p }) => ({
      n,
      documentId: p.documentId,
      title: p.title,
      label: labelOf(p),
      // A heading that is the page's own header ("World", the site line) says nothing about where in it the passage is.
      section: p.section && p.section !== p.title && !this.isHeaderLine(p.documentId, p.section) ? p.section : null,
      author: p.author,
      publisher: p.publisher,
      date: p.date,
      text: p.text,
      start: p.start,
      end: p.end,
    }));
  }
}

/** A sentence of a retrieved passage, with offsets in its document and the terms around it. */
interface PoolSentence {
  key: string;
  text: string;
  start: number;
  end: number;
  documentId: string;
  passage: Passage;
  /** Rank of its passage in the pool (lower is better). */
  rank: number;
  own: Set<string>;
  neighbours: Set<string>;
}

interface Pick {
  facet: FacetId;
  key: string;
  text: string;
  start: number;
  end: number;
  passage: Passage;
  score: number;
  shingles: Set<string>;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function uniquePassages(lists: Passage[][]): Passage[] {
  const seen = new Set<string>();
  const out: Passage[] = [];
  // Interleaved, so every query's best passages come first.
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) {
      const p = list[i];
      if (!p || seen.has(p.chunkId)) continue;
      seen.add(p.chunkId);
      out.push(p);
    }
  }
  return out;
}

export class BriefingService {
  private readonly limits: BriefingLimits;
  private writerPromise?: Promise<BriefingWriter | undefined>;
  private readonly documents: Map<string, CorpusDocument>;
  private readonly knownDates = new Map<string, string[]>();
  private readonly subjects = new Map<string, string[]>();
  private readonly commonIdf: number;
  private corpus?: PoolSentence[];
  private corpusGroups?: Disagreement<PoolSentence>[];

  constructor(private readonly deps: BriefingDeps) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.documents = new Map(deps.documents.map((d) => [d.id, d]));
    // A term in 30% or more of the chunks identifies nothing (IS-K in a corpus about IS-K).
    this.commonIdf = deps.stats.idfAtShare(0.3);
  }

  /** Wires the service from the composition root's services; the LLM writer is loaded lazily. */
  static fromServices(services: Services, options: { writer?: BriefingWriter | null; limits?: Partial<BriefingLimits> } = {}): BriefingService {
    return new BriefingService({
      search: (q, k, warnings) => services.answers.search(q, k, undefined, warnings),
      stats: services.stats,
      documents: services.index.documents,
      chunks: services.index.chunks.map((c) => ({
        chunkId: c.id ?? `${c.metadata.documentId}#${c.metadata.chunkIndex}`,
        documentId: c.metadata.documentId,
        title: c.metadata.title,
        label: c.metadata.label,
        section: c.metadata.section ?? null,
        author: c.metadata.author,
        publisher: c.metadata.publisher,
        date: c.metadata.date,
        text: c.pageContent,
        start: c.metadata.start,
        end: c.metadata.end,
        score: 0,
        fusedScore: 0,
        denseScore: 0,
        bm25Score: 0,
      })),
      contextOf: (id) => services.index.documents.find((d) => d.id === id)?.context ?? "",
      limits: options.limits,
      writer: async () => {
        if (options.writer !== undefined) return options.writer ?? undefined;
        if (!services.llm) return undefined;
        const m = await import("./llm.js");
        return services.config.llmEnabled ? m.createBriefingWriter(services.config) : m.writerFromAnswerer(services.llm);
      },
    });
  }

  private get analyzer() {
    return this.deps.stats.analyzer;
  }

  private writer(): Promise<BriefingWriter | undefined> {
    return (this.writerPromise ??= this.deps.writer ? this.deps.writer() : Promise.resolve(undefined));
  }

  async brief(options: BriefOptions): Promise<Briefing> {
    const t0 = performance.now();
    // "Who is behind the Moscow attack?" as a topic: the facet templates add their own punctuation.
    const topic = options.topic.trim().replace(/\s*[?.!;:,]+$/, "") || options.topic.trim();
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    const signal = options.signal;
    const check = () => {
      if (signal?.aborted) throw new AbortError();
    };
    const warnings: string[] = [];
    const sources = new SourceList((id, heading) =>
      (this.documents.get(id)?.context ?? "")
        .split("\n")
        .some((line) => line.trim() === heading.trim()),
    );
    const query = queryTerms(topic, this.deps.stats);
    const topicTerms = this.topicTermsOf(topic, query.weights);
    const grounded =
      query.total > 0 && query.unseenShare < DEFAULT_EXTRACTIVE.maxUnseenShare && [...query.weights.keys()].some((t) => this.deps.stats.has(t));

    // Retrieval: one search per facet, plus broad pools for the timeline and the figures.
    const facetPassages = new Map<FacetId, Passage[]>();
    for (const facet of FACETS) {
      facetPassages.set(facet.id, await this.deps.search(facet.question(topic), this.limits.facetK, warnings));
      check();
    }
    const timeQueries = [topic, `When did ${topic} happen?`, `${topic} dates events attacks years`];
    const figureQueries = [FACETS.find((f) => f.id === "howMany")!.question(topic), `${topic} killed casualties fighters members estimates`];
    const timePool = uniquePassages(await Promise.all(timeQueries.map((q) => this.deps.search(q, this.limits.poolK, warnings))));
    const figurePool = uniquePassages([timePool, ...(await Promise.all(figureQueries.map((q) => this.deps.search(q, this.limits.poolK, warnings))))]);
    check();
    const t1 = performance.now();

    let mode: Briefing["mode"] = "extractive";
    let sections: BriefingSection[] | null = null;
    let writer: BriefingWriter | undefined;
    if (!options.forceExtractive && grounded) {
      try {
        writer = await this.writer();
      } catch (err) {
        this.writerPromise = undefined; // a later briefing may try again
        warnings.push(`The LLM could not be set up (${(err as Error)?.message ?? String(err)}); these are the extractive sections instead.`);
      }
    }
    if (writer) {
      const passages = uniquePassages(FACETS.map((f) => facetPassages.get(f.id) ?? [])).slice(0, this.limits.llmPassages);
      try {
        const raw = await writer.write({ topic, passages, maxPoints, signal });
        const { parseBriefingReply } = await import("./llm.js");
        const parsed = parseBriefingReply(raw, passages.length, maxPoints);
        warnings.push(...parsed.warnings);
        sections = parsed.sections.map((s) => ({
          heading: s.heading,
          points: s.points.map((p) => ({ text: p.text, citations: [...new Set(p.passages.map((k) => sources.cite(passages[k - 1]!)))] })),
        }));
        mode = "llm";
      } catch (err) {
        if (signal?.aborted || err instanceof AbortError) throw new AbortError();
        warnings.push(`The LLM did not write the briefing (${(err as Error)?.message ?? String(err)}); these are the extractive sections instead.`);
      }
    }
    if (!sections) sections = grounded ? this.extractiveSections(topic, facetPassages, maxPoints, sources) : [];
    if (sections.length === 0) {
      const names = query.unknownNames.length > 0 ? ` (nothing in them mentions ${query.unknownNames.join(", ")})` : "";
      warnings.push(`The documents say little or nothing about “${topic}”${names}.`);
    }

    // A topic the documents do not cover gets no tangential dates or figures either.
    const covered = grounded && sections.length > 0;
    const timeline = covered ? this.timeline(topic, topicTerms, timePool, sources) : [];
    const disagreements = covered ? this.disagreements(topicTerms, figurePool, sources) : [];
    const t2 = performance.now();

    const body: Omit<Briefing, "markdown"> = {
      title: `Briefing: ${topic}`,
      topic: options.topic.trim(),
      generatedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      mode,
      warnings,
      sections,
      timeline,
      disagreements,
      sources: sources.list(),
      timings: { retrievalMs: round(t1 - t0), generationMs: round(t2 - t1), totalMs: round(t2 - t0) },
    };
    return { ...body, markdown: renderMarkdown(body) };
  }

  // -------------------------------------------------------------------------------------------
  // Sections

  /**
   * The topic's terms split by what they say: `strong` are its specific words (all of them when
   * every word is common in the corpus, like "Taliban" here), `entities` the names it contains
   * (capitalised words and aliases: "IS-K" in "IS-K external operations").
   */
  private topicTermsOf(topic: string, weights: Map<string, number>): TopicTerms {
    const all = [...weights.keys()].filter((t) => this.deps.stats.has(t));
    const specific = all.filter((t) => this.deps.stats.idf(t) > this.commonIdf);
    const names = topic.match(/\p{Lu}[\p{L}\p{N}'’-]*(?:\s+\p{Lu}[\p{L}\p{N}'’-]*)*/gu) ?? [];
    const entities = new Set(names.flatMap((n) => this.analyzer.terms(n)).filter((t) => all.includes(t)));
    return { strong: new Set(specific.length > 0 ? specific : all), entities };
  }

  private datesOf(text: string, documentId: string): DateMention[] {
    const doc = this.documents.get(documentId);
    let known = this.knownDates.get(documentId);
    if (!known) {
      known = doc ? explicitFullDates(doc.text) : [];
      this.knownDates.set(documentId, known);
    }
    return findDates(text, { published: doc?.metadata.date ?? null, knownDates: known });
  }

  /** Candidate sentences of one facet, best first, each a standalone statement about the topic. */
  private facetCandidates(topic: string, facet: Facet, passages: Passage[]): Omit<Pick, "shingles">[] {
    const stats = this.deps.stats;
    const question = facet.question(topic);
    const { candidates } = scoreCandidates(question, passages, stats, this.deps.contextOf);
    // A point covers the topic by its own words: neither a neighbour nor the document's header
    // naming the topic makes a sentence about it.
    const topicQuery = queryTerms(topic, stats);
    const minCoverage = topicQuery.unknownNames.length > 0 ? DEFAULT_EXTRACTIVE.minSupportWithUnknownName : this.limits.minTopicCoverage;
    const ownCoverage = (terms: string[]) => {
      if (topicQuery.total <= 0) return 0;
      let w = 0;
      for (const t of new Set(terms)) w += topicQuery.weights.get(t) ?? 0;
      return w / topicQuery.total;
    };
    const out: Omit<Pick, "shingles">[] = [];
    for (const c of candidates) {
      const passage = passages[c.passageIndex]!;
      const key = `${passage.documentId}:${c.start}`;
      if (ownCoverage(c.terms) < minCoverage || !isStatement(c.text)) continue;
      const fit = facet.fit(c.text, facet.id === "when" && principalDate(this.datesOf(c.text, passage.documentId)) !== null);
      if (fit <= 0) continue;
      out.push({ facet: facet.id, key, text: c.text, start: c.start, end: c.end, passage, score: c.score * fit * standaloneFit(c.text) });
    }
    out.sort((a, b) => b.score - a.score || a.start - b.start);
    const lead = out[0]?.score ?? 0;
    return out.filter((c) => c.score > 0 && c.score >= lead * this.limits.relativeThreshold);
  }

  private extractiveSections(topic: string, facetPassages: Map<FacetId, Passage[]>, maxPoints: number, sources: SourceList): BriefingSection[] {
    const queues = FACETS.map((f) => ({ facet: f, queue: this.facetCandidates(topic, f, facetPassages.get(f.id) ?? []) }));
    const chosen: Pick[] = [];
    const usable = (c: Omit<Pick, "shingles">, sh: Set<string>) => !chosen.some((x) => x.key === c.key || nearDuplicate(x.shingles, sh));
    // Round robin: every facet's best sentence first (best-scoring facets first when points run
    // short), then second-best sentences, and so on.
    for (let roundNo = 0; roundNo < this.limits.perFacet && chosen.length < maxPoints; roundNo++) {
      const offers: Pick[] = [];
      for (const q of queues) {
        while (q.queue.length > 0) {
          const c = q.queue.shift()!;
          const sh = shingles(c.text);
          if (usable(c, sh) && !offers.some((o) => o.key === c.key || nearDuplicate(o.shingles, sh))) {
            offers.push({ ...c, shingles: sh });
            break;
          }
        }
      }
      offers.sort((a, b) => b.score - a.score);
      for (const o of offers) {
        if (chosen.length >= maxPoints) break;
        if (!usable(o, o.shingles)) continue;
        chosen.push(o);
      }
    }
    const sections: BriefingSection[] = [];
    for (const facet of FACETS) {
      const picks = chosen.filter((c) => c.facet === facet.id);
      if (picks.length === 0) continue;
      sections.push({
        heading: facet.heading,
        question: facet.question(topic),
        points: picks.map((p) => ({ text: p.text, citations: [sources.cite(p.passage, p)] })),
      });
    }
    return sections;
  }

  // -------------------------------------------------------------------------------------------
  // Timeline and disagreements

  private poolSentences(pool: Passage[]): PoolSentence[] {
    const seen = new Set<string>();
    const out: PoolSentence[] = [];
    pool.forEach((passage, rank) => {
      const sentences = splitSentences(passage.text);
      const terms = sentences.map((s) => new Set(this.analyzer.terms(s.text)));
      sentences.forEach((s, i) => {
        const start = passage.start + s.start;
        const key = `${passage.documentId}:${start}`;
        if (seen.has(key)) return;
        seen.add(key);
        const neighbours = new Set<string>();
        for (const j of [i - 1, i + 1]) if (sentences[j] && sentences[j]!.paragraph === s.paragraph) terms[j]!.forEach((t) => neighbours.add(t));
        out.push({ key, text: s.text, start, end: passage.start + s.end, documentId: passage.documentId, passage, rank, own: terms[i]!, neighbours });
      });
    });
    return out;
  }

  /** Every sentence of the corpus, once, in the first chunk that holds it. */
  private corpusSentences(): PoolSentence[] {
    return (this.corpus ??= this.poolSentences(this.deps.chunks).map((s) => ({ ...s, rank: Number.MAX_SAFE_INTEGER })));
  }

  /**
   * Dated sentences that name the topic (or sit beside one that does), from the retrieved pool
   * and from the rest of the corpus; the pool's and those naming the topic themselves rank
   * first when the cap bites. Sorted by date.
   */
  private timeline(topic: string, topicTerms: TopicTerms, pool: Passage[], sources: SourceList): TimelineEntry[] {
    const fromPool = this.poolSentences(pool);
    const inPool = new Set(fromPool.map((s) => s.key));
    const sentences = [...fromPool, ...this.corpusSentences().filter((s) => !inPool.has(s.key))];
    const scores = new Map(
      scoreCandidates(`When did ${topic} happen?`, pool, this.deps.stats).candidates.map((c) => [`${pool[c.passageIndex]!.documentId}:${c.start}`, c.score]),
    );
    const hits = (terms: Set<string>, set: Set<string>) => [...terms].some((t) => set.has(t));
    // Sentences naming the topic's specific words first, then those beside one, then those
    // naming only its entity ("IS-K" in "IS-K external operations"): the group's other events.
    const tierOf = (s: PoolSentence) =>
      hits(topicTerms.strong, s.own) ? 0 : hits(topicTerms.strong, s.neighbours) ? 1 : hits(topicTerms.entities, s.own) ? 2 : hits(topicTerms.entities, s.neighbours) ? 3 : -1;
    type Dated = { s: PoolSentence; date: DateMention; tier: number; score: number; shingles: Set<string> };
    const dated: Dated[] = [];
    for (const s of sentences) {
      if (!isStatement(s.text)) continue;
      const tier = tierOf(s);
      if (tier < 0) continue;
      const date = principalDate(this.datesOf(s.text, s.documentId));
      if (!date) continue;
      dated.push({ s, date, tier: tier * 2 + (inPool.has(s.key) ? 0 : 1), score: scores.get(s.key) ?? 0, shingles: shingles(s.text) });
    }
    // The same event retold (a summary and its body) is one entry, dated by its most explicit
    // telling and ranked by its most relevant one; a looser test applies on the same date.
    dated.sort((a, b) => Number(a.date.inferred) - Number(b.date.inferred) || a.tier - b.tier || b.score - a.score || a.s.rank - b.s.rank);
    const events: Dated[] = [];
    for (const d of dated) {
      const same = events.find((k) => nearDuplicate(k.shingles, d.shingles, k.date.date === d.date.date ? 0.3 : 0.5));
      if (same) {
        same.tier = Math.min(same.tier, d.tier);
        same.score = Math.max(same.score, d.score);
      } else events.push({ ...d });
    }
    // Most relevant first, so the caps keep the best.
    events.sort((a, b) => a.tier - b.tier || Number(a.date.inferred) - Number(b.date.inferred) || b.score - a.score || a.s.rank - b.s.rank);
    const kept: Dated[] = [];
    const perDate = new Map<string, number>();
    for (const d of events) {
      if (kept.length >= this.limits.maxTimeline) break;
      if ((perDate.get(d.date.date) ?? 0) >= this.limits.maxPerDate) continue;
      kept.push(d);
      perDate.set(d.date.date, (perDate.get(d.date.date) ?? 0) + 1);
    }
    kept.sort((a, b) => (a.date.date < b.date.date ? -1 : a.date.date > b.date.date ? 1 : 0) || a.s.documentId.localeCompare(b.s.documentId) || a.s.start - b.s.start);
    return kept.map(({ s, date }) => ({
      date: date.date,
      precision: date.precision,
      dateText: date.text,
      inferred: date.inferred,
      event: s.text,
      citations: [sources.cite(s.passage, s)],
    }));
  }

  /** The alias-folded entities a document is mainly about: what "the group" in it refers to. */
  private subjectsOf(documentId: string): string[] {
    let subjects = this.subjects.get(documentId);
    if (!subjects) {
      const counts = new Map<string, number>();
      for (const t of this.analyzer.terms(this.documents.get(documentId)?.text ?? "")) if (this.analyzer.isAlias(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
      subjects = [...counts.entries()]
        .filter(([, n]) => n >= 3)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 2)
        .map(([t]) => t);
      this.subjects.set(documentId, subjects);
    }
    return subjects;
  }

  /** Figure groups over the whole corpus, computed once: sources disagree across documents, not within a query's results. */
  private allDisagreements(): Disagreement<PoolSentence>[] {
    if (!this.corpusGroups) {
      const input: FigureSentence<PoolSentence>[] = this.corpusSentences()
        .filter((s) => isStatement(s.text))
        .map((s) => ({ text: s.text, documentId: s.documentId, ref: s, subjects: this.subjectsOf(s.documentId) }));
      const labels = new Map(this.analyzer.aliasTable.clusters.map((c) => [c.id, c.label]));
      this.corpusGroups = findDisagreements(input, {
        terms: (t) => this.analyzer.terms(t),
        idf: (t) => this.deps.stats.idf(t),
        isCommon: (t) => this.deps.stats.idf(t) <= this.commonIdf,
        labelOf: (t) => labels.get(t),
        ...(this.deps.stats.countedEvents ? { events: this.deps.stats.countedEvents() } : {}),
      });
    }
    return this.corpusGroups;
  }

  /** The corpus's disagreements that concern the topic: a claim names it, or sits beside a sentence that does; retrieved ones first. */
  private disagreements(topicTerms: TopicTerms, pool: Passage[], sources: SourceList): BriefingDisagreement[] {
    // A claim is cited in the retrieved passage that holds it when there is one.
    const poolPassageOf = new Map(this.poolSentences(pool).map((s) => [s.key, s.passage] as const));
    const relevant = (s: PoolSentence) =>
      [...topicTerms.strong].some((t) => s.own.has(t) || s.neighbours.has(t)) || [...topicTerms.entities].some((t) => s.own.has(t));
    return this.allDisagreements()
      .filter((g) => g.claims.some((c) => relevant(c.ref)))
      .map((g, i) => ({ g, i, retrieved: g.claims.filter((c) => poolPassageOf.has(c.ref.key)).length }))
      .sort((a, b) => Number(b.retrieved > 0) - Number(a.retrieved > 0) || a.i - b.i)
      .slice(0, this.limits.maxDisagreements)
      .map(({ g }) => ({
        about: g.about,
        claims: g.claims.map((c) => ({ value: c.value, text: c.text, n: sources.cite(poolPassageOf.get(c.ref.key) ?? c.ref.passage, c.ref) })),
      }));
  }
}

const cache = new WeakMap<Services, BriefingService>();

/** One briefing service per wired Services (the server swaps Services when the index is rebuilt). */
export function briefingServiceFor(services: Services): BriefingService {
  let s = cache.get(services);
  if (!s) {
    s = BriefingService.fromServices(services);
    cache.set(services, s);
  }
  return s;
}
