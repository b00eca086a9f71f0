/**
 * Run-time helpers for `generated/registry.ts`: turning validated wire args into the values a
 * function takes (structures expanded, enum names mapped to members, ISO strings to dates) and
 * return values back into wire values (definitions-and-values.md, "Values on the wire").
 *
 * The generator emits a zod schema per action (validation) and a `Codec` per port (conversion);
 * this file interprets codecs, so the generated code stays declarative and small.
 */
import { z } from "zod";
import type { Implementation, JsonValue } from "../../definition/model.js";
import { PortValueError, type Registry, type RegistryEntry } from "../registry.js";

export { z };

/** A structure class as the adapters see it. */
export interface StructureCodecClass {
  readonly identifier: string;
  expand(ref: never): unknown;
}

/** How one port's values convert between the wire and the function. */
export type Codec = (
  | { kind: "INT" | "FLOAT" | "STRING" | "BOOL" | "DATE" }
  | { kind: "ENUM"; choices: readonly string[]; members?: Readonly<Record<string, string | number>> }
  | { kind: "LIST" | "DICT"; child: Codec }
  | { kind: "MODEL"; identifier: string; fields: ReadonlyArray<readonly [string, Codec]> }
  | { kind: "STRUCTURE"; identifier: string; cls: StructureCodecClass }
  | { kind: "UNION"; children: readonly Codec[] }
) & {
  /** The port accepts null. */
  nullable?: boolean;
  /** The function's type has `undefined` but not `null` here (`x?: T`): null becomes undefined. */
  nullAsUndefined?: boolean;
};

/** Exact type equality, used by the generated compile-time signature checks. */
export type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** What a function returns, promises unwrapped. */
export type Returned<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;
/** What a generator function yields. */
export type Yielded<F> = F extends (...args: never[]) => infer R
  ? R extends AsyncGenerator<infer Y, unknown, never> | Generator<infer Y, unknown, never>
    ? Y
    : never
  : never;

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Formats a zod issue path the way PortValueError names ports: `images[2].object`. */
export function portPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) out = join(out, typeof key === "symbol" ? String(key) : (key as string | number));
  return out;
}

/** Validates wire args with `schema`; throws PortValueError naming the first port that does not fit. */
export function parseArgs(schema: z.ZodType, wire: unknown): Record<string, unknown> {
  if (wire === null || typeof wire !== "object" || Array.isArray(wire)) {
    throw new PortValueError("(args)", `args must be an object keyed by port, got ${describe(wire)}`);
  }
  const result = schema.safeParse(wire);
  if (result.success) return result.data as Record<string, unknown>;
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "?";
    throw new PortValueError(join(portPath(issue.path), key), "is not a port of this action (unknown key)");
  }
  throw new PortValueError(portPath(issue.path) || "(args)", issue.message);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Reads an ISO-8601 string; one without an offset (as naive Python datetimes send) is UTC. */
export function parseDate(text: string): Date {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes("T");
  return new Date(hasZone ? text : `${text}Z`);
}

// ------------------------------------------------------------------------------------------------ fast path
//
// Most ports are plain: scalars (INT, FLOAT, STRING, BOOL) and lists/dicts of them. Their values
// need no async work (no STRUCTURE) and no mapping (no ENUM, DATE, UNION, MODEL), so they convert
// in one synchronous loop instead of one promise per element. Whether a codec is plain is decided
// once per codec object (defineEntry asks at definition time; the answer is cached).
//
// The fast path never reports errors itself: when a value does not fit (or is unusual, e.g. a
// sparse array) it gives up with FAIL and the caller reruns the general walker on that value, from
// the same synchronous point. Plain conversions are pure, so the rerun has no side effects, and
// errors (message, port path, and which one wins when several ports fail at once) stay exactly
// those of the general walker.

const FAIL: unique symbol = Symbol("fast path gave up");
type Fast<T> = T | typeof FAIL;

const plainCache = new WeakMap<Codec, boolean>();

/** Whether the codec's tree is only plain scalars and lists/dicts of them (cached per codec). */
function isPlain(codec: Codec): boolean {
  // A malformed codec is the general walker's to report (as a rejection, never a synchronous throw).
  if (typeof codec !== "object" || codec === null) return false;
  let plain = plainCache.get(codec);
  if (plain === undefined) {
    switch (codec.kind) {
      case "INT":
      case "FLOAT":
      case "STRING":
      case "BOOL":
        plain = true;
        break;
      case "LIST":
      case "DICT":
        plain = isPlain(codec.child);
        break;
      default:
        plain = false;
    }
    plainCache.set(codec, plain);
  }
  return plain;
}

