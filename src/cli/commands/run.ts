/**
 * `arkitekt-next run`: an app's agent against a platform. `run dev` (src/cli/run/dev.ts) generates,
 * starts the embedded dev platform when none runs, and reloads the app on every save; `run prod`
 * (run-prod.ts) serves the compiled app against a real platform.
 */
import { Command } from "commander";
import { devCommand } from "../run/dev.js";
import { runProdCommand } from "./run-prod.js";

export { runDev, type RunDevOptions, type RunningApp } from "../run/dev.js";

export function runCommand(): Command {
  const run = new Command("run").description("run an app's agent against a platform").addHelpText(
    "after",
    `
Examples:
  $ arkitekt-next run dev                  # while developing: gen, embedded platform, reload on save
  $ npm run build && arkitekt-next run prod   # in production: the compiled app, a real platform`,
  );
  run.addCommand(devCommand());
  run.addCommand(runProdCommand());
  return run;
}
