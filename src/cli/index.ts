#!/usr/bin/env node
/**
 * The arkitekt-next CLI. Each command lives in `commands/<name>.ts` and exports a function that
 * returns a commander `Command`; its action calls a plain async function that returns data and
 * prints through the given logger. Only this file calls `process.exit`.
 */
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { ReportedError, isUserFacing } from "./errors.js";
import { isArkitektError } from "../shared/errors.js";

const require = createRequire(import.meta.url);
const { version } = require("../../../package.json") as { version: string };

/**
 * The program with every command, or (`only`) with the commands passed: `arkitekt-next gen` builds
 * one with gen alone, so it does not load the other commands' modules (a third of an unchanged
 * `gen --check`'s time).
 */
export async function buildProgram(only?: Array<() => Command>): Promise<Command> {
  const commands = only ?? (await import("./commands/index.js")).commands;
  const program = new Command("arkitekt-next")
    .description("Register typed TypeScript functions with the arkitekt platform, generate their clients, serve and call them.")
    .version(version, "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const make of commands) program.addCommand(make().exitOverride());
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    const only = argv[2] === "gen" ? [(await import("./commands/gen.js")).genCommand] : undefined;
    await (await buildProgram(only)).parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed help, version or its own message.
    return error.exitCode;
  }
  if (isArkitektError(error, ReportedError)) return error.exitCode;
  if (isUserFacing(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    return (error as { exitCode?: number }).exitCode ?? 1;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    `internal error: this is a bug in arkitekt-next ${version} (node ${process.version}).\n${detail}\n` +
      "  Please report it with the command you ran and the output above.\n",
  );
  return 70;
}

process.exitCode = await main(process.argv);
