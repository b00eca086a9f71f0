/**
 * `arkitekt-next run dev`: the whole loop for the app in the current directory. Generates
 * `generated/`, finds a platform (flags, environment, a running dev server) or starts the embedded
 * one in-process (on the port it had last time), and serves the app's functions until Ctrl+C.
 *
 * With reload (the default) the user's code runs in an app process that is replaced on every save
 * (supervisor.ts), while the platform and the warm generator (`gen --watch`) stay here.
 * `--no-reload` loads the app into this process, as a single process.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { parseMilliseconds, parsePort } from "../options.js";
import { ReportedError, UserError } from "../errors.js";
import { cliLogger } from "../logger.js";
import type { Logger } from "../../shared/logger.js";
import { isArkitektError } from "../../shared/errors.js";
import { DEFAULT_DATA_DIR, LOGIN_HELP, findEndpoint, platformUserError, type Endpoint } from "../endpoint.js";
import { DEV_TOKEN_FILE, describePlatformSources } from "../../runtime/config.js";
import type { AgentHandle, Registry } from "../../index.js";
import { Worker } from "node:worker_threads";
import type { GenWorkerData, GenWorkerMessage } from "./gen-worker.js";
import { Supervisor, type AgentFailure } from "./supervisor.js";
import { AppProcessError } from "./app-process.js";
import { loadErrorHint, userFrame } from "../app-loading.js";
import { signInUrl } from "../../shared/sign-in.js";
import { taskEndLines } from "../task-log.js";

export interface RunDevOptions {
  cwd?: string;
  url?: string;
  token?: string;
  /** `--redeem-token`: log in to a deployment without a browser. */
  redeemToken?: string;
  /** `--headless`: print the approval URL instead of opening a browser. */
  headless?: boolean;
  gen?: boolean;
  /** `--no-reload`: one process, no watching. */
  reload?: boolean;
  data?: string;
  port?: number;
  force?: boolean;
  /** `--drain-timeout <ms>`: how long a reload waits for the old version's in-flight tasks. */
  drainTimeout?: number;
  /** `--replay-window <ms>` for the embedded server this command starts (server option `replayWindowMs`). */
  replayWindow?: number;
  verbose?: boolean;
}

/** How long a reload (and Ctrl+C) waits for in-flight tasks before reporting them CRITICAL. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** The app the platform sees when arkitekt.json names none. */
export const DEFAULT_APP = { identifier: "arkitekt-next-dev", version: "0.1.0" } as const;

export interface RunningApp {
  endpoint: Endpoint;
  /** True when this command started the embedded server, or uses a dev server found through its dev-token file. */
  devServer: boolean;
  /** The app (identifier, version) the platform sees for this app's actions, when known. */
  app: { identifier: string; version: string } | undefined;
  agentId: string;
  /** Served functions: key and action hash. */
  served: Array<{ key: string; hash: string }>;
  /** Resolves when the agent stopped on its own (another process took it over ...). */
  failed: Promise<AgentFailure>;
  /** True when this command started the embedded server it serves on. */
  hostsPlatform: boolean;
  /** Stops the agent (in-flight tasks finish or are reported) and the watcher; the platform stays. */
  stopApp(): Promise<void>;
  /** Stops the agent (in-flight tasks finish or are reported), the watcher, then the embedded server if this command started it. */
  stop(): Promise<void>;
}

interface Platform {
  endpoint: Endpoint;
  server: { close(): Promise<void> } | undefined;
  app: { identifier: string; version: string } | undefined;
}