/** expandValue for a plain codec, synchronously; FAIL when the general walker must decide. */
function expandPlain(codec: Codec, value: unknown): Fast<unknown> {
  if (value === null || value === undefined) return codec.nullAsUndefined ? undefined : null;
  switch (codec.kind) {
    case "LIST": {
      if (!Array.isArray(value)) return FAIL;
      const child = codec.child;
      const n = value.length;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const item: unknown = value[i];
        if (item === undefined && !(i in value)) return FAIL; // a hole: Array#map skips it
        const v = expandPlain(child, item);
        if (v === FAIL) return FAIL;
        out[i] = v;
      }
      return out;
    }
    case "DICT": {
      const entries = Object.entries(value as Record<string, unknown>);
      const child = codec.child;
      for (const entry of entries) {
        const v = expandPlain(child, entry[1]);
        if (v === FAIL) return FAIL;
        entry[1] = v;
      }
      return Object.fromEntries(entries);
    }
    default:
      return value;
  }
}

/** shrinkValue for a plain codec, synchronously; FAIL when the value does not fit (or is unusual). */
function shrinkPlain(codec: Codec, value: unknown): Fast<JsonValue> {
  if (value === null || value === undefined) return codec.nullable ? null : FAIL;
  switch (codec.kind) {
    case "INT":
      return Number.isInteger(value) ? (value as number) : FAIL;
    case "FLOAT":
      return typeof value === "number" && Number.isFinite(value) ? value : FAIL;
    case "STRING":
      return typeof value === "string" ? value : FAIL;
    case "BOOL":
      return typeof value === "boolean" ? value : FAIL;
    case "LIST": {
      if (!Array.isArray(value)) return FAIL;
      const child = codec.child;
      const n = value.length;
      const out = new Array<JsonValue>(n);
      for (let i = 0; i < n; i++) {
        const item: unknown = value[i];
        if (item === undefined && !(i in value)) return FAIL; // a hole: Array#map skips it
        const v = shrinkPlain(child, item);
        if (v === FAIL) return FAIL;
        out[i] = v;
      }
      return out;
    }
    case "DICT": {
      if (!isPlainObject(value)) return FAIL;
      const entries: Array<[string, unknown]> = Object.entries(value);
      const child = codec.child;
      for (const entry of entries) {
        const v = shrinkPlain(child, entry[1]);
        if (v === FAIL) return FAIL;
        entry[1] = v;
      }
      return Object.fromEntries(entries) as JsonValue;
    }
    default:
      return FAIL;
  }
}

/** Runs a fast converter; anything it throws (a throwing getter, say) is left to the general walker. */
function tryFast<T>(convert: (codec: Codec, value: unknown) => Fast<T>, codec: Codec, value: unknown): Fast<T> {
  try {
    return convert(codec, value);
  } catch {
    return FAIL;
  }
}

// ------------------------------------------------------------------------------------------------ walkers

/** Wire value (already validated) -> the value the function takes. */
export function expandValue(codec: Codec, value: unknown, path: string): Promise<unknown> {
  if (isPlain(codec)) {
    const fast = tryFast(expandPlain, codec, value);
    if (fast !== FAIL) return Promise.resolve(fast);
  }
  // Not `async` and no await before this: the general walker's promise (and so the moment it
  // settles, which decides the error reported when several ports fail) is exactly as before.
  return expandGeneral(codec, value, path);
}

