import http from "node:http";
import type { Express } from "express";

type Constructor = new (...args: never[]) => object;

/**
 * A constructor Node's HTTP server calls with `new`, building its usual object (an
 * IncomingMessage, a ServerResponse) with `prototype` as that object's prototype. Node's two are
 * plain functions that a subclass-like function can call on its own `this` (Reflect.construct
 * would do the same for a class, but made requests slower than no change at all); undefined if a
 * later Node makes them classes. A base that returns an object of its own instead of filling in
 * `this` has that object returned, given the prototype as Express would give it.
 */
export function withPrototype(base: Constructor, prototype: object): Constructor | undefined {
  if (/^class\b/.test(Function.prototype.toString.call(base))) return undefined;
  const init = base as unknown as (this: object, a: unknown, b: unknown) => unknown;
  function Constructed(this: object, a: unknown, b: unknown): object {
    const made = init.call(this, a, b);
    if (made === undefined || made === this || typeof made !== "object" || made === null) return this;
    Object.setPrototypeOf(made, prototype);
    return made;
  }
  Constructed.prototype = prototype;
  return Constructed as unknown as Constructor;
}

/**
 * The HTTP server for an Express app, whose requests and responses are born with the app's
 * prototypes (`app.request`, `app.response`: req.ip, res.json and the rest).
 *
 * Express gives each request those prototypes itself, with Object.setPrototypeOf on the objects
 * Node has just made. V8 then keeps every request's and response's objects alive through the next
 * young-generation collection and moves them to the old generation, where only a full
 * collection frees them: about 20 KB per request, a full collection every fifth of a second under
 * load. An object that already has the prototype is left as it is, and nothing moves: a bare
 * Express app served three times the requests (about 20,000 per second against 6,000-7,000 at 16
 * connections) with no full collection at all.
 */
export function createHttpServer(app: Express, warn: (message: string) => void = () => {}): http.Server {
  const IncomingMessage = withPrototype(http.IncomingMessage, app.request);
  const ServerResponse = withPrototype(http.ServerResponse, app.response);
  if (!IncomingMessage || !ServerResponse) {
    warn("this Node's IncomingMessage or ServerResponse is a class: Express will swap each request's prototypes (slower; see src/server/httpServer.ts)");
    return http.createServer(app);
  }
  return http.createServer({ IncomingMessage, ServerResponse } as unknown as http.ServerOptions, app);
}