/** Starts the app's agent (and the embedded server when needed); resolves once it serves. */
export async function runDev(options: RunDevOptions, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<RunningApp> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const codegen = await import("../../codegen/index.js");
  const config = codegen.loadProjectConfig(cwd);
  if (!config.functions) {
    throw new UserError(
      `${cwd} registers no functions: it has no tsconfig.json, or arkitekt.json says "functions": false`,
      "run `arkitekt-next run dev` in an app whose tsconfig.json includes files that call register() (see the README)",
    );
  }
  const reload = options.reload !== false;
  const registryFile = join(cwd, config.functions.out, "registry.ts");
  const app = { identifier: config.identifier ?? DEFAULT_APP.identifier, version: config.version ?? DEFAULT_APP.version };
  const name = config.identifier ? `${config.identifier}:${config.version ?? "0.0.0"}` : undefined;
  const drainTimeoutMs = options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT_MS;

  // The app process warms up (tsx, runtime) while this one generates and starts the platform.
  const supervisor = reload
    ? new Supervisor({ cwd, registryFile, url: "", token: "", name, force: options.force ?? false, drainTimeoutMs, verbose: options.verbose ?? false, logger, out })
    : undefined;
  supervisor?.warm();
  let stopWorker = async (): Promise<void> => undefined;
  let platform: Platform | undefined;
  try {
    if (!supervisor) {
      if (options.gen !== false) {
        const genLogger = cliLogger("gen", { verbose: options.verbose ?? false, plainErrors: true });
        const first = await new codegen.Generator(cwd, { logger: genLogger }).run(false, false);
        codegen.report(first, genLogger, false);
        if (!first.ok) throw new ReportedError(1);
      }
      requireRegistry(registryFile);
      platform = await findOrStartPlatform(options, cwd, app, logger);
      const devServer = platform.server !== undefined || platform.endpoint.devTokenFile !== undefined;
      return await serveInProcess(options, logger, platform, registryFile, name, devServer, drainTimeoutMs);
    }

    // The generator runs in a worker thread (a cold ts-morph would stall this thread's platform),
    // at the same time as the platform starts and the app process warms up.
    const worker = startGenWorker({ cwd, verbose: options.verbose ?? false, gen: options.gen !== false }, logger);
    stopWorker = () => worker.stop();
    const starting = findOrStartPlatform(options, cwd, app, logger).then((started) => (platform = started));
    starting.catch(() => undefined);
    const genOk = await worker.first.catch(async (error: unknown) => {
      await starting.catch(() => undefined);
      throw error;
    });
    if (!genOk) {
      await starting.catch(() => undefined);
      throw new ReportedError(1);
    }
    requireRegistry(registryFile);
    let served;
    try {
      const loading = supervisor.load();
      loading.catch(() => undefined);
      const { endpoint } = await starting;
      supervisor.setEndpoint(endpoint);
      await loading;
      served = await supervisor.connect();
    } catch (error) {
      await starting.catch(() => undefined);
      // the app process answered with the failure (and its hint) and printed nothing itself: report it once
      if (error instanceof AppProcessError) throw new UserError(error.message, error.hint ?? "fix the error in your code and start again");
      throw error;
    }
    const started = platform!;
    const endpoint = started.endpoint;
    const devServer = started.server !== undefined || endpoint.devTokenFile !== undefined;

    // Each regeneration without problems hands over to a new app process.
    worker.onRun = (ok, durationMs) => {
      if (!ok) {
        logger.warn("the last good version keeps serving; save again once the problems above are fixed");
        return;
      }
      void supervisor.reload(performance.now() - durationMs);
    };
    worker.warmUp();
    logger.info(`watching ${cwd}: a save regenerates and reloads the app (module-level state starts fresh each time)`);
    const server = started.server;
    return {
      endpoint,
      devServer,
      app: started.app,
      agentId: served.agentId,
      served: served.served,
      failed: supervisor.failed,
      hostsPlatform: server !== undefined,
      async stopApp() {
        await stopWorker();
        await supervisor.stop();
      },
      async stop() {
        await stopWorker();
        await supervisor.stop();
        await server?.close();
      },
    };
  } catch (error) {
    await stopWorker();
    await supervisor?.stop();
    await platform?.server?.close();
    throw error;
  }
}

function requireRegistry(registryFile: string): void {
  if (!existsSync(registryFile)) {
    throw new UserError(`no generated registry at ${registryFile}`, "run `arkitekt-next gen` first (or drop --no-gen)");
  }
}

interface GenWorker {
  /** Whether the first gen passed (true with --no-gen). */
  first: Promise<boolean>;
  onRun: (ok: boolean, durationMs: number) => void;
  /** Loads ts-morph and reads the project now, so the first edit is fast (after the app serves). */
  warmUp(): void;
  stop(): Promise<void>;
}

