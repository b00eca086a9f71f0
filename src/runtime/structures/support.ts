/**
 * Run-time helpers for `generated/registry.ts`: turning checked wire args into the values a
 * function takes (structures expanded, enum names mapped to members, ISO strings to dates) and
 * return values back into wire values (docs/spec/definitions-and-values.md, "Values on the wire").
 *
 * Whether a value fits its port is decided in one place, `definition/values.ts`, from the ports
 * of the definition: the generated code no longer carries a validator of its own. The codecs here
 * only convert (function value <-> wire value); a converted value is then checked by that rule.
 * The generator emits a `Codec` per port; this file interprets them, so the generated code stays
 * declarative and small.
 */
import type { Implementation, JsonValue, Port } from "../../definition/model.js";
import {
  checkPorts,
  checkValue,
  describeValue,
  fitsScalar,
  formatProblems,
  problemMessage,
  readDate,
  withDefaults,
  type ValueCheck,
  type ValueProblem,
} from "../../definition/values.js";
import { PortValueError, type Registry, type RegistryEntry } from "../registry.js";
import { expandMemory, matchesMemory, shrinkMemory, type MemoryStructureClass } from "../memory.js";
import type { RegistryState } from "../state.js";

export { checkAbi, GeneratedCodeMismatchError } from "../generated-abi.js";

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
  // Memory structures (issue 16): the object stays on its agent; the drawer id travels (runtime/memory.ts).
  // `cls` (the class, on the agent that holds its objects) is absent in a caller's stubs.
  | { kind: "MEMORY_STRUCTURE"; identifier: string; cls?: MemoryStructureClass }
) & {
  /** The port accepts null. */
  nullable?: boolean;
  /** The function's type has `undefined` but not `null` here (`x?: T`): null becomes undefined. */
  nullAsUndefined?: boolean;
};

/** Exact type equality, used by the generated compile-time signature checks. */
export type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The parameters of a function type (never for anything else). */
type ParamsOf<F> = F extends (...args: infer P) => unknown ? P : never;

/** What the generated compile-time check says when a registered function changed since `gen`. */
export type StaleSignature<Name extends string, What extends string> =
  `${Name}: ${What} changed since generated/ was written — run arkitekt-next gen`;

/**
 * The generated compile-time signature check of one registered function: `"ok"` when `F` still
 * has the parameters and result the manifest was generated from, else a message naming the
 * function, e.g. `"add (src/math.ts): parameters changed since generated/ was written — run
 * arkitekt-next gen"`. The entry functions accept only `"ok"`, so tsc prints that message.
 * `Kind` is "returns" for functions (promises unwrapped) and "yields" for generators.
 *
 * Tuple labels are erased in type comparison: renamed or swapped parameters of the same types
 * pass this check; `arkitekt-next gen --check` catches them.
 */
export type Signature<Name extends string, F, Params extends readonly unknown[], Result, Kind extends "returns" | "yields" = "returns"> =
  Same<ParamsOf<F>, Params> extends true
    ? Same<Kind extends "yields" ? Yielded<F> : Returned<F>, Result> extends true
      ? "ok"
      : StaleSignature<Name, Kind extends "yields" ? "yield type" : "return type">
    : StaleSignature<Name, "parameters">;

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** The error of a failed check: names every port that does not fit (see definition/values.ts). */
export function portValueError(check: ValueCheck): PortValueError {
  const [first, ...rest] = check.problems;
  if (!first) return new PortValueError("(args)", "does not fit its ports");
  const tail = formatProblems({ ok: false, problems: rest, omitted: check.omitted });
  const message = `${problemMessage(first)}${tail ? `; ${tail}` : ""}`;
  return new PortValueError(first.path, message, check.problems);
}

/** Throws `portValueError(check)` when the check failed. */
export function assertFits(check: ValueCheck): void {
  if (!check.ok) throw portValueError(check);
}

