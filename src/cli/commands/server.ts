/**
 * `arkitekt-next server`: the embedded dev platform in the foreground. A thin shell around
 * `startServer` (arkitekt-next/server): parses flags, prints the URLs and a token, and shuts down
 * gracefully on SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { Command } from "commander";
import { parseMilliseconds, parsePort } from "../options.js";
import { UserError } from "../errors.js";
import { isArkitektError } from "../../shared/errors.js";
import { cliLogger } from "../logger.js";
import type { MediaGarbageReport, ServerHandle, TokenClaims } from "../../server/index.js";
import { ALLOW_ORIGINS_ENV } from "../../shared/origins.js";
import type { Logger } from "../../shared/logger.js";

export interface ServerCommandOptions {
  host: string;
  port: number;
  data: string;
  tokens?: string;
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  staleAfter?: number;
  grace?: number;
  /** `--replay-window <ms>`: what a new `mytasks` subscription replays (server option `replayWindowMs`). */
  replayWindow?: number;
  /** Browser origins allowed besides the server's own (repeatable `--allow-origin`). */
  allowOrigin?: string[];
  verbose?: boolean;
  /** `--gc`: collect the media store's garbage in `--data` and exit (no server starts). */
  gc?: boolean;
  /** With `--gc`: list what would go, remove nothing. */
  dryRun?: boolean;
}

/** Reads and checks a tokens file: a JSON object mapping token strings to claims objects. */
export function readTokensFile(file: string): Record<string, TokenClaims> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(`cannot read the tokens file ${path}: ${(error as Error).message}`, "pass --tokens with an existing JSON file");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`the tokens file ${path} is not JSON: ${(error as Error).message}`, 'write {"<token>": {"sub": "1", "client_id": "my-client", "active_org": "lab"}}');
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw new UserError(`the tokens file ${path} must be a non-empty JSON object mapping tokens to claims`, 'write {"<token>": {"sub": "1", "client_id": "my-client", "active_org": "lab"}}');
  }
  for (const [token, claims] of Object.entries(parsed)) {
    if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
      throw new UserError(`the tokens file ${path}: the claims of token "${token}" must be an object`, "give each token an object of claims (sub, client_id, active_org, client_app, client_release, ...)");
    }
    for (const key of ["sub", "client_id", "preferred_username", "active_org", "org", "client_app", "client_release", "iss", "scope"]) {
      const value = (claims as Record<string, unknown>)[key];
      if (value !== undefined && typeof value !== "string") {
        throw new UserError(`the tokens file ${path}: claim "${key}" of token "${token}" must be a string`, "quote the value");
      }
    }
  }
  return parsed as Record<string, TokenClaims>;
}

/** `--allow-origin` values, then those of `ARKITEKT_ALLOW_ORIGINS` (comma- or space-separated). */
export function allowedOriginsOf(flags: readonly string[] | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  const fromEnv = (env[ALLOW_ORIGINS_ENV] ?? "").split(/[\s,]+/).filter((o) => o !== "");
  return [...new Set([...(flags ?? []), ...fromEnv])];
}

/**
 * The dev identity's app when the server starts in an app folder: `arkitekt.json`'s identifier and
 * version (default 0.1.0), so `call <identifier>/<key>` works as under `run dev`; undefined elsewhere.
 */
export function appOfFolder(cwd: string): { identifier: string; version: string } | undefined {
  const file = join(cwd, "arkitekt.json");
  if (!existsSync(file)) return undefined;
  let parsed: { identifier?: unknown; version?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as typeof parsed;
  } catch (error) {
    throw new UserError(`${file} is not JSON: ${(error as Error).message}`, "fix the file (see the README's arkitekt.json section)");
  }
  if (typeof parsed?.identifier !== "string" || parsed.identifier === "") return undefined;
  return { identifier: parsed.identifier, version: typeof parsed.version === "string" && parsed.version ? parsed.version : "0.1.0" };
}

