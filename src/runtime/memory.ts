/**
 * Memory structures (issue 16): objects a registered function returns that stay on the agent.
 *
 * A class that `implements MemoryStructure` and has `static identifier = "@app/model"` is a
 * MEMORY_STRUCTURE port (the generator reads the `implements` clause). When such a function
 * returns, the agent keeps the object in its own memory (`AgentMemory`, one per agent) and shelves
 * a drawer for it on its memory shelve (`shelveInMemoryDrawer`, as the released Python client:
 * identifier, a fresh hex `resourceId`, a label). The drawer id travels as the port's value
 * (`{"__identifier": ..., "object": <drawer id>}`, rekuest-next 2.1.2's wire shape).
 *
 * - A task of the same agent receiving that value gets the object itself (the same instance).
 * - A caller anywhere else gets a `MemoryRef<T>` (identifier + drawer id) it can pass back.
 * - A value naming a drawer this agent does not hold fails the task (FAILED) naming the port.
 * - The agent unshelves a drawer when it drops the object: `releaseMemory(obj)` inside a task of
 *   that agent, a COLLECT frame (the platform's `collect`, which `releaseMemory(ref)` sends from a
 *   caller), and every drawer when the agent is closed. A new agent process holds nothing: the
 *   platform empties the shelve at `ensureAgent`.
 *
 * Which side converts a value is explicit: the agent runs its args and returns conversions inside
 * `onAgent(...)` (task-run.ts); everywhere else (a caller's typed stubs, `codecAdapter`) a
 * MEMORY_STRUCTURE value is a reference.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { collectMemoryDrawers, shelveInMemoryDrawer, unshelveMemoryDrawer } from "../../generated/api/rekuest.js";
import { ArkitektError } from "../shared/errors.js";
import type { ArkitektClient } from "./caller/client.js";
import { currentContext } from "./context.js";
import { PortValueError } from "./registry.js";
import type { GraphQLClient } from "./transport/index.js";

/**
 * The memory-structure marker: a class that `implements MemoryStructure` (and has
 * `static identifier = "@app/model"`) stays on the agent that returned it; only a reference
 * travels. Both methods are optional: what the drawer is called on the platform (default: the
 * platform's `identifier@resourceId`) and its description.
 */
export interface MemoryStructure {
  /**
   * Every object has it: with only optional members the marker would be a "weak type", and tsc
   * refuses `implements MemoryStructure` on a class that has none of them (TS2559).
   */
  readonly constructor: Function;
  /** The drawer's label on the platform (e.g. in the web UI's memory shelve). */
  drawerLabel?(): string | Promise<string>;
  /** The drawer's description on the platform. */
  drawerDescription?(): string | Promise<string>;
}

/** The static side of a memory structure class (what the generated codec holds). */
export interface MemoryStructureClass {
  readonly identifier: string;
}

/**
 * A reference to an object held by an agent: its identifier and drawer id. What a caller outside
 * that agent gets for a MEMORY_STRUCTURE return; pass it back as an arg of a function of the same
 * agent, which receives the object itself. `T` is the object's class (typed stubs say which).
 */
export class MemoryRef<T extends MemoryStructure = MemoryStructure> {
  /** Only for typing: the class of the object the reference stands for (never set). */
  declare readonly __object?: T;
  constructor(
    /** The memory structure's identifier, e.g. `@app/model`. */
    readonly identifier: string,
    /** The id of the drawer on the holding agent's memory shelve: the port's wire value. */
    readonly drawer: string,
  ) {}

  /** The wire value: `{"__identifier": ..., "object": <drawer id>}`. */
  toJSON(): { __identifier: string; object: string } {
    return { __identifier: this.identifier, object: this.drawer };
  }

  toString(): string {
    return `${this.identifier}@drawer:${this.drawer}`;
  }
}