/** Reads a DATE wire value (definition/values.ts `readDate`); throws for one that is not a date. */
export function parseDate(text: string): Date {
  const date = readDate(text);
  if (!date) throw new RangeError(`not a DATE wire value: ${describeValue(text)}`);
  return date;
}

// ------------------------------------------------------------------------------------------------ codec -> port

const portCache = new WeakMap<Codec, Port>();

/**
 * The port a codec stands for (key `...`; give the path when checking), so that a codec-only
 * user (the caller's typed stubs) checks values with the same rule as the definition's ports.
 * A codec knows no defaults: such ports are checked for the keys that are present.
 */
export function portOfCodec(codec: Codec): Port {
  let port = portCache.get(codec);
  if (port) return port;
  const nullable = codec.nullable === true;
  switch (codec.kind) {
    case "ENUM":
      port = { key: "...", kind: "ENUM", nullable, choices: codec.choices.map((value) => ({ value, label: value })) };
      break;
    case "LIST":
    case "DICT":
      port = { key: "...", kind: codec.kind, nullable, children: [portOfCodec(codec.child)] };
      break;
    case "MODEL":
      port = {
        key: "...",
        kind: "MODEL",
        nullable,
        identifier: codec.identifier,
        children: codec.fields.map(([key, child]) => ({ ...portOfCodec(child), key })),
      };
      break;
    case "STRUCTURE":
      port = { key: "...", kind: "STRUCTURE", nullable, identifier: codec.identifier };
      break;
    case "UNION":
      port = { key: "...", kind: "UNION", nullable, children: codec.children.map((child, i) => ({ ...portOfCodec(child), key: String(i) })) };
      break;
    case "MEMORY_STRUCTURE":
      port = { key: "...", kind: "MEMORY_STRUCTURE", nullable, identifier: codec.identifier };
      break;
    default:
      port = { key: "...", kind: codec.kind, nullable };
  }
  portCache.set(codec, port);
  return port;
}

/** The ports of `[key, codec]` pairs, keyed. */
export function portsOfCodecs(codecs: ReadonlyArray<readonly [string, Codec]>): Port[] {
  return codecs.map(([key, codec]) => ({ ...portOfCodec(codec), key }));
}

// ------------------------------------------------------------------------------------------------ fast path
//
// Most ports are plain: scalars (INT, FLOAT, STRING, BOOL) and lists/dicts of them. Their values
// need no async work (no STRUCTURE) and no mapping (no ENUM, DATE, UNION, MODEL), so they convert
// in one synchronous loop instead of one promise per element. Whether a codec is plain is decided
// once per codec object (defineEntry asks at definition time; the answer is cached).
//
// Conversion never judges values: whether they fit is the value rule's (definition/values.ts),
// run on the converted wire value. The fast path gives up with FAIL on anything unusual (a value
// that is not an array where a list is expected, a sparse array ...) and the general walker
// converts it, from the same synchronous point.

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

const sameCache = new WeakMap<Codec, boolean>();

/**
 * Whether a codec's function values are its (checked) wire values as they are: plain scalars
 * without `nullAsUndefined`, and lists/dicts of them. A caller hands such returns over unconverted.
 */
export function isWireShaped(codec: Codec): boolean {
  let same = sameCache.get(codec);
  if (same === undefined) {
    same = !codec.nullAsUndefined && (isPlainLeaf(codec) || ((codec.kind === "LIST" || codec.kind === "DICT") && isWireShaped(codec.child)));
    sameCache.set(codec, same);
  }
  return same;
}