function startGenWorker(data: GenWorkerData, logger?: Logger): GenWorker {
  const worker = new Worker(new URL("./gen-worker.js", import.meta.url), { workerData: data });
  let resolveFirst!: (ok: boolean) => void;
  let rejectFirst!: (error: Error) => void;
  const first = new Promise<boolean>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  const handle: GenWorker = {
    first,
    onRun: () => undefined,
    warmUp: () => worker.postMessage({ type: "warm-up" }),
    async stop() {
      worker.postMessage({ type: "stop" });
      await Promise.race([new Promise((r) => worker.once("exit", r)), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await worker.terminate();
    },
  };
  worker.on("message", (message: GenWorkerMessage) => {
    if (message.type === "first") resolveFirst(message.ok);
    else if (message.type === "run") handle.onRun(message.ok, message.durationMs);
    else if (message.type === "warm") logger?.debug(`generator warm for edits (${Math.round(message.durationMs)} ms)`);
    else if (message.type === "failed") {
      rejectFirst(new UserError(`gen failed: ${message.message}`, "fix arkitekt.json or tsconfig.json, then start run dev again"));
      logger?.error(`watching stopped: ${message.message}`);
    }
  });
  worker.on("error", (error) => {
    rejectFirst(error);
    logger?.error(`the generator stopped: ${error.message}`);
  });
  return handle;
}

/**
 * Flags, environment, a running dev server's token file, else the embedded server started here:
 * on `--port`, else on the port it had last time (read from `<data>/dev-token.json`), else a free one.
 */
async function findOrStartPlatform(options: RunDevOptions, cwd: string, app: { identifier: string; version: string }, logger: Logger): Promise<Platform> {
  const dataDir = resolve(cwd, options.data ?? DEFAULT_DATA_DIR);
  const endpoint = await findEndpoint(
    { url: options.url, token: options.token, redeemToken: options.redeemToken, headless: options.headless },
    dataDir,
    { cwd, app, logger },
  );
  if (endpoint) {
    logger.info(`using the platform at ${endpoint.url} (${describePlatformSources(endpoint)})`);
    let seen: { identifier: string; version: string } | undefined;
    if (endpoint.devTokenFile && endpoint.urlFrom === endpoint.devTokenFile) {
      // another process hosts this dev server: its dev identity decides the app name
      seen = readDevTokenApp(endpoint.devTokenFile) ?? DEFAULT_APP;
      if (seen.identifier !== app.identifier || seen.version !== app.version) {
        logger.warn(
          `that dev server was started as app ${seen.identifier} ${seen.version}, not ${app.identifier} ${app.version} (arkitekt.json): actions are named ${seen.identifier}/<key>; restart that server in this app's folder to use this app's name`,
        );
      }
    }
    return { endpoint, server: undefined, app: seen };
  }
  const file = join(dataDir, DEV_TOKEN_FILE);
  const remembered = options.port === undefined ? rememberedPort(file) : undefined;
  const port = options.port ?? remembered ?? 0;
  const { startServer, ServerStartError } = await import("../../server/index.js");
  let started;
  try {
    started = await startServer({
      port,
      dataDir,
      devApp: app,
      logger: quiet(logger),
      ...(options.replayWindow !== undefined ? { replayWindowMs: options.replayWindow } : {}),
    });
  } catch (error) {
    if (isArkitektError(error, ServerStartError) && error.code === "ARKITEKT_SERVER_PORT_IN_USE" && remembered !== undefined) {
      throw new UserError(
        `port ${remembered}, where this app's dev platform ran last time (remembered in ${file}), is in use by another process`,
        "stop that process, or pass --port 0 for any free port (or --port <n>); the new port is remembered",
      );
    }
    if (isArkitektError(error, ServerStartError)) throw new UserError(error.message, error.hint);
    throw error;
  }
  const endpointOf: Endpoint = { url: started.url, token: started.devToken ?? "", urlFrom: file, tokenFrom: file, devTokenFile: file };
  logger.info(`started the embedded dev platform at ${started.url} (data in ${dataDir}; app ${app.identifier} ${app.version})`);
  return { endpoint: endpointOf, server: started, app };
}

/** The port of the last embedded server on this data dir, from its dev-token file (local URLs only). */
export function rememberedPort(file: string): number | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { url?: unknown };
    if (typeof parsed.url !== "string") return undefined;
    const url = new URL(parsed.url);
    if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname)) return undefined;
    const port = Number(url.port);
    return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
  } catch {
    return undefined;
  }
}

