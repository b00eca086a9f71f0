/**
 * A `CallAdapter` from port codecs (the same codecs generated registries use): args are converted
 * port by port (structures to references, dates to ISO, enum members to names), returns back
 * (references to structures ...). Whether values fit their ports is the one value rule
 * (definition/values.ts), applied to the args before they are sent and to the returns before
 * they are converted, so a caller refuses what the server and the agent would refuse, naming
 * every port at once. Generated stubs (`generated/actions.ts`) build their adapters with this; a
 * hand-written typed call can too.
 */
import { checkPorts } from "../../definition/values.js";
import { LATER, assertAll, assertFits, expandValue, isWireShaped, portsOfCodecs, toWireAll, toWireNow, type Codec } from "../structures/support.js";
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
export function codecAdapter<A extends object, R>(spec: CodecAdapterSpec): CallAdapter<A, R> {
  const argPorts = portsOfCodecs(spec.args);
  const returnPorts = portsOfCodecs(spec.returns.map((codec, i) => [`return${i}`, codec] as const));
  const codecs = new Map(spec.args);
  const wireShaped = spec.returns.every(isWireShaped);
  return {
    async encodeArgs(typed) {
      // Typed args are an interface per action (no index signature); read them by port key.
      const args = typed as Record<string, unknown>;
      const wire: Record<string, unknown> = {};
      let later: Array<readonly [Codec, unknown, string]> | undefined;
      for (const key of Object.keys(args)) {
        const value = args[key];
        if (value === undefined) continue;
        const codec = codecs.get(key);
        if (!codec) {
          wire[key] = value; // no port: passed on for the check to name it
          continue;
        }
        const now = toWireNow(codec, value);
        if (now !== LATER) wire[key] = now;
        else (later ??= []).push([codec, value, key]);
      }
      if (!later) {
        // Missing keys are left to the agent's defaults (a codec knows none); the server checks them.
        assertFits(checkPorts(argPorts, wire, { missing: "allow" }));
        return wire;
      }
      const { values, problems } = await toWireAll(later);
      // A port whose conversion failed is named once, by the conversion (and left out of the check).
      const failed = new Set(problems.map((p) => p.path.replace(/[.[].*$/, "")));
      later.forEach(([, , key], i) => {
        if (!failed.has(key)) wire[key] = values[i];
      });
      assertAll(problems, checkPorts(argPorts, wire, { missing: "allow" }));
      return wire;
    },
    async decodeReturns(returns) {
      if (spec.returns.length === 0) return undefined as R;
      assertFits(checkPorts(returnPorts, returns, { unknownKeys: "ignore", subject: "a return port" }));
      // Returns are this call's own (fresh from JSON): plain ones need no conversion, not even a copy.
      if (wireShaped) return (spec.returns.length === 1 ? returns.return0 : spec.returns.map((_, i) => returns[`return${i}`])) as R;
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