/** expandValue for a plain codec, synchronously; FAIL when the general walker must decide. */
function expandPlain(codec: Codec, value: unknown): Fast<unknown> {
  if (value === null || value === undefined) return codec.nullAsUndefined ? undefined : null;
  switch (codec.kind) {
    case "LIST": {
      if (!Array.isArray(value)) return FAIL;
      const child = codec.child;
      const n = value.length;
      if (isPlainLeaf(child) && !child.nullAsUndefined) return copyLeaves(value);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const v = expandPlain(child, value[i]);
        if (v === FAIL) return FAIL;
        out[i] = v;
      }
      return out;
    }
    case "DICT": {
      if (!isPlainObject(value)) return FAIL;
      const entries = Object.entries(value);
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

/** A copy of a list of scalars with `undefined` (and holes) as `null`, as JSON would send it. */
function copyLeaves(value: readonly unknown[]): unknown[] {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    if (value[i] === undefined) return Array.from(value, (item) => (item === undefined ? null : item));
  }
  return value.slice();
}

function isPlainLeaf(codec: Codec): boolean {
  return codec.kind === "INT" || codec.kind === "FLOAT" || codec.kind === "STRING" || codec.kind === "BOOL";
}

/** The wire value of a plain codec's function value, synchronously; FAIL when unusual. */
function shrinkPlain(codec: Codec, value: unknown): Fast<unknown> {
  if (value === null || value === undefined) return null;
  switch (codec.kind) {
    case "LIST": {
      if (!Array.isArray(value)) return FAIL;
      const child = codec.child;
      const n = value.length;
      if (isPlainLeaf(child)) return copyLeaves(value);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const item: unknown = value[i];
        if (item === undefined && !(i in value)) return FAIL; // a hole
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
      return Object.fromEntries(entries);
    }
    default:
      return value;
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

/** Wire value (already checked against its port) -> the value the function takes. */
export function expandValue(codec: Codec, value: unknown, path: string): Promise<unknown> {
  if (isPlain(codec)) {
    const fast = tryFast(expandPlain, codec, value);
    if (fast !== FAIL) return Promise.resolve(fast);
  }
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
        codec.fields.map(([key, child]) => expandValue(child, hasOwn(object, key) ? object[key] : undefined, join(path, key))),
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
    case "MEMORY_STRUCTURE":
      return expandMemory(codec.identifier, value, path);
  }
}

/** An error in words, with its hint when it has one (a MediaError's says what to check), for the task's message. */
function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const hint = (error as { hint?: unknown } | null)?.hint;
  return typeof hint === "string" && hint !== "" && !text.includes(hint) ? `${text} (${hint})` : text;
}

/** Whether a function value belongs to this codec (used to pick a UNION member). */
export function matches(codec: Codec, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  switch (codec.kind) {
    case "INT":
    case "FLOAT":
    case "STRING":
    case "BOOL":
      return fitsScalar(codec.kind, value) === true;
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
    case "MEMORY_STRUCTURE":
      return matchesMemory(codec.identifier, codec.cls, value);
  }
}

/**
 * Function value -> wire value, converted only (structures shrunk, dates to ISO, enum members to
 * names, unions wrapped); whether the result fits is not judged here. Throws PortValueError
 * where a value cannot be converted at all (no structure, no union member).
 */
export function toWire(codec: Codec, value: unknown, path: string): Promise<unknown> {
  if (isPlain(codec)) {
    const fast = tryFast(shrinkPlain, codec, value);
    if (fast !== FAIL) return Promise.resolve(fast);
  }
  return toWireGeneral(codec, value, path);
}

async function toWireGeneral(codec: Codec, value: unknown, path: string): Promise<unknown> {
  if (value === null || value === undefined) return null;
  switch (codec.kind) {
    case "DATE":
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new PortValueError(path, "expected a valid Date, got an invalid Date");
        return value.toISOString();
      }
      return value;
    case "ENUM": {
      if (!codec.members) return value;
      const members = codec.members;
      const name = Object.keys(members).find((key) => members[key] === value);
      return name ?? value;
    }
    case "LIST":
      if (!Array.isArray(value)) return value;
      return Promise.all(Array.from(value, (item: unknown, i) => toWire(codec.child, item, join(path, i))));
    case "DICT": {
      if (!isPlainObject(value)) return value;
      const entries = Object.entries(value);
      const values = await Promise.all(entries.map(([k, v]) => toWire(codec.child, v, join(path, k))));
      return Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
    }
    case "MODEL": {
      if (!isPlainObject(value)) return value;
      const values = await Promise.all(
        codec.fields.map(([key, child]) => toWire(child, hasOwn(value, key) ? value[key] : undefined, join(path, key))),
      );
      const out: Record<string, unknown> = {};
      codec.fields.forEach(([key], i) => {
        out[key] = values[i];
      });
      out.__identifier = codec.identifier;
      return out;
    }
    case "STRUCTURE": {
      const shrink = (value as { shrink?: unknown }).shrink;
      if (typeof shrink !== "function") {
        throw new PortValueError(path, `expected a ${codec.identifier} structure (an object with shrink()), got ${describeValue(value)}`);
      }
      let ref: unknown;
      try {
        ref = await (shrink as () => unknown).call(value);
      } catch (error) {
        throw new PortValueError(path, `expected a ${codec.identifier} its shrink() can store, got an error: ${message(error)}`);
      }
      return { __identifier: codec.identifier, object: ref };
    }
    case "UNION": {
      const index = codec.children.findIndex((child) => matches(child, value));
      if (index < 0) throw new PortValueError(path, `expected a value of one of the union's members, got ${describeValue(value)}`);
      return { __use: index, __value: await toWire(codec.children[index]!, value, path) };
    }
    case "MEMORY_STRUCTURE":
      return shrinkMemory(codec.identifier, codec.cls, value, path);
    default:
      return value;
  }
}

