/**
 * `run dev`'s reload: the platform and the generator stay in this process; user code runs in an
 * app process (child.ts) that is replaced on every change, because ES modules cannot be unloaded.
 *
 * A spare app process is always warming up (tsx and the runtime loaded). On a change that
 * regenerated without problems:
 *
 *   1. the spare loads the new registry (a load error is shown; the serving process stays);
 *   2. the serving process drains: it stops taking tasks (the platform keeps new ASSIGNs and
 *      delivers them to the next connection), finishes its in-flight tasks and waits for their
 *      acknowledgements, while its socket stays open and live;
 *   3. the spare connects with the same session id and `force`, so the platform hands the agent's
 *      connection over at once (no moment without a live agent: calls are never refused) and
 *      re-registers definitions that changed (`implementAgent` when the registry hash differs);
 *   4. the old process exits; a new spare starts warming up.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "../../shared/logger.js";
import { AppProcess, AppProcessError } from "./app-process.js";
import type { ChildMessage } from "./messages.js";
import type { Endpoint } from "../endpoint.js";

/** Why the serving agent stopped on its own: the agent's message and its stop code (e.g. ARKITEKT_AGENT_REPLACED). */
export interface AgentFailure {
  message: string;
  code?: string;
}

export interface SupervisorOptions {
  cwd: string;
  registryFile: string;
  url: string;
  token: string;
  name?: string | undefined;
  /** `--force` for the first connection: take over from another process serving this agent. */
  force: boolean;
  drainTimeoutMs: number;
  verbose: boolean;
  logger: Logger;
  /** Where "reloaded" and task lines go. */
  out: NodeJS.WritableStream;
}

export interface Served {
  agentId: string;
  served: Array<{ key: string; hash: string }>;
}

export class Supervisor {
  readonly sessionId = randomUUID();
  #current: AppProcess | undefined;
  #spare: AppProcess | undefined;
  #chain: Promise<void> = Promise.resolve();
  #queued = false;
  #stopping = false;
  #served: Served | undefined;
  /** Resolves when the serving app process stopped on its own and could not be replaced. */
  readonly #failed: { promise: Promise<AgentFailure>; resolve(failure: AgentFailure): void };

  constructor(private readonly options: SupervisorOptions) {
    let resolve!: (failure: AgentFailure) => void;
    this.#failed = { promise: new Promise<AgentFailure>((r) => (resolve = r)), resolve };
  }

  get served(): Served | undefined {
    return this.#served;
  }

  /** Settles when the agent stopped for good (e.g. another process took it over). */
  get failed(): Promise<AgentFailure> {
    return this.#failed.promise;
  }

  #platform: { urlFrom: string; tokenFrom: string; devTokenFile?: string; fakts?: { deployment: string; app: { identifier: string; version: string }; cacheDir: string } } = { urlFrom: "", tokenFrom: "" };

