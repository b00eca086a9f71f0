/**
 * `arkitekt-next run`: an app's agent against a platform. `run dev` (src/cli/run/dev.ts) generates,
 * starts the embedded dev platform when none runs, and reloads the app on every save.
 */
import { Command } from "commander";
import { devCommand } from "../run/dev.js";

export { runDev, type RunDevOptions, type RunningApp } from "../run/dev.js";

export function runCommand(): Command {
  const run = new Command("run").description("run an app's agent against a platform");
  run.addCommand(devCommand());
  return run;
}
