/**
 * `arkitekt-next run prod`: serve the app's COMPILED registry against a platform, as in a container.
 * No generation, no watching, no TypeScript loader, no embedded server, no ts-morph:
 *
 * 1. refuses at once when `generated/` is stale (the sources' hashes against the ones `gen`
 *    recorded in `generated/.arkitekt-gen.json`, see codegen/freshness.ts), when the compiled
 *    registry (`<outDir>/<generated>/registry.js`, from the app's tsconfig) is missing, or when a
 *    compiled file is older than its source (`npm run build` was not run after a change);
 * 2. resolves the URL and token (flags, ARKITEKT_URL/ARKITEKT_TOKEN, the dev-token file) and
 *    connects, retrying an unreachable platform with backoff for `--connect-timeout` ms;
 * 3. serves, keeping the status file (`.arkitekt/status.json`) fresh for `arkitekt-next health`;
 *    a platform that stays unreachable for `--connect-timeout` ms after a drop also ends it;
 * 4. on SIGTERM/SIGINT: in-flight tasks finish (up to `--shutdown-timeout` ms, then they are
 *    reported CRITICAL), the socket closes, exit 0.
 */
import { taskEndLines } from "../task-log.js";
import { existsSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { UserError } from "../errors.js";
import { cliLogger } from "../logger.js";
import { parseMilliseconds, parsePositiveMilliseconds } from "../options.js";
import { DEFAULT_DATA_DIR, LOGIN_HELP, platformUserError, requireEndpoint, type Endpoint } from "../endpoint.js";
import { importRegistry, quietLogger } from "../app-loading.js";
import { compiledLayout, compiledPath } from "../compiled-layout.js";
import { DEFAULT_STATUS_FILE, DEFAULT_STATUS_INTERVAL_MS, otherKeeper, writeStatus, type AgentState } from "../status-file.js";
import { describeStale } from "../../codegen/freshness.js";
import { describePlatformSources, explainPlatformFailure } from "../../runtime/config.js";
import { backoffDelay, compileBackoff, sleep } from "../../shared/backoff.js";
import type { Logger } from "../../shared/logger.js";
import type { AgentHandle, Registry } from "../../index.js";

/** How long an unreachable platform is retried (at start, and after a drop), in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
/** How long SIGTERM waits for in-flight tasks, in ms (below Docker's 10 s stop timeout). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 8_000;
/** Stale sources listed in the error; the rest are counted. */
const MAX_LISTED = 10;

export interface RunProdOptions {
  cwd?: string;
  url?: string;
  token?: string;
  /** `--redeem-token`: log in to a deployment without a browser. */
  redeemToken?: string;
  /** `--headless`: print the approval URL instead of opening a browser. */
  headless?: boolean;
  /** Retry an unreachable platform this long (ms); 0 = forever. */
  connectTimeout?: number;
  /** Relative to cwd. */
  statusFile?: string;
  statusInterval?: number;
  shutdownTimeout?: number;
  concurrency?: number;
  force?: boolean;
  verbose?: boolean;
}

/** What `run prod` checked before connecting: the files it will run. */
export interface ProdPlan {
  cwd: string;
  /** Absolute path of the compiled registry. */
  registryFile: string;
  /** The agent's name: `identifier:version` from arkitekt.json, if it names one. */
  name: string | undefined;
}

/**
 * The checks before anything connects: `generated/` fresh, the compiled registry present and not
 * older than its sources. Loads no generator module (see codegen/freshness.ts).
 */
export async function planRunProd(cwdOption: string | undefined): Promise<ProdPlan> {
  const cwd = resolve(cwdOption ?? process.cwd());
  const { loadProjectConfig } = await import("../../codegen/config.js");
  const config = loadProjectConfig(cwd);
  if (!config.functions) {
    throw new UserError(
      `${cwd} registers no functions: it has no tsconfig.json, or arkitekt.json says "functions": false`,
      "run `arkitekt-next run prod` in an app folder (where tsconfig.json and arkitekt.json are)",
    );
  }
  const { readManifest, manifestPath } = await import("../../codegen/manifest.js");
  const { manifest } = await readManifest(cwd, manifestPath(config), quietLogger(cliLogger("run")));
  const functions = manifest?.stages.functions;
  const sources = [...Object.keys(functions?.inputs ?? {}), ...Object.keys(functions?.files ?? {})];
  const registrySource = `${config.functions.out}/registry.ts`;
  const layout = compiledLayout(cwd, config.functions.tsconfig, sources);
  const { checkFreshness } = await import("../../codegen/freshness.js");
  // The compiled output is no source: gen leaves out dist/; here also an outDir of another name, or
  // (without outDir) the JavaScript, declarations and maps tsc wrote beside their TypeScript.
  const outDir = relative(cwd, layout.outDir).split(sep).join("/");
  const known = new Set(sources);
  const compiledOutput = (path: string): boolean => {
    if (outDir !== "" && !outDir.startsWith("..") && path.startsWith(`${outDir}/`)) return true;
    const stem = /^(.*)\.(?:[cm]?js|[cm]?js\.map|d\.[cm]?ts)$/.exec(path)?.[1];
    return stem !== undefined && [".ts", ".tsx", ".mts", ".cts"].some((ext) => known.has(`${stem}${ext}`));
  };
  const fresh = await checkFreshness(config, { ignore: compiledOutput });
  if (!fresh.ok) {
    if (fresh.problem !== "STALE") {
      throw new UserError(`cannot tell whether generated/ is up to date: ${fresh.detail}`, "run `arkitekt-next gen` and rebuild (`npm run build`)");
    }
    const listed = fresh.stale.slice(0, MAX_LISTED).map(describeStale);
    const more = fresh.stale.length > MAX_LISTED ? ` and ${fresh.stale.length - MAX_LISTED} more` : "";
    throw new UserError(`generated/ is stale: ${listed.join(", ")}${more}`, "run `arkitekt-next gen` and rebuild (`npm run build`), then start again");
  }
  const registryFile = compiledPath(layout, cwd, registrySource);
  if (!registryFile || !existsSync(registryFile)) {
    const where = registryFile ? relative(cwd, registryFile) : `the compiled ${registrySource}`;
    throw new UserError(
      `no compiled registry at ${where} (${layout.origin}): run prod runs JavaScript, not TypeScript`,
      `run \`npm run build\` (tsc -p ${config.functions.tsconfig}) first${registryFile ? "" : `; ${registrySource} must be inside rootDir`}`,
    );
  }
  // A source changed after the last build: dist/ runs other code than generated/ describes.
  for (const source of sources) {
    const compiled = compiledPath(layout, cwd, source);
    if (!compiled || !existsSync(compiled) || !existsSync(join(cwd, source))) continue;
    if (statSync(compiled).mtimeMs + 1 < statSync(join(cwd, source)).mtimeMs) {
      throw new UserError(`${relative(cwd, compiled)} is older than ${source}: the compiled app is stale`, "run `npm run build`, then start again");
    }
  }
  const name = config.identifier ? `${config.identifier}:${config.version ?? "0.0.0"}` : undefined;
  return { cwd, registryFile, name };
}

/**
 * One small query to the platform (`{ __typename }` with the token). The retries wait on it rather
 * than on `connect()`, whose every start runs the app's startup hooks (they ran once per retry).
 */
async function probePlatform(endpoint: Endpoint): Promise<void> {
  const { createGraphQLClient, platformEndpoints } = await import("../../runtime/transport/index.js");
  const client = createGraphQLClient({ url: platformEndpoints(endpoint.url).graphqlUrl, token: endpoint.token });
  try {
    await client.request<{ __typename: string }>({ document: "query ArkitektPlatformProbe { __typename }", operationName: "ArkitektPlatformProbe" });
  } finally {
    await client.close();
  }
}

/**
 * Connects with `connect()` once the platform answers, retrying an unreachable platform with
 * backoff until `timeoutMs` (0 = forever) passes. Only a platform that goes away between the probe
 * and the registration makes `connect()` (and the startup hooks) run again.
 */
async function connectWithRetry(
  connectOnce: () => Promise<AgentHandle>,
  endpoint: Endpoint,
  timeoutMs: number,
  signal: AbortSignal,
  logger: Logger,
): Promise<AgentHandle | undefined> {
  const backoff = compileBackoff({ initialDelayMs: 250, maxDelayMs: 5_000 });
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await probePlatform(endpoint);
      return await connectOnce();
    } catch (error) {
      const failure = explainPlatformFailure(error, endpoint);
      if (failure?.kind !== "UNREACHABLE") throw platformUserError(error, endpoint) ?? error;
      const elapsed = Date.now() - started;
      if (timeoutMs > 0 && elapsed >= timeoutMs) {
        throw new UserError(
          `the platform stayed unreachable for ${timeoutMs} ms (--connect-timeout): ${failure.message}`,
          `${failure.hint}; or wait longer with --connect-timeout <ms> (0 = forever)`,
        );
      }
      const delay = Math.min(backoffDelay(attempt, backoff), timeoutMs > 0 ? Math.max(0, timeoutMs - elapsed) : Infinity);
      logger.warn(`${failure.message}; retrying in ${delay} ms`);
      await sleep(delay, signal);
      if (signal.aborted) return undefined;
    }
  }
}