/** What `toWireNow` returns when the value needs the (asynchronous) general walker. */
export const LATER: unique symbol = Symbol("convert asynchronously");

/** `toWire`, synchronously, for plain codecs (scalars, lists/dicts of them); `LATER` otherwise. */
export function toWireNow(codec: Codec, value: unknown): unknown {
  if (!isPlain(codec)) return LATER;
  const fast = tryFast(shrinkPlain, codec, value);
  return fast === FAIL ? LATER : fast;
}

/** Function value -> wire value; throws PortValueError naming every part that does not fit the port. */
export async function shrinkValue(codec: Codec, value: unknown, path: string): Promise<JsonValue> {
  const wire = await toWire(codec, value, path);
  assertFits(checkValue(portOfCodec(codec), wire, { path }));
  return wire as JsonValue;
}

/**
 * Converts several values concurrently; conversion failures (PortValueError) are gathered as
 * problems instead of the first one winning. Other errors are rethrown.
 */
export async function toWireAll(
  items: ReadonlyArray<readonly [Codec, unknown, string]>,
): Promise<{ values: unknown[]; problems: ValueProblem[] }> {
  const settled = await Promise.allSettled(items.map(([codec, value, path]) => toWire(codec, value, path)));
  const values: unknown[] = [];
  const problems: ValueProblem[] = [];
  for (const outcome of settled) {
    if (outcome.status === "fulfilled") values.push(outcome.value);
    else if (outcome.reason instanceof PortValueError) {
      const error = outcome.reason;
      problems.push(...(error.problems.length > 0 ? error.problems : [problemOf(error)]));
      values.push(undefined);
    } else throw outcome.reason;
  }
  return { values, problems };
}

function problemOf(error: PortValueError): ValueProblem {
  const text = error.message.slice(`port "${error.port}": `.length);
  const match = /^expected (.*), got (.*)$/s.exec(text);
  return match ? { path: error.port, expected: match[1]!, got: match[2]! } : { path: error.port, expected: "a value that can be sent", got: text };
}

/** Throws a PortValueError naming every problem of a conversion and a check together. */
export function assertAll(conversion: readonly ValueProblem[], check: ValueCheck): void {
  if (conversion.length === 0) return assertFits(check);
  const problems = [...conversion, ...check.problems];
  throw portValueError({ ok: false, problems, omitted: check.omitted });
}

