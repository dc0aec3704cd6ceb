import { z } from "zod";

/**
 * A user-typed text field: at most `max` characters, no NUL or other C0 controls besides tab
 * and newline (never meaningful in a question or topic), trimmed, not empty.
 */
export const userText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), { message: "must not contain control characters" })
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, { message: "must not be empty" });

/** One numbered source of an answer: the passage, where it sits in its document, and its score. */
export const CitationSchema = z.object({
  n: z.number().int().positive(),
  documentId: z.string(),
  title: z.string().nullable(),
  /** What to call the document: its title, or its opening words when it shows none. */
  label: z.string(),
  /** Nearest heading above the passage (an article inside a compilation, a section). */
  section: z.string().nullable(),
  author: z.string().nullable(),
  /** The publication the document comes from, as its page names it ("CSIS"); null when it names none. */
  publisher: z.string().nullable(),
  date: z.string().nullable(),
  text: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  score: z.number(),
});
export type Citation = z.infer<typeof CitationSchema>;

/** The one answer shape shared by the CLI, the JSON API and the stream's `done` event. */
export const AnswerSchema = z.object({
  answer: z.string(),
  citations: z.array(CitationSchema),
  abstained: z.boolean(),
  mode: z.enum(["extractive", "llm"]),
  warnings: z.array(z.string()),
  /** The standalone query actually searched (differs from the question for follow-ups). */
  query: z.string(),
  /** Closest passages offered when the answer abstains. */
  suggestions: z.array(CitationSchema).optional(),
  /** Time spent on this request; for a cached answer, the lookup (retrieval and generation 0). */
  timings: z.object({ retrievalMs: z.number(), generationMs: z.number(), totalMs: z.number() }),
  /** Present and true when the answer was served from the answer cache (extractive mode only). */
  cached: z.literal(true).optional(),
});
export type Answer = z.infer<typeof AnswerSchema>;

export const HistoryTurnSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string().max(8000),
});
export type HistoryTurn = z.infer<typeof HistoryTurnSchema>;

export interface AskOptions {
  question: string;
  k?: number;
  history?: HistoryTurn[];
  signal?: AbortSignal;
  /** Receives answer text as it is produced (LLM tokens, or extractive sentences). */
  onToken?: (delta: string) => void;
  /** Called when streamed text must be discarded (the LLM failed mid-answer; the extractive answer follows). */
  onReset?: () => void;
  /** Receives the citations as soon as retrieval is done, before generation. */
  onSources?: (citations: Citation[]) => void;
}