/**
 * V8's old-generation growing factor for the server process (issue 18 "Memory"): V8 lets the old
 * generation grow to up to 4× what survived the last full collection before collecting again. The
 * server's live heap is ~26 MB whether 20,000 or 100,000 tasks are stored, but per-task garbage that
 * outlives two scavenges (a task is in flight across them) piles up to ~110 MB of heap between full
 * collections, so RSS swung between 155 and 235 MB. A factor of 1 + HEAP_GROWING_PERCENT/100
 * bounds that pile (bench/server/memory.ts; bench/server/MEMORY.md).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets the growing factor unless the process was started with its own (`node --heap-growing-percent=N`
 * or NODE_OPTIONS). Called by the `server` command only: the process is the server's; V8 reads the
 * flag at every full collection, so setting it at run time takes effect.
 */
export function tuneHeapForServer(execArgv: readonly string[] = process.execArgv, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)].some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg));
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

/** Starts the server with the CLI's options; returns the handle (the command keeps it running). */
export async function runServer(
  options: ServerCommandOptions,
  logger: Logger = cliLogger("server", { verbose: options.verbose ?? false }),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ServerHandle> {
  const { startServer, ServerStartError } = await import("../../server/index.js");
  const tokens = options.tokens ? readTokensFile(options.tokens) : undefined;
  const allowedOrigins = allowedOriginsOf(options.allowOrigin, env);
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/.test(options.host)) {
    logger.warn(
      `binding ${options.host}: the platform (and, without --tokens, its dev token) is reachable from other machines; use --tokens with real secrets, or keep the default 127.0.0.1`,
    );
  }
  const devApp = tokens ? undefined : appOfFolder(process.cwd());
  try {
    return await startServer({
      ...(devApp ? { devApp } : {}),
      host: options.host,
      port: options.port,
      dataDir: resolve(options.data),
      ...(tokens ? { tokens } : {}),
      ...(options.heartbeatInterval !== undefined ? { heartbeatIntervalMs: options.heartbeatInterval } : {}),
      ...(options.heartbeatTimeout !== undefined ? { heartbeatTimeoutMs: options.heartbeatTimeout } : {}),
      ...(options.staleAfter !== undefined ? { staleAfterMs: options.staleAfter } : {}),
      ...(options.grace !== undefined ? { graceMs: options.grace } : {}),
      ...(options.replayWindow !== undefined ? { replayWindowMs: options.replayWindow } : {}),
      ...(allowedOrigins.length > 0 ? { allowedOrigins } : {}),
      logger,
    });
  } catch (error) {
    if (isArkitektError(error, ServerStartError)) throw new UserError(error.message, error.hint);
    throw error;
  }
}

/** `arkitekt-next server --gc [--dry-run]`: collects the media store's garbage in `--data` (no server may run on it). */
export async function runGarbageCollection(options: Pick<ServerCommandOptions, "data" | "dryRun" | "verbose">): Promise<MediaGarbageReport> {
  const { collectGarbage, ServerStartError } = await import("../../server/index.js");
  try {
    return await collectGarbage({ dataDir: resolve(options.data), dryRun: options.dryRun ?? false });
  } catch (error) {
    if (isArkitektError(error, ServerStartError)) throw new UserError(error.message, error.hint);
    throw error;
  }
}

const mebibytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The lines `--gc` prints: each store removed (or that would be) with why, then the totals. */
export function garbageSummary(report: MediaGarbageReport): string {
  const verb = report.dryRun ? "would remove" : "removed";
  const lines = report.stores.map((s) => `  ${s.id}  ${s.org}  ${s.state}  ${s.bytes} bytes  (${s.reason})`);
  lines.unshift(`media store garbage${report.dryRun ? " (dry run: nothing removed)" : ""}: ${verb} ${report.stores.length} store(s)`);
  if (report.keptForOpenTasks.length > 0) lines.push(`  kept ${report.keptForOpenTasks.length} store(s) an unfinished task refers to: ${report.keptForOpenTasks.join(", ")}`);
  if (report.multipartUploads.length > 0) lines.push(`  ${verb} ${report.multipartUploads.length} unfinished multipart upload(s)`);
  if (report.orphanObjects.length > 0) lines.push(`  ${verb} ${report.orphanObjects.length} object file(s) without a store`);
  lines.push(`  ${verb} ${report.expiredGrants} expired grant(s); ${mebibytes(report.bytes)} ${report.dryRun ? "would be freed" : "freed"}`);
  return `${lines.join("\n")}\n`;
}

