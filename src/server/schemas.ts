import { z } from "zod";
import { AnswerSchema, CitationSchema, HistoryTurnSchema } from "../answer/types.js";
import { ErrorBodySchema } from "./errors.js";

// Text fields refuse NUL and other C0 controls besides tab/newline: they are never meaningful in a question.
const cleanText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), { message: "must not contain control characters" })
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, { message: "must not be empty" });

export const AskRequestSchema = z
  .object({
    question: cleanText(2000),
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
    q: cleanText(2000),
    k: z.coerce.number().int().min(1).max(20).optional(),
  })
  .strict();

export const PassageSchema = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  title: z.string().nullable(),
  section: z.string().nullable(),
  author: z.string().nullable(),
  date: z.string().nullable(),
  text: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  score: z.number(),
  fusedScore: z.number(),
  denseScore: z.number(),
  bm25Score: z.number(),
});
export const SearchResponseSchema = z.object({ results: z.array(PassageSchema) });

export const DocumentSummarySchema = z.object({
  id: z.string(),
  fileName: z.string(),
  title: z.string().nullable(),
  author: z.string().nullable(),
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
  answerer: z.object({ mode: z.enum(["extractive", "llm"]), model: z.string().optional() }).optional(),
  message: z.string().optional(),
});

export const DocumentIdParamsSchema = z.object({ id: z.string().min(1).max(200) });

export { AnswerSchema, CitationSchema, ErrorBodySchema };
