import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A local stand-in for an OpenAI-compatible chat-completions server, scriptable per test.
 *
 *   const fake = await startFakeOpenAI();
 *   fake.script = (body) => (body.stream ? { kind: "reply", text: "Answer [1]." } : { kind: "reply", text: "Standalone?" });
 *   ... config OPENAI_BASE_URL = fake.baseURL ...
 *   fake.requests[0].body.messages
 *   await fake.close();
 *
 * Streaming requests get SSE `data: {chunk}` lines with `choices[0].delta.content`, then
 * `data: [DONE]`; other requests get one `chat.completion` JSON object.
 *
 * `/v1/embeddings` answers with `fakeEmbedding` vectors (words hashed into 256 dimensions),
 * or as `fake.embeddings` says for that request's inputs.
 */

export interface ChatMessage {
  role: string;
  content: unknown;
}

export interface ChatRequestBody {
  model?: string;
  stream?: boolean;
  messages: ChatMessage[];
  [key: string]: unknown;
}

export type Behaviour =
  /** Replies with `text`; streamed in pieces of `pieceSize` characters, `delayMs` apart. */
  | { kind: "reply"; text: string; pieceSize?: number; delayMs?: number; stallAfter?: boolean }
  /** Never answers (the socket is destroyed on close()). */
  | { kind: "hang" }
  /** Responds with an HTTP error status and an OpenAI-shaped error body. */
  | { kind: "status"; status: number; message?: string }
  /** Responds 200 with invalid JSON (non-streaming) or invalid SSE data (streaming). */
  | { kind: "garbage" };

export type Script = (body: ChatRequestBody, index: number) => Behaviour;

/** How the embeddings route answers: vectors, or one of the failures. */
export type EmbeddingBehaviour = { kind: "vectors"; dims?: number } | Extract<Behaviour, { kind: "hang" | "status" | "garbage" }>;

export const FAKE_EMBEDDING_DIMS = 256;

/** A deterministic bag-of-words vector: each lower-case word hashed to a dimension, L2-normalised. */
export function fakeEmbedding(text: string, dims = FAKE_EMBEDDING_DIMS): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    v[(h >>> 0) % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: ChatRequestBody;
}

export interface FakeOpenAI {
  /** e.g. http://127.0.0.1:54321/v1 — what OPENAI_BASE_URL should be. */
  baseURL: string;
  requests: RecordedRequest[];
  script: Script;
  /** How `/v1/embeddings` answers a request for these inputs. */
  embeddings: (inputs: string[]) => EmbeddingBehaviour;
  /** Inputs of every embeddings request, in order. */
  embeddingRequests: string[][];
  /** Clears the recorded requests (and keeps the script). */
  reset(): void;
  /** Stops listening and destroys every open socket, so hanging requests end too. */
  close(): Promise<void>;
}

const PATHS = new Set(["/v1/chat/completions", "/chat/completions"]);
const EMBEDDING_PATHS = new Set(["/v1/embeddings", "/embeddings"]);

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export async function startFakeOpenAI(script: Script = () => ({ kind: "reply", text: "OK [1]." })): Promise<FakeOpenAI> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: RecordedRequest[] = [];
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };

  const fake: FakeOpenAI = {
    baseURL: "",
    requests,
    script,
    embeddings: () => ({ kind: "vectors" }),
    embeddingRequests: [],
    reset() {
      requests.length = 0;
      fake.embeddingRequests.length = 0;
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST" && EMBEDDING_PATHS.has(url.pathname)) {
        embed(Buffer.concat(chunks).toString("utf8"), res);
        return;
      }
      if (req.method !== "POST" || !PATHS.has(url.pathname)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${url.pathname}`, type: "invalid_request_error" } }));
        return;
      }
      let body: ChatRequestBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequestBody;
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "request body is not JSON", type: "invalid_request_error" } }));
        return;
      }
      const index = requests.length;
      requests.push({ path: url.pathname, headers: req.headers, body });
      respond(body, fake.script(body, index), res);
    });
  });

  function embed(raw: string, res: http.ServerResponse): void {
    let inputs: string[];
    try {
      const input = (JSON.parse(raw) as { input?: unknown }).input;
      inputs = Array.isArray(input) ? input.map(String) : [String(input)];
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "request body is not JSON", type: "invalid_request_error" } }));
      return;
    }
    fake.embeddingRequests.push(inputs);
    const behaviour = fake.embeddings(inputs);
    if (behaviour.kind !== "vectors") {
      respond({ messages: [] }, behaviour, res);
      return;
    }
    // Float arrays even when base64 is asked for: the SDK accepts either.
    const data = inputs.map((text, index) => ({ object: "embedding", index, embedding: fakeEmbedding(text, behaviour.dims) }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ object: "list", data, model: "fake-embeddings", usage: { prompt_tokens: 1, total_tokens: 1 } }));
  }

  function respond(body: ChatRequestBody, behaviour: Behaviour, res: http.ServerResponse): void {
    const model = body.model ?? "fake-model";
    const created = Math.floor(Date.now() / 1000);
    switch (behaviour.kind) {
      case "hang":
        return; // never answer; close() destroys the socket
      case "status":
        res.writeHead(behaviour.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: behaviour.message ?? "internal error", type: "server_error", code: null } }));
        return;
      case "garbage":
        if (body.stream) {
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          res.end("data: {this is not json\n\ndata: [[[\n\n");
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{ definitely not json");
        }
        return;
      case "reply": {
        if (!body.stream) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              id: "chatcmpl-fake",
              object: "chat.completion",
              created,
              model,
              choices: [{ index: 0, message: { role: "assistant", content: behaviour.text }, finish_reason: "stop", logprobs: null }],
              usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
            }),
          );
          return;
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
        res.flushHeaders();
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          `data: ${JSON.stringify({
            id: "chatcmpl-fake",
            object: "chat.completion.chunk",
            created,
            model,
            choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
          })}\n\n`;
        const parts = pieces(behaviour.text, Math.max(1, behaviour.pieceSize ?? 4));
        const delay = behaviour.delayMs ?? 2;
        let i = 0;
        const step = () => {
          if (res.destroyed) return;
          if (i < parts.length) {
            res.write(chunk(i === 0 ? { role: "assistant", content: parts[i] } : { content: parts[i] }, null));
            i += 1;
            later(delay, step);
            return;
          }
          if (behaviour.stallAfter) return; // sent everything, never finishes
          res.write(chunk({}, "stop"));
          res.end("data: [DONE]\n\n");
        };
        step();
        return;
      }
    }
  }

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  fake.baseURL = `http://127.0.0.1:${port}/v1`;
  return fake;
}

/** The text of a recorded message's content (string or content parts). */
export function contentText(message: ChatMessage | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  if (Array.isArray(message.content)) {
    return message.content
      .map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : ""))
      .join("");
  }
  return "";
}
