/** Every CLI command, in the order `--help` lists them. Each module exports a `Command` factory. */
import type { Command } from "commander";
import { genCommand } from "./gen.js";
import { serverCommand } from "./server.js";
import { runCommand } from "./run.js";
import { callCommand } from "./call.js";
import { inspectCommand } from "./inspect.js";

export const commands: Array<() => Command> = [genCommand, runCommand, callCommand, serverCommand, inspectCommand];
