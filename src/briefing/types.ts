import { z } from "zod";
import { CitationSchema, userText } from "../answer/types.js";


export const DEFAULT_MAX_POINTS = 10;

export const BriefingRequestSchema = z
  .object({
    topic: userText(300),
    maxPoints: z.number().int().min(3).max(20).optional(),
  })
  .strict();
export type BriefingRequest = z.infer<typeof BriefingRequestSchema>;

export const BriefingPointSchema = z.object({
  /** Extractive: a verbatim sentence of the cited passage. LLM: the model's sentence. Never contains [n] markers. */
  text: z.string(),
  citations: z.array(z.number().int().positive()),
});
export type BriefingPoint = z.infer<typeof BriefingPointSchema>;

export const BriefingSectionSchema = z.object({
  heading: z.string(),
  /** The facet question the points answer (extractive mode). */
  question: z.string().optional(),
  points: z.array(BriefingPointSchema),
});
export type BriefingSection = z.infer<typeof BriefingSectionSchema>;

export const TimelineEntrySchema = z.object({
  /** ISO date; its length is its precision: YYYY-MM-DD (day), YYYY-MM (month), YYYY (year). */
  date: z.string(),
  precision: z.enum(["day", "month", "year"]),
  /** The date as printed ("Last month", "August 29, 2021"). */
  dateText: z.string(),
  /** True when resolved against the document's publication date or its other dates. */
  inferred: z.boolean(),
  /** The verbatim sentence. */
  event: z.string(),
  citations: z.array(z.number().int().positive()),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const DisagreementClaimSchema = z.object({
  /** The figure as printed: "at least 170", "between 1,000 to 3,000". */
  value: z.string(),
  /** The verbatim sentence that gives it. */
  text: z.string(),
  n: z.number().int().positive(),
});

export const DisagreementSchema = z.object({
  about: z.string(),
  claims: z.array(DisagreementClaimSchema),
});
export type BriefingDisagreement = z.infer<typeof DisagreementSchema>;

/**
 * A numbered source of a briefing: a citation without a score. `section` is null when the
 * heading above the passage is the page's own header; `text` is `document.text.slice(start, end)`.
 */
export const BriefingSourceSchema = CitationSchema.omit({ score: true });
export type BriefingSource = z.infer<typeof BriefingSourceSchema>;

export const BriefingSchema = z.object({
  title: z.string(),
  topic: z.string(),
  generatedAt: z.string(),
  mode: z.enum(["extractive", "llm"]),
  warnings: z.array(z.string()),
  sections: z.array(BriefingSectionSchema),
  timeline: z.array(TimelineEntrySchema),
  disagreements: z.array(DisagreementSchema),
  sources: z.array(BriefingSourceSchema),
  markdown: z.string(),
  timings: z.object({ retrievalMs: z.number(), generationMs: z.number(), totalMs: z.number() }),
});
export type Briefing = z.infer<typeof BriefingSchema>;
