/**
 * `arkitekt-next run dev`: the whole loop for the app in the current directory. Generates
 * `generated/`, finds a platform (flags, environment, a running dev server) or starts the embedded
 * one in-process, loads the app's `generated/registry.ts` and serves it with an agent until
 * Ctrl+C.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { parseMilliseconds, parsePort } from "../options.js";
import { UserError } from "../errors.js";
import { cliLogger } from "../logger.js";
import type { Logger } from "../../shared/logger.js";
import { DEFAULT_DATA_DIR, findEndpoint, platformUserError, type Endpoint } from "../endpoint.js";
import { describePlatformSources } from "../../runtime/config.js";
import { runGen } from "./gen.js";
import { runProdCommand } from "./run-prod.js";
import type { AgentHandle, Registry } from "../../index.js";

export interface RunDevOptions {
  cwd?: string;
  url?: string;
  token?: string;
  gen?: boolean;
  data?: string;
  port?: number;
  force?: boolean;
  /** `--replay-window <ms>` for the embedded server this command starts (server option `replayWindowMs`). */
  replayWindow?: number;
  verbose?: boolean;
}

export interface RunningApp {
  endpoint: Endpoint;
  /** True when this command started the embedded server, or uses a dev server found through its dev-token file. */
  devServer: boolean;
  agent: AgentHandle;
  registry: Registry;
  /** Stops the agent, then the embedded server if this command started it. */
  stop(): Promise<void>;
}

/** Starts the app's agent (and the embedded server when needed); resolves once it serves. */
export async function runDev(options: RunDevOptions, logger: Logger): Promise<RunningApp> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const { loadProjectConfig } = await import("../../codegen/config.js");
  const config = loadProjectConfig(cwd);
  if (!config.functions) {
    throw new UserError(
      `${cwd} registers no functions: it has no tsconfig.json, or arkitekt.json says "functions": false`,
      "run `arkitekt-next run dev` in an app whose tsconfig.json includes files that call register() (see the README)",
    );
  }
  if (options.gen !== false) await runGen({ cwd, verbose: options.verbose ?? false });

  const registry = await loadRegistry(join(cwd, config.functions.out, "registry.ts"));
  const dataDir = resolve(cwd, options.data ?? DEFAULT_DATA_DIR);
  let endpoint = await findEndpoint({ url: options.url, token: options.token }, dataDir);
  let server: { close(): Promise<void> } | undefined;
  if (!endpoint) {
    const { startServer } = await import("../../server/index.js");
    const started = await startServer({
      port: options.port ?? 0,
      dataDir,
      logger: quiet(logger),
      ...(options.replayWindow !== undefined ? { replayWindowMs: options.replayWindow } : {}),
    });
    server = started;
    const file = join(dataDir, "dev-token.json");
    endpoint = { url: started.url, token: started.devToken ?? "", urlFrom: file, tokenFrom: file, devTokenFile: file };
    logger.info(`started the embedded dev platform at ${started.url} (data in ${dataDir})`);
  } else {
    logger.info(`using the platform at ${endpoint.url} (${describePlatformSources(endpoint)})`);
  }
  const devServer = server !== undefined || endpoint.devTokenFile !== undefined;

  const { connect } = await import("../../index.js");
  const name = config.identifier ? `${config.identifier}:${config.version ?? "0.0.0"}` : undefined;
  let agent: AgentHandle;
  // Until the agent serves, a failure is thrown and reported once by the CLI: the library's own
  // error lines about it would only repeat it.
  let serving = false;
  const agentLogger: Logger = { ...quiet(logger), error: (m) => (serving ? logger.error(m) : logger.debug(m)) };
  try {
    agent = await connect({
      url: endpoint.url,
      token: endpoint.token,
      registry,
      ...(name ? { name } : {}),
      ...(options.force ? { force: true } : {}),
      logger: agentLogger,
    });
    serving = true;
  } catch (error) {
    await server?.close();
    throw platformUserError(error, endpoint) ?? error;
  }
  return {
    endpoint,
    devServer,
    agent,
    registry,
    async stop() {
      await agent.close();
      await server?.close();
    },
  };
}