export interface ProdApp {
  agent: AgentHandle;
  registry: Registry;
  endpoint: Endpoint;
  /** Resolves with the reason the app stopped on its own (agent stopped, platform gone past the budget). */
  failed: Promise<Error>;
  /** Finishes in-flight tasks, closes, writes the status "stopped". */
  stop(): Promise<void>;
}

/**
 * Checks, connects and serves. Resolves once serving; undefined when `signal` aborted while it
 * was still connecting.
 */
export async function runProd(options: RunProdOptions, logger: Logger, signal: AbortSignal): Promise<ProdApp | undefined> {
  const plan = await planRunProd(options.cwd);
  const statusFile = resolve(plan.cwd, options.statusFile ?? DEFAULT_STATUS_FILE);
  let endpoint: Endpoint;
  try {
    endpoint = await requireEndpoint(
      { url: options.url, token: options.token, redeemToken: options.redeemToken, headless: options.headless },
      join(plan.cwd, DEFAULT_DATA_DIR),
      { cwd: plan.cwd, signal },
    );
  } catch (error) {
    // Ctrl+C while a fakts login waits for approval: stopped, as while connecting
    if (signal.aborted) return undefined;
    throw error;
  }
  let state: AgentState = "connecting";
  let detail: string | undefined;
  let agent: AgentHandle | undefined;
  // Another live run prod keeps this status file: this one must not overwrite what health reads.
  const keeper = await otherKeeper(statusFile);
  if (keeper !== undefined) logger.warn(`the process ${keeper} keeps ${statusFile}; this one does not write it (give a second agent its own --status-file)`);
  // Writes one at a time (each renames the same temporary file), each with the state of its turn.
  let writing = Promise.resolve();
  const status = (): Promise<void> =>
    (writing = writing.then(async () => {
      if (keeper !== undefined) return;
      await writeStatus(statusFile, { state, url: endpoint.url, ...(agent?.agentId ? { agentId: agent.agentId } : {}), ...(detail ? { detail } : {}) }).catch(
        (error: Error) => logger.warn(`cannot write the status file ${statusFile}: ${error.message}`),
      );
    }));
  await status();
  logger.info(`using the platform at ${endpoint.url} (${describePlatformSources(endpoint)})`);
  const registry = await importRegistry(plan.registryFile, plan.cwd, {
    onError: "fix the error in your code and rebuild (`npm run build`)",
    onNoRegistry: "run `arkitekt-next gen` and `npm run build` again: the compiled registry is not what gen writes",
  });
  const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const { connect } = await import("../../index.js");
  // Until the agent serves, a failure is thrown and reported once by the CLI.
  let serving = false;
  const agentLogger: Logger = { ...quietLogger(logger), error: (m) => (serving ? logger.error(m) : logger.debug(m)) };
  const connectOnce = (): Promise<AgentHandle> =>
    connect({
      url: endpoint.url,
      token: endpoint.token,
      registry,
      devTokenFile: false,
      ...(plan.name ? { name: plan.name } : {}),
      ...(options.force ? { force: true } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      closeTimeoutMs: options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      logger: agentLogger,
      // One line per task, so a failure leaves a trace in the agent's log too.
      onTaskEnd: (end) => process.stdout.write(taskEndLines(end, registry, false)),
    });
  agent = await connectWithRetry(connectOnce, endpoint, connectTimeout, signal, logger).catch(async (error: unknown) => {
    state = "stopped";
    detail = error instanceof Error ? error.message : String(error);
    await status();
    throw error;
  });
  if (agent && signal.aborted) {
    // Stopped while the last attempt was connecting: do not start serving.
    await agent.close();
    agent = undefined;
  }
  if (!agent) {
    state = "stopped";
    await status();
    return undefined;
  }
  const handle = agent;
  serving = true;
  state = "serving";
  await status();

  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolveFailed) => (fail = resolveFailed));
  let disconnectedSince: number | undefined;
  const timer = setInterval(() => {
    if (state === "stopping" || state === "stopped") return;
    if (handle.connected) {
      disconnectedSince = undefined;
      state = "serving";
      detail = undefined;
    } else {
      disconnectedSince ??= Date.now();
      state = "connecting";
      detail = `the agent socket is reconnecting to ${endpoint.url}`;
      if (connectTimeout > 0 && Date.now() - disconnectedSince > connectTimeout) {
        fail(new UserError(`the platform at ${endpoint.url} stayed unreachable for ${connectTimeout} ms (--connect-timeout) after the connection dropped`, "check the platform; the container's restart policy starts the agent again"));
      }
    }
    void status();
  }, options.statusInterval ?? DEFAULT_STATUS_INTERVAL_MS);
  void handle.closed.then((stopped) => {
    if (stopped.error) fail(stopped.error);
  });
  return {
    agent: handle,
    registry,
    endpoint,
    failed,
    async stop() {
      clearInterval(timer);
      state = "stopping";
      detail = undefined;
      await status();
      await handle.close();
      state = "stopped";
      await status();
    },
  };
}