/** What the generator writes per registered function. */
export interface EntrySpec {
  /** The manifest entry; its ports are what args and returns are checked against. */
  implementation: Implementation;
  fn: (...args: never[]) => unknown;
  argCodecs: ReadonlyArray<readonly [string, Codec]>;
  returnCodecs: readonly Codec[];
}

/**
 * Builds the `RegistryEntry` the agent runs: parseArgs -> expandArgs -> fn -> shrinkReturns.
 * Args and returns are checked against the implementation's ports with the one value rule
 * (definition/values.ts). `Check` is the generated compile-time signature check, `Signature<...>`,
 * which must be `"ok"` (else tsc prints its message at the call); a tuple of `Same<...>` results
 * that must all be `true` is still accepted for hand-written entries.
 */
export function defineEntry<Check extends "ok" | readonly true[] = "ok">(spec: EntrySpec & { readonly check?: Check }): RegistryEntry {
  const { implementation, fn, argCodecs, returnCodecs } = spec;
  const argPorts = implementation.definition.args;
  const returnPorts = implementation.definition.returns;
  // Decided once here: when every port is plain, a call converts synchronously (see isPlain).
  const argsPlain = argCodecs.every(([, codec]) => isPlain(codec));
  const returnsPlain = returnCodecs.every((codec) => isPlain(codec));
  const expandAll = (parsed: Record<string, unknown>): Promise<unknown[]> =>
    Promise.all(argCodecs.map(([key, codec]) => expandValue(codec, parsed[key], key)));
  const checked = (returns: Record<string, unknown>): Record<string, unknown> => {
    assertFits(checkPorts(returnPorts, returns));
    return returns;
  };
  const finish = ({ values, problems }: { values: unknown[]; problems: ValueProblem[] }): Record<string, unknown> => {
    const returns = Object.fromEntries(values.map((v, i) => [`return${i}`, v]));
    // A port whose conversion failed is named once, by the conversion.
    const failed = new Set(problems.map((p) => p.path.replace(/[.[].*$/, "")));
    assertAll(problems, checkPorts(returnPorts.filter((p) => !failed.has(p.key)), returns, { unknownKeys: "ignore" }));
    return returns;
  };
  return {
    interface: implementation.interface,
    implementation,
    fn,
    parseArgs(wire) {
      assertFits(checkPorts(argPorts, wire));
      return withDefaults(argPorts, wire as Record<string, unknown>);
    },
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
          if (fast !== FAIL) return checked({ return0: fast });
        }
        return finish(await toWireAll([[returnCodecs[0]!, value, "return0"]]));
      }
      if (!Array.isArray(value) || value.length !== returnCodecs.length) {
        throw new PortValueError("returns", `expected a tuple of ${returnCodecs.length} values, got ${describeValue(value)}`);
      }
      if (returnsPlain) {
        const out: Record<string, unknown> = {};
        let i = 0;
        for (; i < returnCodecs.length; i++) {
          const v = tryFast(shrinkPlain, returnCodecs[i]!, value[i]);
          if (v === FAIL) break;
          out[`return${i}`] = v;
        }
        if (i === returnCodecs.length) return checked(out);
      }
      return finish(await toWireAll(returnCodecs.map((codec, i) => [codec, value[i], `return${i}`] as const)));
    },
  };
}

/**
 * What a generated registry module writes per registered function: the function and its codecs,
 * named by interface. Its ports are not repeated here: `buildRegistry` takes them from the
 * manifest (`generated/definitions.json`), the one place they are written.
 */
export interface EntryBinding {
  readonly interface: string;
  readonly fn: (...args: never[]) => unknown;
  /** One `[key, codec]` per arg port, in the manifest's order. */
  readonly argCodecs: ReadonlyArray<readonly [string, Codec]>;
  /** One codec per return port. */
  readonly returnCodecs: readonly Codec[];
}

