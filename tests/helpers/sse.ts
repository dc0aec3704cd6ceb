import type { IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Turns parsed SSE messages into `{event, data}` with the JSON data decoded. */
function toEvent(message: EventSourceMessage): SseEvent {
  return { event: message.event ?? "message", data: JSON.parse(message.data) as unknown };
}

/** Parses a whole SSE body (as text) into its events, in order. */
export function parseSseText(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (m) => events.push(toEvent(m)) });
  parser.feed(text);
  return events;
}

/**
 * A supertest/superagent `.parse()` callback: feeds the response to eventsource-parser chunk by
 * chunk as it arrives, so `res.body` is the list of events in the order the server sent them.
 */
export function sseBodyParser(res: IncomingMessage, callback: (err: Error | null, body: SseEvent[]) => void): void {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder("utf-8");
  let failure: Error | null = null;
  const parser = createParser({
    onEvent: (m) => {
      try {
        events.push(toEvent(m));
      } catch (err) {
        failure ??= err as Error;
      }
    },
    onError: (err) => {
      failure ??= err;
    },
  });
  res.on("data", (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
  res.on("end", () => {
    parser.feed(decoder.decode());
    callback(failure, events);
  });
  res.on("error", (err) => callback(err, events));
}
