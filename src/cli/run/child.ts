/**
 * The app process of `run dev` (with reload): user code lives here, so a reload can replace it
 * (ES modules cannot be unloaded). Spawned by the supervisor (supervisor.ts) with an IPC channel,
 * it warms up at once (tsx's loader and the runtime), then waits for orders:
 *
 *   load {registryFile}            -> loaded {functions} | failed {message, hint}
 *   connect {url, token, ...}      -> connected {agentId, served} | failed {message, hint}
 *   drain                          -> drained          (stops taking tasks, finishes in-flight ones)
 *   close                          -> closed, then exits (finishes in-flight tasks, closes 1000)
 *
 * and reports `task {text}` (its log lines) once per finished task and `stopped {error}`
 * when its agent stops on its own. When the parent goes away, it exits.
 */
import { taskEndLines } from "../task-log.js";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import type { AgentHandle, Registry } from "../../index.js";
import { cliLogger } from "../logger.js";
import type { Logger } from "../../shared/logger.js";
import type { ChildMessage, ParentMessage } from "./messages.js";
import { loadErrorHint, userFrame } from "../app-loading.js";
import { explainPlatformFailure } from "../../runtime/config.js";

function send(message: ChildMessage): void {
  process.send?.(message);
}

const verbose = process.env.ARKITEKT_RUN_VERBOSE === "1";
const base = cliLogger("app", { verbose });
/** After a drain, this process is on its way out: the takeover's close (4005) is expected, not an error. */
let leaving = false;
/** Until the agent serves, a failure is answered to the parent, which reports it once: the library's own error lines would repeat it. */
let serving = false;
const logger: Logger = {
  debug: base.debug,
  info: base.debug,
  warn: (m) => (leaving ? base.debug(m) : base.warn(m)),
  error: (m) => (leaving || !serving ? base.debug(m) : base.error(m)),
};

// Warm up while the parent generates and starts the platform: tsx's process-wide loader (so the
// app's `import "arkitekt-next"` is this package's instance: `context()` sees the task), the runtime.
const { register } = await import("tsx/esm/api");
register();
const runtime = await import("../../index.js");

let registry: Registry | undefined;
let agent: AgentHandle | undefined;

process.on("disconnect", () => process.exit(0));
// Ctrl+C in a terminal reaches the whole process group: the parent decides (in-flight tasks finish first).
process.on("SIGINT", () => undefined);
process.on("message", (message: ParentMessage) => {
  void handle(message).catch((error: unknown) => {
    send({ type: "failed", message: describe(error), hint: hintOf(error) });
  });
});
send({ type: "spare" });

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case "load": {
      registry = await loadRegistry(message.registryFile);
      send({ type: "loaded", functions: Object.keys(registry.entries).length });
      return;
    }
    case "connect": {
      if (!registry) throw new Error("connect before load");
      const loaded = registry;
      const entries = registry.entries;
      try {
        agent = await runtime.connect({
          // after a fakts login: log in again from the claim the parent cached (no approval)
          ...(message.fakts
            ? { url: message.fakts.deployment, app: message.fakts.app, fakts: { cacheDir: message.fakts.cacheDir, headless: true } }
            : { url: message.url, token: message.token }),
          registry,
          devTokenFile: false,
          sessionId: message.sessionId,
          ...(message.name ? { name: message.name } : {}),
          ...(message.force ? { force: true } : {}),
          ...(message.drainTimeoutMs !== undefined ? { closeTimeoutMs: message.drainTimeoutMs } : {}),
          logger,
          onTaskEnd: (end) => send({ type: "task", text: taskEndLines(end, loaded, true) }),
        });
      } catch (error) {
        // the CLI's wording for an unreachable URL or a refused token, naming where each came from
        const failure = explainPlatformFailure(error, {
          url: message.url,
          urlFrom: message.urlFrom,
          tokenFrom: message.tokenFrom,
          devTokenFile: message.devTokenFile,
        });
        send({ type: "failed", message: failure?.message ?? describe(error), hint: failure?.hint ?? hintOf(error) });
        return;
      }
      serving = true;
      void agent.closed.then((stop) => {
        if (!leaving) send({ type: "stopped", ...(stop.error ? { message: stop.error.message, hint: stop.error.hint, code: stop.error.code } : {}) });
      });
      const served = Object.values(agent.implementations).map((impl) => ({
        key: entries[impl.interface]?.implementation.definition.key ?? impl.interface,
        hash: impl.actionHash,
      }));
      send({ type: "connected", agentId: agent.agentId, implemented: agent.implemented, served });
      return;
    }
    case "drain": {
      leaving = true;
      await agent?.drain();
      send({ type: "drained" });
      return;
    }
    case "close": {
      leaving = true;
      await agent?.close();
      send({ type: "closed" });
      process.disconnect?.();
      process.exit(0);
    }
  }
}

/** Loads the generated registry (TypeScript, through tsx), so an app needs no build step while developing. */
async function loadRegistry(file: string): Promise<Registry> {
  let mod: { registry?: Registry };
  try {
    mod = (await import(pathToFileURL(file).href)) as { registry?: Registry };
  } catch (error) {
    const appDir = dirname(dirname(file));
    throw withHint(
      `loading the app failed${userFrame(error, appDir)}: ${describe(error)}`,
      loadErrorHint(error, appDir, "fix the error in your code; `arkitekt-next run dev` loads every file that registers functions"),
    );
  }
  if (!mod.registry || typeof mod.registry !== "object" || !("entries" in mod.registry)) {
    throw withHint(`${file} does not export a registry`, "run `arkitekt-next gen` again: the file was edited or is stale");
  }
  return mod.registry;
}

function withHint(message: string, hint: string): Error {
  return Object.assign(new Error(message), { hint });
}

function hintOf(error: unknown): string | undefined {
  const hint = (error as { hint?: unknown } | null)?.hint;
  return typeof hint === "string" ? hint : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name === "Error" || error.message.startsWith("loading the app") ? "" : `${error.name}: `}${error.message}`;
}
