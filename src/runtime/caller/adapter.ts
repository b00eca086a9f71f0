/**
 * A `CallAdapter` from port codecs (the same codecs generated registries use): args are shrunk
 * port by port (structures to references, dates to ISO, enum members to names), returns are
 * expanded (references to structures ...). Generated stubs (`generated/actions.ts`) build their
 * adapters with this; a hand-written typed call can too.
 */
import { PortValueError } from "../registry.js";
import { expandValue, shrinkValue, type Codec } from "../structures/support.js";
import type { CallAdapter } from "./client.js";

export interface CodecAdapterSpec {
  /** Arg ports in order: key and codec. */
  args: ReadonlyArray<readonly [string, Codec]>;
  /** Return ports in order (`return0`, `return1` ...). */
  returns: readonly Codec[];
}

/**
 * Args are an object keyed by port; a key left `undefined` is not sent (the agent applies the
 * port's default). Returns: nothing for no ports, the value for one, a tuple for several.
 */
export function codecAdapter<A extends Record<string, unknown>, R>(spec: CodecAdapterSpec): CallAdapter<A, R> {
  const known = new Set(spec.args.map(([key]) => key));
  return {
    async encodeArgs(args) {
      for (const key of Object.keys(args)) {
        if (!known.has(key)) throw new PortValueError(key, "is not a port of this action (unknown key)");
      }
      const present = spec.args.filter(([key]) => args[key] !== undefined);
      const values = await Promise.all(present.map(([key, codec]) => shrinkPort(codec, args[key], key)));
      return Object.fromEntries(present.map(([key], i) => [key, values[i]]));
    },
    async decodeReturns(returns) {
      if (spec.returns.length === 0) return undefined as R;
      const values = await Promise.all(spec.returns.map((codec, i) => expandPort(codec, returns[`return${i}`], `return${i}`)));
      return (spec.returns.length === 1 ? values[0] : values) as R;
    },
  };
}

// Fast paths for the common heavy case, scalars and lists/dicts of scalars: checked in one
// synchronous loop instead of one promise per element; everything else (structures, dates, enums,
// models, unions) goes through the shared codec walkers.

const SCALAR_CHECKS: Partial<Record<Codec["kind"], [(value: unknown) => boolean, string]>> = {
  INT: [(v) => Number.isInteger(v), "an integer"],
  FLOAT: [(v) => typeof v === "number" && Number.isFinite(v), "a finite number"],
  STRING: [(v) => typeof v === "string", "a string"],
  BOOL: [(v) => typeof v === "boolean", "a boolean"],
};

function scalarCheck(codec: Codec): [(value: unknown) => boolean, string] | undefined {
  const check = SCALAR_CHECKS[codec.kind];
  if (!check || !codec.nullable) return check;
  return [(v) => v === null || v === undefined || check[0](v), `${check[1]} or null`];
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function shrinkPort(codec: Codec, value: unknown, path: string): Promise<unknown> | unknown {
  if (value === null || value === undefined) return shrinkValue(codec, value, path);
  const own = scalarCheck(codec);
  if (own) {
    if (!own[0](value)) throw new PortValueError(path, `expected ${own[1]}, got ${describeValue(value)}`);
    return value;
  }
  if ((codec.kind === "LIST" || codec.kind === "DICT") && scalarCheck(codec.child)) {
    const [check, expected] = scalarCheck(codec.child)!;
    if (codec.kind === "LIST" && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!check(item)) throw new PortValueError(`${path}[${i}]`, `expected ${expected}, got ${describeValue(item)}`);
      }
      return value.map((item: unknown) => (item === undefined ? null : item));
    }
    if (codec.kind === "DICT" && value !== null && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [key, item] of Object.entries(value)) {
        if (!check(item)) throw new PortValueError(`${path}.${key}`, `expected ${expected}, got ${describeValue(item)}`);
      }
      return value;
    }
  }
  return shrinkValue(codec, value, path);
}

function expandPort(codec: Codec, value: unknown, path: string): Promise<unknown> | unknown {
  if (value === null || value === undefined) return expandValue(codec, value, path);
  if (SCALAR_CHECKS[codec.kind]) return value;
  if ((codec.kind === "LIST" || codec.kind === "DICT") && SCALAR_CHECKS[codec.child.kind] && !codec.child.nullAsUndefined) return value;
  return expandValue(codec, value, path);
}

/**
 * A remote structure this app has no class for: it keeps the reference. Typed stubs return it for
 * STRUCTURE ports whose identifier is not mapped to a class in `arkitekt.json`; pass it (or any
 * object with `shrink()`) back as an arg.
 */
export class StructureReference {
  constructor(
    readonly identifier: string,
    readonly reference: string,
  ) {}
  shrink(): string {
    return this.reference;
  }
}

/** The codec class of an unmapped structure identifier: expands a reference into a `StructureReference`. */
export function referenceStructure(identifier: string): { readonly identifier: string; expand(ref: string): StructureReference } {
  return class extends StructureReference {
    static readonly identifier = identifier;
    static expand(ref: string): StructureReference {
      return new StructureReference(identifier, String(ref));
    }
  };
}
