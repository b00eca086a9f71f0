/**
 * Agent state (`defineState`): a named, typed value the agent publishes to the platform. Declared
 * at module level (`export const counter = defineState("counter", { count: 0 as Int })`), read and
 * changed inside registered functions (`counter.get()`, `counter.update((s) => ...)`).
 *
 * `arkitekt-next gen` finds each `defineState` call, derives the state's ports from the value's
 * type and writes the state into `generated/registry.ts`; `connect()` declares it in
 * `implementAgent(input.states)`. The agent sends every state's value in SESSION_INIT when its
 * session starts, one STATE_PATCH per changed location (RFC 6902 operation on an RFC 6901 pointer,
 * as rekuest-next sends them) while connected, and a STATE_SNAPSHOT of every state after a
 * reconnect, so changes made while disconnected reach the platform too.
 */
import { isDeepStrictEqual } from "node:util";
import { ArkitektError } from "../shared/errors.js";
import { currentContext } from "./context.js";

/** One change of a state, as STATE_PATCH carries it (`value` absent for `remove`). */
export interface StatePatchOp {
  op: "add" | "remove" | "replace";
  /** RFC 6901 pointer into the state's value, e.g. `/count`, `/items/-`. */
  path: string;
  value?: unknown;
}

/** What a state tells the agents serving it after each change. */
export interface StateChange {
  state: string;
  ops: readonly StatePatchOp[];
  /** The task whose function made the change; null outside a task (a startup hook, a timer). */
  taskId: string | null;
  /** Milliseconds since the epoch. */
  at: number;
}

/** A deeply read-only view of a state's value. */
export type ReadonlyDeep<T> = unknown extends T
  ? T
  : T extends string | number | boolean | bigint | symbol | null | undefined
  ? T // primitives, and flavours of them such as Int
  : T extends readonly (infer E)[]
    ? readonly ReadonlyDeep<E>[]
    : { readonly [K in keyof T]: ReadonlyDeep<T[K]> };

/** What the agent needs of a state to publish it (any `AgentState<T>` is one). */
export interface PublishedState {
  /** The state's name on the platform (its interface), as passed to `defineState`. */
  readonly name: string;
  /** The current value (frozen). */
  get(): unknown;
  /** Called after each change (the agent publishes through this); returns the unsubscribe function. */
  subscribe(listener: (change: StateChange) => void): () => void;
}

/** A state of this agent: its current value and how to change it. */
export interface AgentState<T extends object> extends PublishedState {
  /** The current value (frozen: change it with `set` or `update`). */
  get(): ReadonlyDeep<T>;
  /** Replaces the value (it is copied); each changed location is published as one STATE_PATCH. */
  set(value: ReadonlyDeep<T>): void;
  /** `set(change(current))`: the function gets the current (frozen) value and answers the next one, e.g. `(s) => ({ ...s, count: s.count + 1 })`. */
  update(change: (current: ReadonlyDeep<T>) => ReadonlyDeep<T>): void;
}

