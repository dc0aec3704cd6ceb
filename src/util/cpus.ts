import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * Whole CPUs a cgroup CPU quota allows (at least one): `quota` microseconds of CPU time per
 * `period` (cgroup v2's `cpu.max` holds both, "max" for none; v1 has them in two files, -1 for
 * none). Rounded down: a worker beside the HTTP thread needs a second CPU, not half of one.
 */
export function cpusOfQuota(quota: string, period: string): number | undefined {
  const q = Number(quota.trim());
  const p = Number(period.trim());
  return q > 0 && p > 0 ? Math.max(1, Math.floor(q / p)) : undefined;
}

/** The CPU quota of this process's cgroup in CPUs (v2, then v1), or undefined when there is none or it cannot be read. */
export function cgroupCpuLimit(read: (file: string) => string = (file) => readFileSync(file, "utf8")): number | undefined {
  try {
    const [quota = "", period = ""] = read("/sys/fs/cgroup/cpu.max").trim().split(/\s+/);
    return cpusOfQuota(quota, period);
  } catch {
    // Not cgroup v2.
  }
  try {
    return cpusOfQuota(read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
  } catch {
    return undefined; // no cgroup files (not Linux, or not mounted)
  }
}

/**
 * CPUs this process can use: the CPUs it may run on, capped by its container's CPU quota. Node
 * 20's availableParallelism counts the host's CPUs in a container limited to one (`docker run
 * --cpus=1`), where a worker thread would only take turns with the HTTP thread.
 */
export function usableCpus(quota = cgroupCpuLimit()): number {
  const cpus = availableParallelism();
  return quota === undefined ? cpus : Math.min(cpus, quota);
}
