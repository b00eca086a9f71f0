/**
 * Calling a dependency from inside a task (issue 16). A function registered with
 * `register(fn, { dependencies: { segment: { app, key } } })` gets, while it runs,
 * `context().dependency("segment")`: a client whose calls go to the implementation the platform
 * resolved for this task, as `assign` with `dependency` + `method` + `parent` (routing order in
 * docs/spec/platform-api.md). It is an `ArkitektClient`, so the typed stubs work over it
 * unchanged: `createActions(context().dependency("segment")).segment_cells(args)` sends
 * `{ dependency: "segment", method: "segment_cells" }` (the slot's key is the action key).
 *
 * A dependency the platform cannot serve (not resolved for this task, its agents gone) rejects the
 * call with `DependencyError`, naming the dependency and how to resolve it; thrown out of the
 * function, it ends the task FAILED with that message (task-run.ts).
 */
import type { AgentDependency } from "../definition/model.js";
import { ArkitektError, isArkitektError } from "../shared/errors.js";
import { AssignError } from "./caller/errors.js";
import { ArkitektClient, type CallOptions, type CallTarget } from "./caller/client.js";
import type { CallerPlatform } from "./caller/platform.js";
import type { MediaPlatform } from "./media/platform.js";

/** A dependency that cannot be called: undeclared, unresolved for this task, or its agents gone. */
export class DependencyError extends ArkitektError {
  override readonly name = "DependencyError";
  readonly code = "ARKITEKT_DEPENDENCY_UNAVAILABLE";
  constructor(
    /** The dependency key (`register(fn, { dependencies: { <key>: ... } })`). */
    readonly dependency: string,
    message: string,
    override readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A platform for the view's base class: never used, since the view delegates every call. */
const NO_PLATFORM: CallerPlatform = {
  assign: () => Promise.reject(new Error("a dependency client assigns through its agent's client")),
  cancel: () => Promise.resolve(),
  interrupt: () => Promise.resolve(),
  taskEvents: () => Promise.resolve([]),
  findAction: () => Promise.reject(new Error("a dependency client finds no actions")),
  // eslint-disable-next-line require-yield
  async *watchMyTasks() {
    return;
  },
  close: () => Promise.resolve(),
};

/** How to make a dependency servable, for hints. */
function resolveHint(dep: AgentDependency | undefined): string {
  const app = dep?.app ? ` of app "${dep.app}"` : "";
  const actions = dep && dep.actionDependencies.length > 0 ? ` serving ${dep.actionDependencies.map((a) => `"${a.key}"`).join(", ")}` : "";
  return `start an agent${app}${actions}, or resolve the dependency on the platform (autoResolve / createResolution) and assign with that resolution`;
}

/**
 * The methods a stub's target names: `{app, key}` (the typed stubs) → the action key; `{dependency,
 * method}` as given. Other targets (a hash, an id) cannot name a slot.
 */
function methodOf(key: string, target: CallTarget): string {
  if (typeof target === "object" && "dependency" in target) {
    if (target.dependency !== key) throw new DependencyError(key, `a call through dependency "${key}" names dependency "${target.dependency}"`, `call context().dependency("${target.dependency}") instead`);
    return target.method;
  }
  if (typeof target === "object" && "key" in target && "app" in target) return target.key;
  throw new DependencyError(
    key,
    `a call through dependency "${key}" must name the action by key (a typed stub, or { dependency, method }), not ${typeof target === "string" ? "a hash" : JSON.stringify(target)}`,
    `use createActions(context().dependency("${key}")) or context().dependency("${key}").call({ dependency: "${key}", method: "<action key>" }, args)`,
  );
}

/**
 * The client a task uses to call one of its dependencies: every call goes through `agentClient`
 * as `{ dependency, method }` with this task as parent. Closing it does nothing (the agent's
 * client lives as long as the agent).
 */
export class DependencyClient extends ArkitektClient {
  constructor(
    readonly dependency: string,
    readonly declared: AgentDependency | undefined,
    private readonly agentClient: ArkitektClient,
    private readonly parent: string,
    private readonly task?: DependencyTask,
  ) {
    super(NO_PLATFORM);
  }

  #options<A, R>(options: CallOptions<A, R>): CallOptions<A, R> {
    if (options.parent !== undefined && options.parent !== this.parent) {
      throw new DependencyError(
        this.dependency,
        `a call through dependency "${this.dependency}" belongs to task ${this.parent}; parent: ${JSON.stringify(options.parent)} was given`,
        "leave parent out: the task the call is made from is its parent",
      );
    }
    if (this.task?.over()) {
      throw new DependencyError(this.dependency, `task ${this.parent} has ended: its dependency "${this.dependency}" cannot be called any more`, "call dependencies only while the task that declares them runs (do not keep context().dependency(...) past it)");
    }
    // the calls end with the task: cancelling or interrupting it cancels them too (review)
    const signal = this.task ? (options.signal ? AbortSignal.any([options.signal, this.task.signal]) : this.task.signal) : options.signal;
    return { ...options, parent: this.parent, ...(signal ? { signal } : {}) };
  }

  #explain(method: string, error: unknown): unknown {
    if (!isArkitektError(error, AssignError)) return error;
    const remote = error.message.replace(/^could not assign dependency "[^"]*" method "[^"]*": /, "");
    return new DependencyError(
      this.dependency,
      `dependency "${this.dependency}" (method "${method}") cannot be called: ${remote}`,
      resolveHint(this.declared),
      { cause: error },
    );
  }

