import { ConfigError } from "../config/index.js";

/** Runs a command's main, printing a clean one-paragraph error (never a stack) and exiting 1. */
export function runCli(main: (args: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`error: ${(err as Error)?.message ?? String(err)}`);
    if (process.env.DEBUG) console.error(err);
    process.exit(1);
  });
}
