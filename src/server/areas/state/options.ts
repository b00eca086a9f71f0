/** The state area's limits: server options (src/server/options.ts) with their defaults. */
import { ServerStartError } from "../../options.js";

export interface StateOptions {
  /** Patches kept per state (the oldest are dropped first; the current value is always kept). Default 1000. */
  statePatchesKept?: number;
  /** Snapshots kept per state (the oldest are dropped first). Default 100. */
  stateSnapshotsKept?: number;
}

export const STATE_DEFAULTS = { statePatchesKept: 1000, stateSnapshotsKept: 100 } as const;

function count(name: keyof StateOptions, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ServerStartError(`${name} must be a positive integer, got ${String(value)}`, `pass ${name} >= 1 (default ${fallback})`, "ARKITEKT_SERVER_BAD_OPTION");
  }
  return value;
}

export function compileStateOptions(options: StateOptions): Required<StateOptions> {
  return {
    statePatchesKept: count("statePatchesKept", options.statePatchesKept, STATE_DEFAULTS.statePatchesKept),
    stateSnapshotsKept: count("stateSnapshotsKept", options.stateSnapshotsKept, STATE_DEFAULTS.stateSnapshotsKept),
  };
}