function readDevTokenApp(file: string): { identifier: string; version: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { app?: { identifier?: unknown; version?: unknown } };
    const app = parsed.app;
    if (app && typeof app.identifier === "string" && typeof app.version === "string") return { identifier: app.identifier, version: app.version };
  } catch {
    // unreadable: the warning is best effort
  }
  return undefined;
}

/** `--no-reload`: the app's registry loaded into this process, served by one agent until Ctrl+C. */
async function serveInProcess(
  options: RunDevOptions,
  logger: Logger,
  platform: Platform,
  registryFile: string,
  name: string | undefined,
  devServer: boolean,
  drainTimeoutMs: number,
): Promise<RunningApp> {
  const { endpoint, server } = platform;
  try {
    const registry = await loadRegistry(registryFile);
    const { connect } = await import("../../index.js");
    // Until the agent serves, a failure is thrown and reported once by the CLI: the library's own
    // error lines about it would only repeat it.
    let serving = false;
    const agentLogger: Logger = { ...quiet(logger), error: (m) => (serving ? logger.error(m) : logger.debug(m)) };
    let agent: AgentHandle;
    try {
      agent = await connect({
        url: endpoint.url,
        token: endpoint.token,
        registry,
        devTokenFile: false,
        closeTimeoutMs: drainTimeoutMs,
        ...(name ? { name } : {}),
        ...(options.force ? { force: true } : {}),
        logger: agentLogger,
        onTaskEnd: (end) => process.stdout.write(taskEndLines(end, registry, true)),
      });
    } catch (error) {
      throw platformUserError(error, endpoint) ?? error;
    }
    serving = true;
    const served = Object.values(agent.implementations).map((impl) => ({
      key: registry.entries[impl.interface]?.implementation.definition.key ?? impl.interface,
      hash: impl.actionHash,
    }));
    return {
      endpoint,
      devServer,
      app: platform.app,
      agentId: agent.agentId,
      served,
      // a close() of ours is no failure: only a stop with an error settles it
      failed: agent.closed.then((stop) =>
        stop.error ? { message: `${stop.error.message} (${stop.error.hint})`, code: stop.error.code } : new Promise<AgentFailure>(() => undefined),
      ),
      hostsPlatform: server !== undefined,
      async stopApp() {
        await agent.close();
      },
      async stop() {
        await agent.close();
        await server?.close();
      },
    };
  } catch (error) {
    await server?.close();
    throw error;
  }
}

/** Loads a TypeScript registry through tsx, so an app needs no build step while developing. */
async function loadRegistry(file: string): Promise<Registry> {
  // A process-wide loader (not tsImport's private namespace): the app's `import "arkitekt-next"`
  // must resolve to the same module instances as this CLI's, or `context()` would not see the task.
  const { register } = await import("tsx/esm/api");
  register();
  let mod: { registry?: Registry };
  try {
    mod = (await import(pathToFileURL(file).href)) as { registry?: Registry };
  } catch (error) {
    const appDir = resolve(file, "..", "..");
    throw new UserError(
      `loading the app failed${userFrame(error, appDir)}: ${describe(error)}`,
      loadErrorHint(error, appDir, "fix the error in your code; `arkitekt-next run dev` loads every file that registers functions"),
    );
  }
  if (!mod.registry || typeof mod.registry !== "object" || !("entries" in mod.registry)) {
    throw new UserError(`${file} does not export a registry`, "run `arkitekt-next gen` again: the file was edited or is stale");
  }
  return mod.registry;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
}

/** Library logs go to debug, except warnings and errors. */
function quiet(logger: Logger): Logger {
  return { ...logger, info: logger.debug };
}

