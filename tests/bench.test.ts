import { describe, expect, it } from "vitest";
import { compareWithCeiling, type LoadResult } from "../src/bench/http.js";

const result = (endpoint: string, rps: number): LoadResult => ({
  endpoint,
  connections: 16,
  durationS: 5,
  requests: rps * 5,
  rps,
  p50Ms: 1,
  p95Ms: 2,
  p99Ms: 3,
  maxMs: 4,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
});

describe("compareWithCeiling", () => {
  it("compares each row with the trivial endpoint's runs just before and after it, and reports the ceiling's median run", async () => {
    // The machine slows down and speeds up again: the ceiling's rate moves from run to run.
    const ceilingRates = [300, 100, 200];
    const rowRates: Record<string, number> = { ask: 50, search: 120 };
    const order: string[] = [];
    const runs = await compareWithCeiling("health", ["ask", "search"], async (what) => {
      order.push(what);
      return result(what, what === "health" ? ceilingRates.shift()! : rowRates[what]!);
    });
    expect(order).toEqual(["health", "ask", "health", "search", "health"]);
    expect(runs.map((r) => r.endpoint)).toEqual(["health", "ask", "search"]);
    expect(runs[0]).toMatchObject({ rps: 200, runsRps: [300, 100, 200] });
    // ask ran between 300 and 100 req/s of the ceiling, search between 100 and 200.
    expect(runs[1]).toMatchObject({ ceilingRps: 200, ratioToCeiling: 0.25 });
    expect(runs[2]).toMatchObject({ ceilingRps: 150, ratioToCeiling: 0.8 });
  });
});
