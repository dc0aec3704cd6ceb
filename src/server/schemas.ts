import { z } from "zod";
import { AnswerSchema, CitationSchema, HistoryTurnSchema, userText } from "../answer/types.js";
import { ErrorBodySchema } from "./errors.js";


export const AskRequestSchema = z
  .object({
    question: userText(2000),
    k: z.number().int().min(1).max(20).optional(),
    history: z
      .array(HistoryTurnSchema.extend({ content: z.string().max(8000) }))
      .max(20)
      .optional(),
  })
  .strict();
export type AskRequest = z.infer<typeof AskRequestSchema>;

export const SearchQuerySchema = z
  .object({
    q: userText(2000),
    k: z.coerce.number().int().min(1).max(20).optional(),
  })
  .strict();

/** A retrieved passage: a citation's fields without its number, plus the ranking scores. */
export const PassageSchema = CitationSchema.omit({ n: true }).extend({
  chunkId: z.string(),
  fusedScore: z.number(),
  denseScore: z.number(),
  bm25Score: z.number(),
});
export const SearchResponseSchema = z.object({
  results: z.array(PassageSchema),
  /** How retrieval fell short, when it did (the embedder down: keyword search alone). */
  warnings: z.array(z.string()).optional(),
});

export const DocumentSummarySchema = z.object({
  id: z.string(),
  fileName: z.string(),
  title: z.string().nullable(),
  /** The title, or the document's opening words when it shows none. */
  label: z.string(),
  author: z.string().nullable(),
  publisher: z.string().nullable(),
  date: z.string().nullable(),
  characters: z.number().int(),
  chunks: z.number().int(),
});
export const DocumentsResponseSchema = z.object({ documents: z.array(DocumentSummarySchema) });
export const DocumentResponseSchema = DocumentSummarySchema.extend({ text: z.string() });

export const HealthResponseSchema = z.object({
  status: z.enum(["ok", "indexing", "error"]),
  documents: z.number().int().optional(),
  chunks: z.number().int().optional(),
  embeddings: z.object({ provider: z.string(), model: z.string(), dims: z.number().int() }).optional(),
  answerer: z
    .object({
      mode: z.enum(["extractive", "llm"]),
      model: z.string().optional(),
      /** Worker threads computing extractive answers (ANSWER_WORKERS); 0 while none is ready. */
      workers: z.number().int().optional(),
      /** Workers the server is starting or runs: more than `workers` while they load the index; 0 if they could not start. */
      workersPlanned: z.number().int().optional(),
      /** Answers the workers have computed since the server started (the rest: the main thread). */
      answeredByWorkers: z.number().int().optional(),
    })
    .optional(),
  message: z.string().optional(),
});

export const DocumentIdParamsSchema = z.object({ id: z.string().min(1).max(200) });

export { AnswerSchema, CitationSchema, ErrorBodySchema };
