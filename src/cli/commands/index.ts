/** Every CLI command, in the order `--help` lists them. Each module exports a `Command` factory. */
import type { Command } from "commander";
import { initCommand } from "./init.js";
import { genCommand } from "./gen.js";
import { runCommand } from "./run.js";
import { callCommand } from "./call.js";
import { inspectCommand } from "./inspect.js";
import { manifestCommand } from "./manifest.js";
import { buildCommand } from "./build.js";
import { healthCommand } from "./health.js";
import { serverCommand } from "./server.js";

export const commands: Array<() => Command> = [initCommand, genCommand, runCommand, callCommand, inspectCommand, manifestCommand, buildCommand, healthCommand, serverCommand];
