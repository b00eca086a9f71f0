/** Every CLI command, in the order `--help` lists them. Each module exports a `Command` factory. */
import type { Command } from "commander";

export const commands: Array<() => Command> = [];