  /**
   * The platform, once known (the first app process warms up before). After a fakts login (a token
   * function) each app process logs in itself from the cached claim: no token crosses the IPC.
   */
  setEndpoint(endpoint: Pick<Endpoint, "url" | "token" | "urlFrom" | "tokenFrom" | "devTokenFile" | "fakts">): void {
    this.options.url = endpoint.url;
    this.options.token = typeof endpoint.token === "string" ? endpoint.token : "";
    this.#platform = {
      urlFrom: endpoint.urlFrom,
      tokenFrom: endpoint.tokenFrom,
      ...(endpoint.devTokenFile ? { devTokenFile: endpoint.devTokenFile } : {}),
      ...(typeof endpoint.token !== "string" && endpoint.fakts ? { fakts: endpoint.fakts } : {}),
    };
  }

  /** Starts warming the first app process (before gen and the platform are ready). */
  warm(): void {
    this.#spare ??= this.#spawn();
  }

  #first: AppProcess | undefined;

  /** Loads the first version (while the platform may still be starting); throws what stops it. */
  async load(): Promise<void> {
    const next = this.#spare ?? this.#spawn();
    this.#spare = undefined;
    this.#first = next;
    try {
      await next.ask({ type: "load", registryFile: this.options.registryFile }, "loaded");
    } catch (error) {
      next.kill();
      throw error;
    }
  }

  /** Connects the loaded first version; throws what stops it (registration errors). */
  async connect(): Promise<Served> {
    const next = this.#first!;
    try {
      const connected = await next.ask(this.#connectMessage(this.options.force), "connected");
      this.#current = next;
      this.#served = { agentId: connected.agentId, served: connected.served };
    } catch (error) {
      next.kill();
      throw error;
    }
    this.#spare = this.#spawn();
    return this.#served;
  }

  /** Replaces the serving app process with one running the current files (queued: at most one waits). */
  reload(startedAt = performance.now()): Promise<void> {
    if (this.#queued) return this.#chain;
    this.#queued = true;
    this.#chain = this.#chain.then(async () => {
      this.#queued = false;
      if (this.#stopping) return;
      await this.#swap(startedAt);
    });
    return this.#chain;
  }

  async #swap(startedAt: number): Promise<void> {
    const { logger, out } = this.options;
    const next = this.#spare?.alive ? this.#spare : this.#spawn();
    this.#spare = undefined;
    let loaded: number;
    try {
      loaded = (await next.ask({ type: "load", registryFile: this.options.registryFile }, "loaded")).functions;
    } catch (error) {
      next.kill();
      this.#spare = this.#spawn();
      logger.error(`${(error as Error).message}${hintText(error)}`);
      logger.warn(this.#current ? "the last good version keeps serving; save again once it is fixed" : "nothing serves until the next save fixes it");
      return;
    }
    const old = this.#current;
    if (old?.alive) {
      const slow = setTimeout(() => logger.info(`waiting for in-flight tasks of the old version to finish (at most ${this.options.drainTimeoutMs} ms; new tasks wait on the platform)`), 300);
      try {
        await old.ask({ type: "drain" }, "drained");
      } catch {
        // it died while draining: the platform reconciles its tasks (grace window); the new one takes over
      } finally {
        clearTimeout(slow);
      }
    }
    let connected: Extract<ChildMessage, { type: "connected" }>;
    try {
      connected = await next.ask(this.#connectMessage(true), "connected");
    } catch (error) {
      next.kill();
      this.#spare = this.#spawn();
      logger.error(`the new version could not register: ${(error as Error).message}${hintText(error)}`);
      logger.warn("new tasks wait on the platform until a save fixes it");
      return;
    }
    this.#current = next;
    this.#served = { agentId: connected.agentId, served: connected.served };
    if (old?.alive) {
      old.kill();
    }
    this.#spare = this.#spawn();
    const ms = Math.round(performance.now() - startedAt);
    out.write(`reloaded (${loaded} function${loaded === 1 ? "" : "s"}${connected.implemented ? ", definitions re-registered" : ""}, ${ms} ms)\n`);
  }

  #connectMessage(force: boolean) {
    return {
      type: "connect" as const,
      url: this.options.url,
      token: this.options.token,
      ...this.#platform,
      sessionId: this.sessionId,
      force,
      drainTimeoutMs: this.options.drainTimeoutMs,
      ...(this.options.name ? { name: this.options.name } : {}),
    };
  }

  #spawn(): AppProcess {
    const app = new AppProcess(this.options.cwd, this.options.verbose);
    app.onEvent = (message) => this.#onEvent(app, message);
    void app.exited.then((how) => {
      if (this.#stopping || app !== this.#current) return;
      this.options.logger.error(`the app process exited unexpectedly (${how}); starting it again (tasks it was running are reported by the platform)`);
      this.#current = undefined;
      void this.reload();
    });
    return app;
  }

  #onEvent(app: AppProcess, message: ChildMessage): void {
    if (message.type === "task") {
      this.options.out.write(message.text);
    } else if (message.type === "stopped" && app === this.#current && !this.#stopping) {
      const text = `${message.message ?? "the agent stopped"}${message.hint ? ` (${message.hint})` : ""}`;
      this.#failed.resolve({ message: text, ...(message.code ? { code: message.code } : {}) });
    }
  }

  /** Closes the serving app process (its in-flight tasks finish or are reported), ends the spare. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#chain.catch(() => undefined);
    this.#spare?.kill();
    if (this.#first !== this.#current) this.#first?.kill();
    const current = this.#current;
    if (current?.alive) {
      try {
        await current.ask({ type: "close" }, "closed");
      } catch {
        // exited on its own
      }
      await Promise.race([current.exited, new Promise((r) => setTimeout(r, 2_000).unref())]);
      current.kill();
    }
  }
}

function hintText(error: unknown): string {
  return error instanceof AppProcessError && error.hint ? `\n  hint: ${error.hint}` : "";
}
