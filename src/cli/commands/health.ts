/**
 * `arkitekt-next health`: exit 0 when the app's `run prod` serves, 1 otherwise (the Docker
 * HEALTHCHECK that `arkitekt-next build` writes). It reads the status file `run prod` keeps fresh
 * (see status-file.ts) and talks to no platform: cheap enough to run every few seconds.
 */
import { resolve } from "node:path";
import { Command } from "commander";
import { ReportedError } from "../errors.js";
import { parsePositiveMilliseconds } from "../options.js";
import { DEFAULT_HEALTH_MAX_AGE_MS, DEFAULT_STATUS_FILE, DEFAULT_STATUS_INTERVAL_MS, checkHealth, type Health } from "../status-file.js";

export interface HealthOptions {
  cwd?: string;
  statusFile?: string;
  maxAge?: number;
}

export function health(options: HealthOptions): Promise<Health> {
  const file = resolve(options.cwd ?? process.cwd(), options.statusFile ?? DEFAULT_STATUS_FILE);
  return checkHealth(file, options.maxAge ?? DEFAULT_HEALTH_MAX_AGE_MS);
}

export function healthCommand(): Command {
  return new Command("health")
    .description("exit 0 when this app's `run prod` is serving (reads its status file), else 1")
    .option("--cwd <dir>", "the app directory (default: the current directory)")
    .option("--status-file <path>", "the status file `run prod` writes, relative to the app directory", DEFAULT_STATUS_FILE)
    .option("--max-age <ms>", `a status file older than this is unhealthy (run prod rewrites it every ${DEFAULT_STATUS_INTERVAL_MS} ms by default)`, parsePositiveMilliseconds, DEFAULT_HEALTH_MAX_AGE_MS)
    .addHelpText(
      "after",
      `
Healthy: the status file says "serving" (the agent is registered with the platform), was written
less than --max-age ms ago, and the process that wrote it is alive. Prints one line either way.

Examples:
  $ arkitekt-next health && echo up
  HEALTHCHECK CMD ["node", "node_modules/arkitekt-next/bin/arkitekt-next.js", "health"]`,
    )
    .action(async (options: HealthOptions) => {
      const result = await health(options);
      (result.healthy ? process.stdout : process.stderr).write(`${result.healthy ? "healthy" : "unhealthy"}: ${result.reason}\n`);
      if (!result.healthy) throw new ReportedError(1);
    });
}