export function devCommand(): Command {
  return new Command("dev")
    .description("generate, start the embedded dev platform if none is running, and serve this app's functions, reloading on every save")
    .option("--cwd <dir>", "the app directory (default: the current directory)")
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL, else a running or new embedded dev server)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN, else the dev server's)")
    .option("--redeem-token <token>", "log in to a deployment with this redeem token, no browser (default: ARKITEKT_REDEEM_TOKEN; FAKTS_TOKEN gives a claim token directly)")
    .option("--headless", "print the approval URL of a deployment login instead of opening a browser (automatic without a TTY)")
    .option("--no-gen", "do not run `gen` first")
    .option("--no-reload", "one process, no watching: edits need a restart")
    .option("--data <dir>", "the embedded server's data dir", DEFAULT_DATA_DIR)
    .option("--port <port>", "port of the embedded server when this command starts one (default: the port it had last time, else a free one; 0 = a free one)", parsePort)
    .option("--force", "take over the agent when another process serves it (never stops a platform another process hosts)")
    .option("--drain-timeout <ms>", `how long a reload (or Ctrl+C) waits for the old version's in-flight tasks before reporting them CRITICAL (default ${DEFAULT_DRAIN_TIMEOUT_MS})`, parseMilliseconds)
    .option("--replay-window <ms>", "the embedded server's mytasks replay: a new subscription first gets the subscriber's tasks and events of this many last ms (default 10000, 0 = off)", parseMilliseconds)
    .option("--verbose", "print debug logs")
    .addHelpText(
      "after",
      `
Where the platform comes from: --url/--token, else ARKITEKT_URL/ARKITEKT_TOKEN, field by field; with
neither, a dev server whose <data>/dev-token.json answers (the file gives both or neither), else an
embedded dev server started here (stopped on exit) on the port it had last time. A token without a
URL is an error.

${LOGIN_HELP}

The app the platform sees is arkitekt.json's identifier and version (the embedded server's dev
identity takes them): call its functions as <identifier>/<key>.

Reload: a save regenerates generated/ (in a worker thread) and starts the new version in a fresh app
process; the old one stops taking tasks, finishes its in-flight tasks, and hands its connection
over (new tasks wait on the platform meanwhile). Module-level state (caches, counters) starts fresh
with every reload. Problems found by gen, or an app that fails to load, are printed and the last
good version keeps serving. One line per finished task: task <id> <key> <status> <ms> ms, then the
error of a FAILED task and the stack of a CRITICAL one (callers get the short message).

Examples:
  $ arkitekt-next run dev
  $ arkitekt-next run dev --port 8080 --no-reload
  $ ARKITEKT_URL=http://127.0.0.1:8080 ARKITEKT_TOKEN=... arkitekt-next run dev --no-gen`,
    )
    .action(async (options: RunDevOptions) => {
      const logger = cliLogger("run", { verbose: options.verbose ?? false });
      const app = await runDev(options, logger);
      process.stdout.write(`serving ${app.served.length} function(s) as agent ${app.agentId} on ${app.endpoint.url}\n`);
      const prefix = app.app ? `${app.app.identifier}/` : "";
      for (const fn of app.served) process.stdout.write(`  ${fn.key.padEnd(24)} ${fn.hash.slice(0, 12)}\n`);
      process.stdout.write(`call one with: arkitekt-next call ${prefix}<key> key=value ... (or a hash prefix)\n`);
      if (app.devServer) {
        // The token travels in the fragment, which browsers never send: it stays out of every log.
        process.stdout.write(`web UI: ${signInUrl(app.endpoint.url, String(app.endpoint.token))}\n`);
        process.stdout.write(`token: ${app.endpoint.token}\nPress Ctrl+C to stop.\n`);
      }
      let failure: string | undefined;
      await new Promise<void>((resolveStop) => {
        const stop = (signal: string): void => {
          logger.info(`${signal}: stopping; in-flight tasks finish or are reported first`);
          resolveStop();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
        void app.failed.then(async ({ message, code }) => {
          if (code === "ARKITEKT_AGENT_REPLACED" && app.hostsPlatform) {
            // Another `run dev --force` took the agent over and serves on the platform this
            // process hosts: stopping the platform would take it down under the other one.
            await app.stopApp();
            logger.warn(`${message}; this process keeps hosting the platform at ${app.endpoint.url} for it (Ctrl+C stops the platform)`);
            return;
          }
          failure = message;
          resolveStop();
        });
      });
      await app.stop();
      if (failure) {
        logger.error(failure);
        throw new ReportedError(1);
      }
    });
}