/** A value a state cannot hold (not plain JSON data). */
export class StateValueError extends ArkitektError {
  override readonly name = "StateValueError";
  readonly code = "ARKITEKT_STATE_VALUE";
  constructor(
    message: string,
    /** What to do about it. */
    override readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * Declares a state of this agent. `name` must be a string literal and `initial` an object of plain
 * data (numbers, strings, booleans, null, arrays, nested objects): `arkitekt-next gen` reads both
 * from the source. Call it once, at module level, and export the result.
 *
 * ```ts
 * export const counter = defineState("counter", { count: 0 as Int, last: null as string | null });
 * ```
 */
export function defineState<T extends object>(name: string, initial: T): AgentState<T> {
  if (typeof name !== "string" || name.length === 0) {
    throw new StateValueError(`defineState: the name must be a non-empty string, got ${JSON.stringify(name)}`, "pass the state's name as a string literal, e.g. defineState(\"counter\", {...})");
  }
  return new StateCell<T>(name, initial);
}

class StateCell<T extends object> implements AgentState<T> {
  #value: ReadonlyDeep<T>;
  readonly #listeners = new Set<(change: StateChange) => void>();

  constructor(
    readonly name: string,
    initial: T,
  ) {
    if (!isPlainObject(initial)) {
      throw new StateValueError(`defineState("${name}"): the initial value must be an object of plain data, got ${describe(initial)}`, "pass an object literal, e.g. { count: 0 }");
    }
    this.#value = frozenCopy(initial, name) as ReadonlyDeep<T>;
  }

  get(): ReadonlyDeep<T> {
    return this.#value;
  }

  set(value: ReadonlyDeep<T>): void {
    if (!isPlainObject(value)) {
      throw new StateValueError(`state "${this.name}": the value must be an object of plain data, got ${describe(value)}`, "answer an object from update(), e.g. (s) => ({ ...s, count: s.count + 1 })");
    }
    const next = frozenCopy(value, this.name) as ReadonlyDeep<T>;
    const ops: StatePatchOp[] = [];
    diff(this.#value, next, "", ops);
    this.#value = next;
    if (ops.length === 0) return;
    const change: StateChange = { state: this.name, ops, taskId: currentContext()?.taskId ?? null, at: Date.now() };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // a publisher must not break the user's function
      }
    }
  }

  update(change: (current: ReadonlyDeep<T>) => ReadonlyDeep<T>): void {
    this.set(change(this.#value));
  }

  subscribe(listener: (change: StateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an instance of ${(value as object).constructor?.name ?? "a class"}`;
  return typeof value;
}

/**
 * A frozen copy of plain JSON data: what the platform will hold. Refuses what JSON cannot carry
 * faithfully (functions, class instances, Map/Set/Date, non-finite numbers), naming the location;
 * an `undefined` field is left out, as JSON leaves it out.
 */
/** Deepest nesting a state value may have (the platform's stored-input nesting limit). */
export const MAX_STATE_DEPTH = 64;
/** Largest JSON text of one state value: a snapshot of the states must fit one agent frame (16 MiB on the server). */
export const MAX_STATE_BYTES = 8 * 1024 * 1024;

/** A frozen deep copy of `value` as JSON will carry it, or a `StateValueError` naming the place that cannot. */
function frozenCopy(value: unknown, state: string): unknown {
  const copy = copyAt(value, state, "", 0, new Set());
  const bytes = Buffer.byteLength(JSON.stringify(copy));
  if (bytes > MAX_STATE_BYTES) {
    throw new StateValueError(
      `state "${state}" would be ${bytes} bytes of JSON, over the limit of ${MAX_STATE_BYTES} (every state travels in one snapshot frame)`,
      "keep large data out of state: store it as a file (upload()) and keep its id in the state",
    );
  }
  return copy;
}

function copyAt(value: unknown, state: string, path: string, depth: number, ancestors: Set<object>): unknown {
  const where = () => `state "${state}" at ${path === "" ? "its root" : path}`;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new StateValueError(`${where()}: ${value} cannot be published (JSON has no such number)`, "keep finite numbers in state, or null");
    return value;
  }
  if (typeof value === "object" && (Array.isArray(value) || isPlainObject(value))) {
    if (ancestors.has(value)) throw new StateValueError(`${where()}: the value contains itself (a cycle), which JSON cannot carry`, "publish a tree: replace the back reference by an id");
    if (depth >= MAX_STATE_DEPTH) throw new StateValueError(`${where()}: nested deeper than ${MAX_STATE_DEPTH} levels`, "flatten the state: keep at most 64 levels of arrays and objects");
    ancestors.add(value);
    try {
      if (Array.isArray(value)) {
        return Object.freeze(value.map((item, i) => (item === undefined ? null : copyAt(item, state, `${path}/${i}`, depth + 1, ancestors))));
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        // defined, not assigned: an own "__proto__" key (JSON.parse makes them) stays data, never the copy's prototype
        Object.defineProperty(out, key, { value: copyAt(item, state, `${path}/${escapePointer(key)}`, depth + 1, ancestors), enumerable: true, writable: true, configurable: true });
      }
      return Object.freeze(out);
    } finally {
      ancestors.delete(value);
    }
  }
  throw new StateValueError(`${where()}: ${describe(value)} cannot be published as JSON`, "keep plain data in state (numbers, strings, booleans, null, arrays, objects); pass files and large data by reference");
}

/** RFC 6901: `~` as `~0`, `/` as `~1`. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * The RFC 6902 operations that turn `before` into `after`: objects are compared key by key (a new
 * key `add`, a gone one `remove`), an array that only grew gets one `add` at `/-` per new item (as
 * rekuest-next's append), anything else that differs is one `replace`.
 */
export function diff(before: unknown, after: unknown, path: string, out: StatePatchOp[]): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.prototype.hasOwnProperty.call(after, key)) out.push({ op: "remove", path: `${path}/${escapePointer(key)}` });
    }
    for (const [key, value] of Object.entries(after)) {
      const at = `${path}/${escapePointer(key)}`;
      if (!Object.prototype.hasOwnProperty.call(before, key)) out.push({ op: "add", path: at, value });
      else diff(before[key], value, at, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && after.length > before.length && before.every((item, i) => isDeepStrictEqual(item, after[i]))) {
    for (const item of after.slice(before.length)) out.push({ op: "add", path: `${path}/-`, value: item });
    return;
  }
  out.push({ op: "replace", path, value: after });
}

/** A state as generated `registry.ts` binds it: the state object and its StateImplementationInput. */
export interface RegistryState {
  readonly state: PublishedState;
  /** `implementAgent`'s StateImplementationInput: `{ interface, definition: { name, ports } }`. */
  readonly implementation: StateImplementation;
}

export interface StateImplementation {
  readonly interface: string;
  readonly definition: { readonly name: string; readonly ports: readonly unknown[] };
}