/**
 * One registered function of a generated registry module. `Check` is the generated compile-time
 * signature check (`Signature<...>`): anything but `"ok"` fails tsc with its message.
 */
export function bindEntry<Check extends "ok">(binding: EntryBinding & { readonly check?: Check }): EntryBinding {
  return binding;
}

/** What generated `registry.ts` passes to `buildRegistry`. */
export interface RegistrySpec {
  /** `hashDefinitions(definitions)`, computed by the generator: sent as implementAgent's `hash`. */
  readonly hash: string;
  /** The manifest, imported from `generated/definitions.json`. */
  readonly definitions: readonly unknown[];
  /** Every binding of every registry module. */
  readonly entries: readonly EntryBinding[];
  /** The generated file, named in errors. Default `generated/registry.ts`. */
  readonly file?: string;
  /** The app's states (`defineState`), each with its StateImplementationInput; absent when it has none. */
  readonly states?: readonly RegistryState[];
}

function keysDiffer(a: readonly string[], b: readonly string[]): boolean {
  return a.length !== b.length || a.some((key, i) => key !== b[i]);
}

/**
 * Builds the registry generated `registry.ts` exports: joins each binding with its implementation
 * from the manifest by interface. A manifest and bindings that do not belong together (a hand edit,
 * files from two runs of `gen`) are refused with an error that says to run `arkitekt-next gen`.
 */
export function buildRegistry(spec: RegistrySpec): Registry {
  const file = spec.file ?? "generated/registry.ts";
  const stale = (what: string): Error =>
    new Error(`${file}: ${what}; generated/ does not hang together: run \`arkitekt-next gen\``);
  if (!Array.isArray(spec.definitions)) throw stale("the manifest (definitions.json) is not an array");
  const bindings = new Map(spec.entries.map((binding) => [binding.interface, binding]));
  const entries: RegistryEntry[] = [];
  for (const item of spec.definitions) {
    const implementation = item as Implementation;
    const name = implementation?.interface;
    const binding = typeof name === "string" ? bindings.get(name) : undefined;
    if (!binding) throw stale(`definitions.json lists ${JSON.stringify(name)}, which no registry module binds`);
    bindings.delete(name);
    const argKeys = (implementation.definition?.args ?? []).map((port) => port.key);
    if (keysDiffer(argKeys, binding.argCodecs.map(([key]) => key))) {
      throw stale(`the args of "${name}" in definitions.json (${argKeys.join(", ")}) are not the ones its registry module converts`);
    }
    if ((implementation.definition?.returns ?? []).length !== binding.returnCodecs.length) {
      throw stale(`"${name}" has ${implementation.definition?.returns?.length ?? 0} return ports in definitions.json but ${binding.returnCodecs.length} codecs`);
    }
    entries.push(defineEntry({ implementation, fn: binding.fn, argCodecs: binding.argCodecs, returnCodecs: binding.returnCodecs }));
  }
  const extra = [...bindings.keys()];
  if (extra.length > 0) throw stale(`no manifest entry in definitions.json for ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
  const registry = defineRegistry(spec.hash, entries);
  if (spec.states === undefined) return registry;
  for (const { state, implementation } of spec.states) {
    if (state?.name !== implementation.interface) {
      throw stale(`the state bound as ${JSON.stringify(implementation.interface)} is named ${JSON.stringify(state?.name)} in the source`);
    }
  }
  return { ...registry, states: spec.states };
}

/** Builds the registry object from complete entries (hand-written registries, tests). */
export function defineRegistry(hash: string, entries: readonly RegistryEntry[]): Registry {
  return {
    hash,
    implementations: entries.map((entry) => entry.implementation),
    entries: Object.fromEntries(entries.map((entry) => [entry.interface, entry])),
  };
}