  override async call<A = Record<string, unknown>, R = Record<string, unknown>>(target: CallTarget, args: A, options: CallOptions<A, R> = {}): Promise<R> {
    const method = methodOf(this.dependency, target);
    try {
      return await this.agentClient.call({ dependency: this.dependency, method }, args, this.#options(options));
    } catch (error) {
      throw this.#explain(method, error);
    }
  }

  override iterate<A = Record<string, unknown>, R = Record<string, unknown>>(target: CallTarget, args: A, options: CallOptions<A, R> = {}): AsyncIterable<R> {
    const method = methodOf(this.dependency, target);
    const inner = this.agentClient.iterate({ dependency: this.dependency, method }, args, this.#options(options));
    const explain = (error: unknown) => this.#explain(method, error);
    return {
      [Symbol.asyncIterator]() {
        const it = inner[Symbol.asyncIterator]();
        return {
          next: () => it.next().catch((error: unknown) => Promise.reject(explain(error))),
          return: () => it.return?.() ?? Promise.resolve({ done: true, value: undefined }),
        };
      },
    };
  }

  override media(): MediaPlatform {
    return this.agentClient.media();
  }

  override async close(): Promise<void> {}
}

/**
 * `context().dependency(key)` of a task of an implementation declaring `dependencies`: refuses a key
 * the implementation does not declare at once (naming the declared ones).
 */
/** The task a dependency client belongs to: its calls end with it. */
export interface DependencyTask {
  /** Aborted when the task is cancelled or interrupted: the calls it made are cancelled too. */
  signal: AbortSignal;
  /** True once the task ended: a client kept past it refuses to call. */
  over: () => boolean;
}

export function dependencyClient(key: string, declared: readonly AgentDependency[], agentClient: () => ArkitektClient, parent: string, task?: DependencyTask): DependencyClient {
  const dep = declared.find((d) => d.key === key);
  if (!dep) {
    const known = declared.map((d) => `"${d.key}"`).join(", ");
    throw new DependencyError(
      key,
      `this function declares no dependency "${key}"${known ? `; it declares ${known}` : ""}`,
      `declare it: register(fn, { dependencies: { ${key}: { app: "...", key: "..." } } }), then run arkitekt-next gen`,
    );
  }
  return new DependencyClient(key, dep, agentClient(), parent, task);
}