/**
 * What `arkitekt-next server` prints once it listens: the endpoints, and with a dev token the UI's
 * one-click sign-in link (the token in the URL fragment, which the browser keeps to itself).
 */
export function serverBanner(handle: ServerHandle, options: Pick<ServerCommandOptions, "data" | "tokens">): string {
  const lines = [
    "arkitekt-next dev platform",
    `  GraphQL       ${handle.graphqlUrl}`,
    `  Subscriptions ${handle.graphqlWsUrl}`,
    `  Agent socket  ${handle.agiUrl}`,
    `  UI            ${handle.url}/`,
  ];
  if (handle.signInUrl) lines.push(`  Sign in       ${handle.signInUrl}`, "                (open it once: the page keeps the token, which stays out of the server's logs)");
  if (handle.devToken) {
    lines.push(`  Token         ${handle.devToken}`);
    if (handle.devApp) lines.push(`  App           ${handle.devApp.identifier} ${handle.devApp.version} (the dev token's client_app; actions are ${handle.devApp.identifier}/<key>)`);
    lines.push(`  (also in ${resolve(options.data, "dev-token.json")})`);
  }
  else lines.push(`  Tokens        from ${resolve(options.tokens ?? "")}`);
  lines.push("Press Ctrl+C to stop.");
  return `${lines.join("\n")}\n`;
}

export function serverCommand(): Command {
  return new Command("server")
    .description("run the embedded dev platform (GraphQL, agent socket, SQLite store) in the foreground")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 = any free port)", parsePort, 8080)
    .option("--data <dir>", "folder for the SQLite store and dev-token.json", ".arkitekt/dev")
    .option("--tokens <file>", "JSON file mapping static tokens to claims (default: a dev identity is created, whose app is the identifier and version of ./arkitekt.json when there is one, else arkitekt-next-dev 0.1.0)")
    .option("--heartbeat-interval <ms>", "how often agents get a HEARTBEAT (default 10000)", parseMilliseconds)
    .option("--heartbeat-timeout <ms>", "how long an agent has to answer a HEARTBEAT (default 5000)", parseMilliseconds)
    .option("--stale-after <ms>", "an agent silent this long is not live (default 30000)", parseMilliseconds)
    .option("--grace <ms>", "how long in-flight tasks wait for a disconnected agent (default 30000)", parseMilliseconds)
    .option("--replay-window <ms>", "a new mytasks subscription first replays the subscriber's tasks and events of this many last ms (default 10000, 0 = off)", parseMilliseconds)
    .option(
      "--allow-origin <origin>",
      `a browser origin (scheme://host:port) allowed to use the sockets and CORS besides the server's own; repeatable (also ${ALLOW_ORIGINS_ENV}, comma-separated)`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--verbose", "log every connection and task transition")
    .option("--gc", "collect the media store's garbage in --data and exit: stores no task refers to (never one an unfinished task needs), discarded ones, uploads never finished; the server must not be running")
    .option("--dry-run", "with --gc: list what would be removed, remove nothing")
    .addHelpText(
      "after",
      `
Examples:
  $ arkitekt-next server                 # 127.0.0.1:8080; prints a one-click "Sign in" link for the UI
  $ arkitekt-next server --port 0 --data /tmp/arkitekt-dev
  $ arkitekt-next server --allow-origin http://localhost:5173   # a UI served from another origin
  $ arkitekt-next server --gc --dry-run --data .arkitekt/dev     # list the media store's garbage
  $ arkitekt-next server --gc --data .arkitekt/dev               # and remove it

Browsers may use the sockets and CORS only from the server's own origin and the allowed ones
(--allow-origin, or ${ALLOW_ORIGINS_ENV}=origin1,origin2); clients without an Origin are not affected.`,
    )
    .action(async (options: ServerCommandOptions) => {
      if (options.dryRun && !options.gc) throw new UserError("--dry-run only goes with --gc", "run arkitekt-next server --gc --dry-run --data <dir>");
      if (options.gc) {
        process.stdout.write(garbageSummary(await runGarbageCollection(options)));
        return;
      }
      tuneHeapForServer();
      const handle = await runServer(options);
      process.stdout.write(serverBanner(handle, options));
      await new Promise<void>((done) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          process.stderr.write(`\n${signal}: shutting down\n`);
          void handle.close().then(done, done);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
