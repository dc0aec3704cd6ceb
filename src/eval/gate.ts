import type { EvalMetrics } from "./metrics.js";

/**
 * The quality gate of `npm run eval -- --min key=value --max key=value`: thresholds on the
 * metrics of the default pipeline. Latency is deliberately not gateable (machines differ).
 */
export const GATEABLE = ["recallAt5", "mrrAt10", "factRecall", "citationSupport", "abstention", "falseAbstention"] as const;
export type GateMetric = (typeof GATEABLE)[number];

export interface Threshold {
  metric: GateMetric;
  kind: "min" | "max";
  value: number;
}

export interface GateFailure extends Threshold {
  actual: number;
  message: string;
}

/** Parses `key=value` options (`--min factRecall=0.64`); throws naming what is wrong. */
export function parseThresholds(specs: string[], kind: Threshold["kind"]): Threshold[] {
  return specs.map((spec) => {
    const m = /^\s*([A-Za-z0-9]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(spec);
    if (!m) throw new Error(`--${kind} ${spec}: expected key=value, e.g. --${kind} recallAt5=0.92`);
    const metric = m[1]!;
    if (!(GATEABLE as readonly string[]).includes(metric)) {
      throw new Error(`--${kind} ${spec}: unknown metric "${metric}"; one of ${GATEABLE.join(", ")}`);
    }
    return { metric: metric as GateMetric, kind, value: Number(m[2]) };
  });
}

/** Every threshold the metrics break, each with a one-line message naming the metric. */
export function checkGate(metrics: EvalMetrics, thresholds: Threshold[]): GateFailure[] {
  const failures: GateFailure[] = [];
  for (const t of thresholds) {
    const actual = metrics[t.metric];
    const broken = t.kind === "min" ? actual < t.value : actual > t.value;
    if (broken) {
      const op = t.kind === "min" ? "<" : ">";
      failures.push({ ...t, actual, message: `${t.metric} ${actual} ${op} ${t.kind} ${t.value}` });
    }
  }
  return failures;
}
