/**
 * `arkitekt-next gen`: writes `generated/` for the project in the current directory (its
 * registered functions, its GraphQL operations, typed stubs of remote actions).
 */
import { Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { ReportedError, UserError } from "../errors.js";
import { cliLogger } from "../logger.js";
import type { GenerateResult } from "../../codegen/index.js";
import type { Logger } from "../../shared/logger.js";

export interface GenCommandOptions {
  check?: boolean;
  watch?: boolean;
  cwd?: string;
  refreshActions?: boolean;
  /** `--redeem-token`: log in to the deployment of `--refresh-actions` without a browser. */
  redeemToken?: string;
  /** `--headless`: print the approval URL instead of opening a browser. */
  headless?: boolean;
  force?: boolean;
  verbose?: boolean;
}

/**
 * V8's optimizing compiler (TurboFan) tiers a function up after it ran for this much bytecode: 16
 * times V8's default (67,584). A `gen` process lives seconds; at the default, compiling the many
 * functions of TypeScript's checker, graphql-codegen and prettier that get warm cost more CPU than
 * their optimized code saved (a changed GraphQL project: 1.9 s CPU at the default, 1.4 s at 16
 * times; 1,000 registered functions cold: 8-10 s, 7-7.7 s; bench/codegen/RESULTS.md). The hot
 * loops still get optimized. Set for this process only (the CLI's); `ARKITEKT_GEN_V8_FLAGS`
 * replaces the flags (empty: V8's defaults).
 */
export const GEN_V8_FLAGS = "--interrupt-budget=1081344";

/** Applies GEN_V8_FLAGS to this process (gen and gen --watch; the bench's long-lived generator too). */
export function tuneV8ForGen(env: NodeJS.ProcessEnv = process.env): void {
  const flags = env.ARKITEKT_GEN_V8_FLAGS ?? GEN_V8_FLAGS;
  if (flags.trim() === "") return;
  setFlagsFromString(flags);
  // the functions stage keeps V8 code caches per set of flags (codegen/functions/compile-cache.ts)
  (globalThis as Record<symbol, unknown>)[Symbol.for("arkitekt-next.v8-flags")] = flags;
}

/** Runs gen and returns its result; throws ReportedError (exit 1) when it failed. */
export async function runGen(options: GenCommandOptions, logger: Logger = cliLogger("gen", { verbose: options.verbose ?? false, info: process.stdout, plainErrors: true })): Promise<GenerateResult> {
  // Loaded lazily: `arkitekt-next --help` must not pay for the generator.
  const cwd = resolve(options.cwd ?? process.cwd());
  if (!existsSync(cwd)) throw new UserError(`the project directory ${cwd} does not exist`, "pass --cwd with your app's directory (the one with tsconfig.json or codegen.yml)");
  tuneV8ForGen();
  const { generate } = await import("../../codegen/index.js");
  // the actions stage logs in to a deployment (fakts) with these, like every command's flags
  if (options.redeemToken) process.env.ARKITEKT_REDEEM_TOKEN = options.redeemToken;
  if (options.headless) process.env.ARKITEKT_HEADLESS = "1";
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  if (options.watch) process.once("SIGINT", stop);
  try {
    const result = await generate({
      cwd,
      check: options.check ?? false,
      watch: options.watch ?? false,
      refreshActions: options.refreshActions ?? false,
      force: options.force ?? false,
      logger,
      signal: controller.signal,
    });
    if (!result.ok && !options.watch) throw new ReportedError(1);
    // Nothing to generate was already reported; in CI (`--check`) that must fail, not pass silently.
    if (result.stages.length === 0) throw new ReportedError(1);
    return result;
  } finally {
    process.off("SIGINT", stop);
  }
}

export function genCommand(): Command {
  return new Command("gen")
    .description("generate definitions, validators and typed clients into generated/")
    .option("--check", "compare instead of writing; exit 1 and list the files that are stale (for CI)")
    .option("--watch", "keep running and regenerate when sources change (re-reads only changed files)")
    .option("--cwd <dir>", "the project directory (default: the current directory)")
    .option("--refresh-actions", "fetch remote action definitions again instead of using the cached ones")
    .option("--redeem-token <token>", "with --refresh-actions: log in to a deployment with this redeem token, no browser (default: ARKITEKT_REDEEM_TOKEN)")
    .option("--headless", "with --refresh-actions: print the approval URL of a deployment login instead of opening a browser (automatic without a TTY)")
    .option("--force", "run every stage, even those whose inputs are unchanged since the last gen")
    .option("--verbose", "print timings of each stage and which stages were skipped")
    .addHelpText(
      "after",
      `
--refresh-actions reads ARKITEKT_URL (else actions.url in arkitekt.json) and ARKITEKT_TOKEN; a URL
without a token is a deployment, logged in to with fakts (a claim cached in .arkitekt/fakts/):
  $ ARKITEKT_URL=https://lab.example.org arkitekt-next gen --refresh-actions --headless

What runs is read from arkitekt.json in the project directory, if present:
  { "functions": { "tsconfig": "tsconfig.json", "out": "generated" } | false,
    "graphql": "codegen.yml" | false,
    "actions": { ... } }
Without it: functions when tsconfig.json exists, GraphQL when codegen.yml exists. With none of
them gen says what it looked for and exits 1 (start an app with \`arkitekt-next init\`); when the
files tsconfig.json includes have no register() call, it names them, warns and writes an empty
registry.

Functions: every register(fn, options?) call imported from arkitekt-next is read with the
TypeScript compiler and written to
  generated/definitions.json   the ImplementationInput array for implementAgent
  generated/registry.ts        validators, adapters and signature checks (import { registry })
Problems (unsupported types, non-literal defaults, ...) are listed all at once with file:line:col
and a hint; then nothing is written and gen exits 1.

generated/.arkitekt-gen.json (commit it) records per stage a hash of its inputs and of the
generator, and the hash of each file written: a stage whose inputs are unchanged is skipped, and
--check names a generated file edited by hand. --force runs every stage. A changed GraphQL output
is formatted piece by piece: the manifest's piece index lets prettier format only what changed.

Tuning (environment): ARKITEKT_GEN_WORKERS (prettier worker threads for a cold run of 16 or more
files; default one per core but one, at most 2; 0 = none), ARKITEKT_GEN_V8_FLAGS (V8 flags set for
the gen process; default ${GEN_V8_FLAGS}; empty = V8's defaults), ARKITEKT_GEN_CODE_CACHE=0 (no
V8 code cache of the TypeScript compiler in the temporary folder), ARKITEKT_GEN_DIRECT=0 (format the
registry modules with prettier instead of printing them directly; the bytes are the same).

Examples:
  $ arkitekt-next gen
  $ arkitekt-next gen --check      # in CI: fails when generated/ is stale
  $ arkitekt-next gen --watch`,
    )
    .action(async (opts: GenCommandOptions) => {
      await runGen(opts);
    });
}