export function runProdCommand(): Command {
  return new Command("prod")
    .description("serve the app's compiled registry (dist/) against a platform: no gen, no watch, no embedded server")
    .option("--cwd <dir>", "the app directory (default: the current directory)")
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN)")
    .option("--redeem-token <token>", "log in to a deployment with this redeem token, no browser (default: ARKITEKT_REDEEM_TOKEN; FAKTS_TOKEN gives a claim token directly)")
    .option("--headless", "print the approval URL of a deployment login instead of opening a browser (automatic without a TTY)")
    .option("--connect-timeout <ms>", `retry an unreachable platform this long, at start and after a drop, then exit 1 (0 = forever)`, parseMilliseconds, DEFAULT_CONNECT_TIMEOUT_MS)
    .option("--shutdown-timeout <ms>", "on SIGTERM/SIGINT, wait this long for in-flight tasks before reporting them CRITICAL", parseMilliseconds, DEFAULT_SHUTDOWN_TIMEOUT_MS)
    .option("--status-file <path>", "the status file for `arkitekt-next health`, relative to the app directory", DEFAULT_STATUS_FILE)
    .option("--status-interval <ms>", "rewrite the status file this often", parsePositiveMilliseconds, DEFAULT_STATUS_INTERVAL_MS)
    .option("--concurrency <n>", "tasks run in parallel at most (default 16)", (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
      return n;
    })
    .option("--force", "take over the agent when another process serves it")
    .option("--verbose", "print debug logs")
    .addHelpText(
      "after",
      `
${LOGIN_HELP}

What it runs: the registry compiled by the app's \`npm run build\` (tsc -p tsconfig.json), i.e.
<outDir>/<rootDir-relative path of generated/registry.ts>; with the template's tsconfig ("rootDir": ".",
"outDir": "dist") that is dist/generated/registry.js. Missing: run \`npm run build\`.

It refuses to start, before connecting and without loading the generator, when:
  - a source changed, was added or deleted since the last \`arkitekt-next gen\` (the hashes gen records
    in generated/.arkitekt-gen.json), or a generated file was edited: run \`arkitekt-next gen\` and rebuild;
  - a compiled file under outDir is older than its source: run \`npm run build\`.

Where the platform comes from: --url/--token, else ARKITEKT_URL/ARKITEKT_TOKEN, else a dev server's
.arkitekt/dev/dev-token.json. It never starts an embedded server. An unreachable platform is retried
for --connect-timeout ms (default ${DEFAULT_CONNECT_TIMEOUT_MS}), then it exits 1; a refused token exits 1 at once.

While serving it rewrites the status file every --status-interval ms (state connecting/serving/
stopping/stopped, pid, updatedAt); \`arkitekt-next health\` exits 0 only while it is fresh and "serving".

Examples:
  $ npm run build && ARKITEKT_URL=https://platform.example ARKITEKT_TOKEN=... arkitekt-next run prod
  $ arkitekt-next run prod --url http://127.0.0.1:8080 --token dev-token --connect-timeout 0`,
    )
    .action(async (options: RunProdOptions) => {
      const logger = cliLogger("run", { verbose: options.verbose ?? false });
      const abort = new AbortController();
      let signalled: string | undefined;
      const onSignal = (signal: string): void => {
        signalled = signal;
        abort.abort();
      };
      process.once("SIGINT", () => onSignal("SIGINT"));
      process.once("SIGTERM", () => onSignal("SIGTERM"));
      let app: ProdApp | undefined;
      try {
        app = await runProd(options, logger, abort.signal);
      } catch (error) {
        // A socket still reconnecting inside a failed connect() must not keep the process alive.
        setTimeout(() => process.exit(process.exitCode ?? 1), 2_000).unref();
        throw error;
      }
      if (!app) {
        logger.info(`${signalled ?? "stopped"} while connecting: stopped`);
        return;
      }
      const served = Object.values(app.agent.implementations);
      process.stdout.write(`serving ${served.length} function(s) as agent ${app.agent.agentId} on ${app.endpoint.url}\n`);
      const stopped = new Promise<void>((resolveStop) => {
        if (abort.signal.aborted) resolveStop();
        else abort.signal.addEventListener("abort", () => resolveStop(), { once: true });
      });
      const failure = await Promise.race([stopped.then(() => undefined), app.failed]);
      if (failure) {
        await app.stop().catch(() => undefined);
        setTimeout(() => process.exit(process.exitCode ?? 1), 2_000).unref();
        throw failure;
      }
      logger.info(`${signalled}: stopping; in-flight tasks finish (up to ${options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS} ms) or are reported`);
      await app.stop();
      logger.info("stopped");
    });
}
