import { defineConfig } from "vitest/config";

/** Browser end-to-end tests: one fork, one file at a time (each starts a server and Chromium). */
export default defineConfig({
  test: {
    globalSetup: ["tests/helpers/warmWordVectors.ts"],
    include: ["tests/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
  },
});
