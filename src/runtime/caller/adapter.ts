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
      const values = await Promise.all(present.map(([key, codec]) => shrinkValue(codec, args[key], key)));
      return Object.fromEntries(present.map(([key], i) => [key, values[i]]));
    },
    async decodeReturns(returns) {
      if (spec.returns.length === 0) return undefined as R;
      const values = await Promise.all(spec.returns.map((codec, i) => expandValue(codec, returns[`return${i}`], `return${i}`)));
      return (spec.returns.length === 1 ? values[0] : values) as R;
    },
  };
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