/** A memory structure used where it cannot be (release outside its agent, no platform client ...). */
export class MemoryStructureError extends ArkitektError {
  override readonly name = "MemoryStructureError";
  readonly code = "ARKITEKT_MEMORY_STRUCTURE";
  constructor(
    message: string,
    override readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ------------------------------------------------------------------------------------------------ the platform

/** The platform's memory shelves, as the agent and `releaseMemory` use them. */
export interface MemoryPlatform {
  /** `shelveInMemoryDrawer` on the token's agent's shelve; resolves with the drawer id. */
  shelve(input: { identifier: string; resourceId: string; label?: string | null; description?: string | null }): Promise<string>;
  /** `unshelveMemoryDrawer`. */
  unshelve(drawer: string): Promise<void>;
  /** `collect`: the platform sends COLLECT to the holding agents; resolves with the drawers found. */
  collect(drawers: readonly string[]): Promise<string[]>;
}

/** The memory platform over a GraphQL client (the operations of graphql/rekuest/memory.graphql). */
export function graphqlMemory(gql: GraphQLClient): MemoryPlatform {
  return {
    async shelve(input) {
      const drawer = await shelveInMemoryDrawer(gql, { input });
      return drawer.id;
    },
    async unshelve(drawer) {
      await unshelveMemoryDrawer(gql, { input: { id: drawer } });
    },
    async collect(drawers) {
      return collectMemoryDrawers(gql, { input: { drawers: [...drawers] } });
    },
  };
}

// ------------------------------------------------------------------------------------------------ the agent's memory

interface Held {
  readonly identifier: string;
  readonly object: object;
}

/** How many unshelve calls run at once when an agent drops many drawers (close, a large COLLECT). */
const UNSHELVE_BATCH = 16;

/** The objects one agent holds, by drawer id. Made per agent (`agentMemory`). */
export class AgentMemory {
  readonly #byDrawer = new Map<string, Held>();
  /** The drawer of each held object (a promise while it is being shelved: two returns of it share one drawer). */
  readonly #byObject = new Map<object, Promise<string>>();

  constructor(readonly platform: () => MemoryPlatform) {}

  /** How many objects are held. */
  get size(): number {
    return this.#byDrawer.size;
  }

  /** The drawer ids held, oldest first. */
  drawers(): string[] {
    return [...this.#byDrawer.keys()];
  }

  /** Keeps `object` and shelves a drawer for it (once per object); resolves with the drawer id. */
  keep(identifier: string, object: object): Promise<string> {
    const existing = this.#byObject.get(object);
    if (existing) return existing;
    const shelved = (async () => {
      const source = object as MemoryStructure;
      const label = typeof source.drawerLabel === "function" ? await source.drawerLabel() : null;
      const description = typeof source.drawerDescription === "function" ? await source.drawerDescription() : null;
      const drawer = await this.platform().shelve({ identifier, resourceId: randomUUID().replace(/-/g, ""), label, description });
      this.#byDrawer.set(drawer, { identifier, object });
      return drawer;
    })();
    this.#byObject.set(object, shelved);
    shelved.catch(() => this.#byObject.delete(object));
    return shelved;
  }

  /** The held object of `drawer`, or undefined. */
  get(drawer: string): Held | undefined {
    return this.#byDrawer.get(drawer);
  }

  /** The drawer of a held object (resolved), or undefined. */
  drawerOf(object: object): Promise<string> | undefined {
    return this.#byObject.get(object);
  }

  /** Drops the objects of `drawers` (those held) and unshelves their drawers; resolves with the dropped ids. */
  async drop(drawers: readonly string[]): Promise<string[]> {
    const dropped: string[] = [];
    for (const drawer of drawers) {
      const held = this.#byDrawer.get(drawer);
      if (!held) continue;
      this.#byDrawer.delete(drawer);
      this.#byObject.delete(held.object);
      dropped.push(drawer);
    }
    let failure: { drawer: string; reason: unknown } | undefined;
    for (let i = 0; i < dropped.length; i += UNSHELVE_BATCH) {
      const batch = dropped.slice(i, i + UNSHELVE_BATCH);
      const outcomes = await Promise.allSettled(batch.map((drawer) => this.platform().unshelve(drawer)));
      outcomes.forEach((outcome, j) => {
        if (outcome.status === "rejected") failure ??= { drawer: batch[j]!, reason: outcome.reason };
      });
    }
    if (failure) {
      const { drawer, reason } = failure;
      throw new MemoryStructureError(
        `could not unshelve memory drawer ${drawer}: ${reason instanceof Error ? reason.message : String(reason)}`,
        "the object was dropped from the agent's memory; the platform removes the drawer at the agent's next ensureAgent",
        { cause: reason },
      );
    }
    return dropped;
  }

  /** Drops every held object and unshelves every drawer (agent close). */
  async dropAll(): Promise<string[]> {
    return this.drop(this.drawers());
  }
}

/** One memory per agent: keyed by the agent's platform client (`context().client`, one per agent). */
const memories = new WeakMap<ArkitektClient, AgentMemory>();

/** The memory of the agent whose platform client is `client` (made on first use). */
export function agentMemory(client: ArkitektClient): AgentMemory {
  let memory = memories.get(client);
  if (!memory) {
    memory = new AgentMemory(() => client.memory());
    memories.set(client, memory);
  }
  return memory;
}

/** The memory of the agent of `client` if it ever held something (no memory is made). */
export function existingAgentMemory(client: ArkitektClient | undefined): AgentMemory | undefined {
  return client ? memories.get(client) : undefined;
}

// ------------------------------------------------------------------------------------------------ the agent side of conversions

/** Set while the agent converts a task's args and returns: the memory of that agent (asked lazily). */
const agentSide = new AsyncLocalStorage<{ memory: () => AgentMemory; kept: string[] | undefined }>();

/**
 * Runs `convert` (an agent's args expansion or returns shrinking) as the agent's side: a
 * MEMORY_STRUCTURE value is then the held object, and returned objects are kept in `memory()`.
 */
export function onAgent<T>(memory: () => AgentMemory, convert: () => T, kept?: string[]): T {
  return agentSide.run({ memory, kept }, convert);
}

/** The drawer id of a MEMORY_STRUCTURE wire value (a string, or `{object}`), else undefined. */
function drawerOfWire(value: unknown): { drawer: string; identifier: string | undefined } | undefined {
  if (typeof value === "string") return { drawer: value, identifier: undefined };
  if (typeof value === "object" && value !== null) {
    const { object, __identifier } = value as { object?: unknown; __identifier?: unknown };
    if (typeof object === "string" || typeof object === "number") {
      return { drawer: String(object), identifier: typeof __identifier === "string" ? __identifier : undefined };
    }
  }
  return undefined;
}

/**
 * Wire value -> function value of a MEMORY_STRUCTURE port: on the agent, the held object itself
 * (a drawer it does not hold fails naming the port); elsewhere, a `MemoryRef`.
 */
export function expandMemory(identifier: string, value: unknown, path: string): unknown {
  const wire = drawerOfWire(value);
  if (!wire) throw new PortValueError(path, `expected a memory structure reference (a drawer id, or {"object": "<drawer id>"}), got ${typeof value}`);
  if (wire.identifier !== undefined && wire.identifier !== identifier) {
    throw new PortValueError(path, `expected a reference to a ${identifier}, got one to a ${wire.identifier}`);
  }
  const memory = agentSide.getStore()?.memory;
  if (!memory) return new MemoryRef(identifier, wire.drawer);
  const held = memory().get(wire.drawer);
  if (!held) {
    throw new PortValueError(
      path,
      `memory drawer ${wire.drawer} (${identifier}) is not held by this agent: pass a reference this agent returned since it started (an agent keeps memory structures only while it runs; a released or collected object is gone)`,
    );
  }
  if (held.identifier !== identifier) {
    throw new PortValueError(path, `memory drawer ${wire.drawer} holds a ${held.identifier}, not a ${identifier}`);
  }
  return held.object;
}

/**
 * Function value -> wire value of a MEMORY_STRUCTURE port: on the agent, a returned object is kept
 * and shelved (its drawer id travels); a `MemoryRef` (or a drawer id) travels as it is.
 */
export async function shrinkMemory(identifier: string, cls: MemoryStructureClass | undefined, value: unknown, path: string): Promise<unknown> {
  if (value instanceof MemoryRef) {
    if (value.identifier !== identifier) throw new PortValueError(path, `expected a reference to a ${identifier}, got one to a ${value.identifier}`);
    return { __identifier: identifier, object: value.drawer };
  }
  if (typeof value === "string") return { __identifier: identifier, object: value };
  const side = agentSide.getStore();
  const memory = side?.memory;
  if (!memory) {
    throw new PortValueError(
      path,
      `expected a MemoryRef to a ${identifier} (what a function of its agent returned), got ${describe(value)}: a memory structure stays on the agent that made it, only its reference can be sent`,
    );
  }
  if (typeof value !== "object" || value === null || (cls && !isInstance(cls, value))) {
    throw new PortValueError(path, `expected a ${identifier} (an instance of its class), got ${describe(value)}`);
  }
  let drawer: string;
  try {
    const fresh = memory().drawerOf(value) === undefined;
    drawer = await memory().keep(identifier, value);
    // shelved for this answer: dropped again if the answer is never sent (see TaskRun#shrink)
    if (fresh) side.kept?.push(drawer);
  } catch (error) {
    throw new PortValueError(path, `could not shelve the ${identifier} on the platform: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { __identifier: identifier, object: drawer };
}

/** Whether a function value belongs to a MEMORY_STRUCTURE codec (picks a UNION member). */
export function matchesMemory(identifier: string, cls: MemoryStructureClass | undefined, value: unknown): boolean {
  return (value instanceof MemoryRef && value.identifier === identifier) || (cls !== undefined && isInstance(cls, value));
}

function isInstance(cls: MemoryStructureClass, value: unknown): value is object {
  return typeof cls === "function" && typeof value === "object" && value !== null && value instanceof (cls as unknown as abstract new (...args: never[]) => unknown);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
}

// ------------------------------------------------------------------------------------------------ release

export interface ReleaseOptions {
  /** The platform to ask (for a `MemoryRef`); default: the task's `context().client`, else the default client. */
  client?: ArkitektClient;
}

/**
 * Drops a memory structure and unshelves its drawer. Inside a task, with the object (or a
 * `MemoryRef` to one) its agent holds: dropped at once. Anywhere else, with a `MemoryRef`: the
 * platform's `collect` sends the holding agent a COLLECT frame, and that agent drops it. Resolves
 * with whether something was found to release.
 */
export async function releaseMemory(target: MemoryStructure | MemoryRef, options: ReleaseOptions = {}): Promise<boolean> {
  const ctx = currentContext();
  const client = options.client ?? (ctx ? ctx.client : undefined);
  if (ctx && !options.client) {
    const memory = agentMemory(ctx.client);
    if (target instanceof MemoryRef) {
      if (memory.get(target.drawer)) return (await memory.drop([target.drawer])).length > 0;
    } else {
      const drawer = memory.drawerOf(target);
      if (!drawer) return false;
      return (await memory.drop([await drawer])).length > 0;
    }
  }
  if (!(target instanceof MemoryRef)) {
    throw new MemoryStructureError(
      "releaseMemory(object): the object is not held by an agent in this task",
      "release an object inside a task of the agent that returned it, or pass the MemoryRef a caller got",
    );
  }
  const platformClient = client ?? (await import("./caller/default-client.js")).defaultClient();
  const found = await platformClient.memory().collect([target.drawer]);
  return found.includes(target.drawer);
}
