/**
 * The contract between generated `registry.ts` files (written by `arkitekt-next gen`) and the agent
 * runtime. The generator emits one `RegistryEntry` per registered function; the agent looks entries
 * up by `interface` when an ASSIGN arrives and runs: parseArgs -> expandArgs -> fn -> shrinkReturns.
 */
import type { Implementation } from "../definition/model.js";
import type { ValueProblem } from "../definition/values.js";
import { ArkitektError } from "../shared/errors.js";
import type { RegistryState } from "./state.js";

/**
 * Thrown by `parseArgs` and the adapters when values do not fit their ports. The message names
 * every port that does not fit (`port "a": expected …, got …; port "b": …`); `port` is the first.
 */
export class PortValueError extends ArkitektError {
  override readonly name = "PortValueError";
  readonly code = "ARKITEKT_PORT_VALUE";
  constructor(
    /** The port path, e.g. `images[2]` or `settings.threshold` (the first, when several do not fit). */
    readonly port: string,
    message: string,
    /** Every port that does not fit, when the error comes from the value rule (definition/values.ts). */
    readonly problems: readonly ValueProblem[] = [],
  ) {
    super(`port "${port}": ${message}`);
  }
}

export interface RegistryEntry {
  /** The implementation's interface (unique per agent): what ASSIGN.interface names. */
  readonly interface: string;
  /** The manifest entry, exactly as in `generated/definitions.json`. */
  readonly implementation: Implementation;
  /** The user's function. */
  readonly fn: (...args: never[]) => unknown;
  /**
   * Validates ASSIGN.args in their wire format and applies defaults.
   * Throws `PortValueError` naming every port whose value does not fit.
   */
  parseArgs(wire: unknown): Record<string, unknown>;
  /** Turns parsed wire args into the positional arguments of `fn` (structures expanded, enums and dates mapped). */
  expandArgs(parsed: Record<string, unknown>): Promise<unknown[]>;
  /** Turns one return value (or one yielded value) into the wire `returns` object (`{return0: ...}`, `{}` for void). */
  shrinkReturns(value: unknown): Promise<Record<string, unknown>>;
}

export interface Registry {
  /** `hashDefinitions(implementations)`: sent as implementAgent's `hash`. */
  readonly hash: string;
  /** The content of `generated/definitions.json`. */
  readonly implementations: readonly Implementation[];
  /** Entries keyed by interface. */
  readonly entries: Readonly<Record<string, RegistryEntry>>;
  /** The app's states (`defineState`), declared in implementAgent's `states`; absent when it has none. */
  readonly states?: readonly RegistryState[];
}
