/**
 * The memory area's limits: server options (`startServer`) with their defaults, compiled once with
 * the other options (src/server/options.ts spreads `compileMemoryOptions`).
 */
import { ServerStartError } from "../../options.js";

export interface MemoryOptions {
  /**
   * Most drawers one agent's memory shelve holds (`shelveInMemoryDrawer` beyond it is refused until
   * drawers are unshelved or collected; re-shelving an existing `resourceId` always works). Default 10000.
   */
  maxDrawersPerShelve?: number;
  /** Longest drawer `label`, in characters (the platform's column width). Default 1000. */
  maxDrawerLabelLength?: number;
  /** Longest drawer `description`, in characters. Default 10000. */
  maxDrawerDescriptionLength?: number;
}

export type CompiledMemoryOptions = Required<MemoryOptions>;

export const MEMORY_DEFAULTS: CompiledMemoryOptions = {
  maxDrawersPerShelve: 10_000,
  maxDrawerLabelLength: 1000,
  maxDrawerDescriptionLength: 10_000,
};

/** Fixed bound of a drawer's `identifier` and `resourceId`, in characters (the platform's column width). */
export const MAX_DRAWER_KEY_LENGTH = 1000;

export function compileMemoryOptions(options: MemoryOptions): CompiledMemoryOptions {
  const compiled = { ...MEMORY_DEFAULTS };
  for (const name of Object.keys(MEMORY_DEFAULTS) as Array<keyof CompiledMemoryOptions>) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) {
      throw new ServerStartError(`${name} must be a positive integer, got ${String(value)}`, `pass ${name} >= 1 (or leave it out for the default ${MEMORY_DEFAULTS[name]})`, "ARKITEKT_SERVER_BAD_OPTION");
    }
    compiled[name] = value;
  }
  return compiled;
}