/** The general walker: structures are expanded concurrently; children go through expandValue. */
async function expandGeneral(codec: Codec, value: unknown, path: string): Promise<unknown> {
  if (value === null || value === undefined) return codec.nullAsUndefined ? undefined : null;
  switch (codec.kind) {
    case "INT":
    case "FLOAT":
    case "STRING":
    case "BOOL":
      return value;
    case "DATE":
      return parseDate(value as string);
    case "ENUM":
      return codec.members ? codec.members[value as string] : value;
    case "LIST":
      return Promise.all((value as unknown[]).map((item, i) => expandValue(codec.child, item, join(path, i))));
    case "DICT": {
      const entries = Object.entries(value as Record<string, unknown>);
      const values = await Promise.all(entries.map(([k, v]) => expandValue(codec.child, v, join(path, k))));
      return Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
    }
    case "MODEL": {
      const object = value as Record<string, unknown>;
      const values = await Promise.all(
        codec.fields.map(([key, child]) => expandValue(child, object[key], join(path, key))),
      );
      const out: Record<string, unknown> = {};
      codec.fields.forEach(([key], i) => {
        if (values[i] !== undefined) out[key] = values[i];
      });
      return out;
    }
    case "STRUCTURE": {
      const ref = (value as { object: unknown }).object;
      try {
        return await codec.cls.expand(ref as never);
      } catch (error) {
        throw new PortValueError(path, `could not expand ${codec.identifier} "${String(ref)}": ${message(error)}`);
      }
    }
    case "UNION": {
      const { __use, __value } = value as { __use: number; __value: unknown };
      return expandValue(codec.children[__use]!, __value, path);
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a function value belongs to this codec (used to pick a UNION member). */
export function matches(codec: Codec, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  switch (codec.kind) {
    case "INT":
      return Number.isInteger(value);
    case "FLOAT":
      return typeof value === "number" && Number.isFinite(value);
    case "STRING":
      return typeof value === "string";
    case "BOOL":
      return typeof value === "boolean";
    case "DATE":
      return value instanceof Date;
    case "ENUM":
      return codec.members
        ? Object.values(codec.members).includes(value as string | number)
        : codec.choices.includes(value as string);
    case "LIST":
      return Array.isArray(value);
    case "DICT":
      return isPlainObject(value);
    case "MODEL":
      return isPlainObject(value) && Object.keys(value).every((k) => codec.fields.some(([f]) => f === k));
    case "STRUCTURE":
      return value instanceof (codec.cls as unknown as abstract new (...args: never[]) => unknown);
    case "UNION":
      return codec.children.some((child) => matches(child, value));
  }
}

/** Function value -> wire value; throws PortValueError when the value does not fit the port. */
export function shrinkValue(codec: Codec, value: unknown, path: string): Promise<JsonValue> {
  if (isPlain(codec)) {
    const fast = tryFast(shrinkPlain, codec, value);
    if (fast !== FAIL) return Promise.resolve(fast);
  }
  return shrinkGeneral(codec, value, path);
}

/** The general walker: structures are shrunk concurrently; children go through shrinkValue. */
async function shrinkGeneral(codec: Codec, value: unknown, path: string): Promise<JsonValue> {
  if (value === null || value === undefined) {
    if (codec.nullable) return null;
    throw new PortValueError(path, `is not nullable, but the function gave ${String(value)}`);
  }
  const wrong = (expected: string): never => {
    throw new PortValueError(path, `expected ${expected}, got ${describe(value)}`);
  };
  switch (codec.kind) {
    case "INT":
      return Number.isInteger(value) ? (value as number) : wrong("an integer");
    case "FLOAT":
      return typeof value === "number" && Number.isFinite(value) ? value : wrong("a finite number");
    case "STRING":
      return typeof value === "string" ? value : wrong("a string");
    case "BOOL":
      return typeof value === "boolean" ? value : wrong("a boolean");
    case "DATE":
      return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : wrong("a valid Date");
    case "ENUM": {
      if (codec.members) {
        const name = Object.keys(codec.members).find((key) => codec.members![key] === value);
        return name ?? wrong(`one of ${Object.values(codec.members).map((v) => JSON.stringify(v)).join(", ")}`);
      }
      return codec.choices.includes(value as string)
        ? (value as string)
        : wrong(`one of ${codec.choices.map((v) => JSON.stringify(v)).join(", ")}`);
    }
    case "LIST":
      if (!Array.isArray(value)) return wrong("an array");
      return Promise.all(value.map((item, i) => shrinkValue(codec.child, item, join(path, i))));
    case "DICT": {
      if (!isPlainObject(value)) return wrong("a plain object");
      const entries = Object.entries(value);
      const values = await Promise.all(entries.map(([k, v]) => shrinkValue(codec.child, v, join(path, k))));
      return Object.fromEntries(entries.map(([k], i) => [k, values[i]!]));
    }
    case "MODEL": {
      if (!isPlainObject(value)) return wrong("a plain object");
      const values = await Promise.all(
        codec.fields.map(([key, child]) => shrinkValue(child, value[key], join(path, key))),
      );
      const out: Record<string, JsonValue> = {};
      codec.fields.forEach(([key], i) => {
        out[key] = values[i]!;
      });
      out.__identifier = codec.identifier;
      return out;
    }
    case "STRUCTURE": {
      const shrink = (value as { shrink?: unknown }).shrink;
      if (typeof shrink !== "function") return wrong(`a ${codec.identifier} structure (an object with shrink())`);
      let ref: unknown;
      try {
        ref = await (shrink as () => unknown).call(value);
      } catch (error) {
        throw new PortValueError(path, `could not shrink ${codec.identifier}: ${message(error)}`);
      }
      return { __identifier: codec.identifier, object: ref as JsonValue };
    }
    case "UNION": {
      const index = codec.children.findIndex((child) => matches(child, value));
      if (index < 0) return wrong("a value of one of the union's members");
      return { __use: index, __value: await shrinkValue(codec.children[index]!, value, path) };
    }
  }
}

/** What the generator writes per registered function. */
export interface EntrySpec {
  implementation: Implementation;
  fn: (...args: never[]) => unknown;
  args: z.ZodType;
  argCodecs: ReadonlyArray<readonly [string, Codec]>;
  returnCodecs: readonly Codec[];
}

/**
 * Builds the `RegistryEntry` the agent runs: parseArgs -> expandArgs -> fn -> shrinkReturns.
 * `Check` is the generated compile-time signature check: a tuple of `Same<...>` results, which
 * must all be `true` (tsc fails at the call otherwise).
 */
export function defineEntry<Check extends readonly true[] = []>(spec: EntrySpec & { readonly check?: Check }): RegistryEntry {
  const { implementation, fn, args, argCodecs, returnCodecs } = spec;
  // Decided once here: when every port is plain, a call converts synchronously (see isPlain).
  const argsPlain = argCodecs.every(([, codec]) => isPlain(codec));
  const returnsPlain = returnCodecs.every((codec) => isPlain(codec));
  const expandAll = (parsed: Record<string, unknown>): Promise<unknown[]> =>
    Promise.all(argCodecs.map(([key, codec]) => expandValue(codec, parsed[key], key)));
  return {
    interface: implementation.interface,
    implementation,
    fn,
    parseArgs: (wire) => parseArgs(args, wire),
    expandArgs(parsed) {
      if (argsPlain) {
        const out = new Array<unknown>(argCodecs.length);
        let i = 0;
        for (; i < argCodecs.length; i++) {
          const [key, codec] = argCodecs[i]!;
          const v = tryFast(expandPlain, codec, parsed[key]);
          if (v === FAIL) break;
          out[i] = v;
        }
        if (i === argCodecs.length) return Promise.resolve(out);
      }
      return expandAll(parsed);
    },
    async shrinkReturns(value) {
      if (returnCodecs.length === 0) return {};
      if (returnCodecs.length === 1) {
        if (returnsPlain) {
          const fast = tryFast(shrinkPlain, returnCodecs[0]!, value);
          if (fast !== FAIL) return { return0: fast };
        }
        return { return0: await shrinkGeneral(returnCodecs[0]!, value, "return0") };
      }
      if (!Array.isArray(value) || value.length !== returnCodecs.length) {
        throw new PortValueError("returns", `expected a tuple of ${returnCodecs.length} values, got ${describe(value)}`);
      }
      if (returnsPlain) {
        const out: Record<string, JsonValue> = {};
        let i = 0;
        for (; i < returnCodecs.length; i++) {
          const v = tryFast(shrinkPlain, returnCodecs[i]!, value[i]);
          if (v === FAIL) break;
          out[`return${i}`] = v;
        }
        if (i === returnCodecs.length) return out;
      }
      const values = await Promise.all(returnCodecs.map((codec, i) => shrinkValue(codec, value[i], `return${i}`)));
      return Object.fromEntries(values.map((v, i) => [`return${i}`, v]));
    },
  };
}

/** Builds the registry object `generated/registry.ts` exports. */
export function defineRegistry(hash: string, entries: readonly RegistryEntry[]): Registry {
  return {
    hash,
    implementations: entries.map((entry) => entry.implementation),
    entries: Object.fromEntries(entries.map((entry) => [entry.interface, entry])),
  };
}