/** Loads a TypeScript registry through tsx, so an app needs no build step while developing. */
async function loadRegistry(file: string): Promise<Registry> {
  if (!existsSync(file)) {
    throw new UserError(`no generated registry at ${file}`, "run `arkitekt-next gen` first (or drop --no-gen)");
  }
  // A process-wide loader (not tsImport's private namespace): the app's `import "arkitekt-next"`
  // must resolve to the same module instances as this CLI's, or `context()` would not see the task.
  const { register } = await import("tsx/esm/api");
  register();
  let mod: { registry?: Registry };
  try {
    mod = (await import(pathToFileURL(file).href)) as { registry?: Registry };
  } catch (error) {
    throw new UserError(`loading the app failed${userFrame(error, dirname(dirname(file)))}: ${describe(error)}`, "fix the error in your code; `arkitekt-next run dev` loads every file that registers functions");
  }
  if (!mod.registry || typeof mod.registry !== "object" || !("entries" in mod.registry)) {
    throw new UserError(`${file} does not export a registry`, "run `arkitekt-next gen` again: the file was edited or is stale");
  }
  return mod.registry;
}

/** " at src/x.ts:3:7" for the first stack frame inside the app (not node_modules), or "". */
function userFrame(error: unknown, appDir: string): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const match of stack.matchAll(/\(?((?:file:\/\/)?\/[^():\s]+):(\d+):(\d+)\)?/g)) {
    const path = match[1]!.replace(/^file:\/\//, "");
    if (path.startsWith(appDir) && !path.includes("/node_modules/")) return ` at ${relative(appDir, path)}:${match[2]}:${match[3]}`;
  }
  return "";
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
}

/** Library logs go to debug, except warnings and errors. */
function quiet(logger: Logger): Logger {
  return { ...logger, info: logger.debug };
}

export function runCommand(): Command {
  const run = new Command("run").description("run an app's agent against a platform");
  run
    .command("dev")
    .description("generate, start the embedded dev platform if none is running, and serve this app's functions")
    .option("--cwd <dir>", "the app directory (default: the current directory)")
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL, else a running or new embedded dev server)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN, else the dev server's)")
    .option("--no-gen", "do not run `gen` first")
    .option("--data <dir>", "the embedded server's data dir", DEFAULT_DATA_DIR)
    .option("--port <port>", "port of the embedded server when this command starts one (0 = free)", parsePort)
    .option("--force", "take over the agent when another process serves it")
    .option("--replay-window <ms>", "the embedded server's mytasks replay: a new subscription first gets the subscriber's tasks and events of this many last ms (default 10000, 0 = off)", parseMilliseconds)
    .option("--verbose", "print debug logs")
    .addHelpText(
      "after",
      `
Where the platform comes from: --url/--token, else ARKITEKT_URL/ARKITEKT_TOKEN, field by field; with
neither, a dev server whose <data>/dev-token.json answers (the file gives both or neither), else an
embedded dev server started here (stopped on exit). A URL without a token (or the reverse) is an error.

Examples:
  $ arkitekt-next run dev
  $ ARKITEKT_URL=http://127.0.0.1:8080 ARKITEKT_TOKEN=... arkitekt-next run dev --no-gen`,
    )
    .action(async (options: RunDevOptions) => {
      const logger = cliLogger("run", { verbose: options.verbose ?? false });
      const app = await runDev(options, logger);
      const served = Object.values(app.agent.implementations);
      process.stdout.write(`serving ${served.length} function(s) as agent ${app.agent.agentId} on ${app.endpoint.url}\n`);
      for (const impl of served) {
        const key = app.registry.entries[impl.interface]?.implementation.definition.key ?? impl.interface;
        process.stdout.write(`  ${key.padEnd(24)} ${impl.actionHash.slice(0, 12)}\n`);
      }
      process.stdout.write(`call one with: arkitekt-next call <key or hash> key=value ...\n`);
      if (app.devServer) {
        process.stdout.write(`token: ${app.endpoint.token}\nPress Ctrl+C to stop.\n`);
      }
      await new Promise<void>((resolveStop) => {
        const stop = (signal: string): void => {
          logger.info(`${signal}: stopping; in-flight tasks finish or are reported first`);
          resolveStop();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
        void app.agent.closed.then((stopped) => {
          if (stopped.error) logger.error(stopped.error.message);
          resolveStop();
        });
      });
      await app.stop();
    });
  run.addCommand(runProdCommand());
  return run;
}
