import { z } from "zod";
import {
  AnswerSchema,
  AskRequestSchema,
  DocumentResponseSchema,
  DocumentsResponseSchema,
  ErrorBodySchema,
  HealthResponseSchema,
  SearchResponseSchema,
} from "./schemas.js";
import { BriefingRequestSchema, BriefingSchema } from "../briefing/types.js";

const json = (schema: z.ZodType, io: "input" | "output" = "output") => ({
  "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) },
});

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: `Error ${c}`, content: json(ErrorBodySchema) }]));

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function buildOpenApi(options: { apiKey: boolean }): Record<string, unknown> {
  const security = options.apiKey ? [{ bearer: [] }] : [];
  const ask = {
    requestBody: { required: true, content: json(AskRequestSchema, "input") },
    parameters: [
      {
        name: "Cache-Control",
        in: "header",
        required: false,
        description:
          "Extractive answers to a repeated question (same question up to whitespace, history, k and index build) are served from an in-memory cache and say `cached: true`. `no-cache` computes a fresh answer; `no-store` neither reads nor writes the cache. LLM answers are never cached.",
        schema: { type: "string" },
      },
    ],
    security,
  };
  return {
    openapi: "3.1.0",
    info: { title: "Cited answers API", version: "1.0.0", description: "Questions answered from the indexed documents, every claim cited [n]." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths: {
      "/api/health": { get: { summary: "Index and answerer status", responses: { "200": { description: "Ready", content: json(HealthResponseSchema) }, "503": { description: "Indexing", content: json(HealthResponseSchema) } } } },
      "/api/ask": { post: { summary: "Answer a question with citations", ...ask, responses: { "200": { description: "The answer", content: json(AnswerSchema) }, ...errors(400, 401, 413, 415, 429, 500, 503) } } },
      "/api/ask/stream": {
        post: {
          summary: "Answer as Server-Sent Events: sources, token*, (reset, sources, token*)?, done | error",
          ...ask,
          responses: { "200": { description: "text/event-stream; the done event carries the answer shape", content: { "text/event-stream": { schema: { type: "string" } } } }, ...errors(400, 401, 413, 415, 429, 503) },
        },
      },
      "/api/briefing": {
        post: {
          summary: "A cited briefing on a topic: sections, a timeline of dated events, and the figures sources disagree on",
          requestBody: { required: true, content: json(BriefingRequestSchema, "input") },
          security,
          responses: { "200": { description: "The briefing, with its Markdown rendering", content: json(BriefingSchema) }, ...errors(400, 401, 405, 413, 415, 429, 500, 503) },
        },
      },
      "/api/search": {
        get: {
          summary: "Hybrid search over passages",
          security,
          parameters: [
            { name: "q", in: "query", required: true, schema: { type: "string", minLength: 1, maxLength: 2000 } },
            { name: "k", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 20 } },
          ],
          responses: { "200": { description: "Passages, best first", content: json(SearchResponseSchema) }, ...errors(400, 401, 429, 503) },
        },
      },
      "/api/documents": { get: { summary: "Document metadata", security, responses: { "200": { description: "Documents", content: json(DocumentsResponseSchema) }, ...errors(401, 429, 503) } } },
      "/api/documents/{id}": {
        get: {
          summary: "One document's metadata and cleaned text",
          security,
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The document", content: json(DocumentResponseSchema) }, ...errors(401, 404, 429, 503) },
        },
      },
      "/api/openapi.json": { get: { summary: "This document", security, responses: { "200": { description: "OpenAPI 3.1" } } } },
    },
  };
}
