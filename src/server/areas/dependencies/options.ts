/**
 * The dependencies area's limits: server options (`startServer`) with their defaults, compiled once
 * with the other options (src/server/options.ts spreads `compileDependencyOptions`).
 */
import { ServerStartError } from "../../options.js";

export interface DependencyOptions {
  /**
   * Deepest nesting of a dependency map (an implementation's dependencies, their implementations'
   * dependencies, ...): an assign or autoResolve that would nest deeper is refused with
   * LIMIT_EXCEEDED naming the dependency path. Default 8.
   */
  maxDependencyDepth?: number;
  /**
   * Most entries (one per slot of each bound agent, counted at every nesting) the dependency map of
   * one assign holds; beyond it the assign is refused with LIMIT_EXCEEDED. Default 10000.
   */
  maxDependencyMapEntries?: number;
  /** Most slots (actionDependencies + stateDependencies) one declared dependency has. Default 64. */
  maxDependencySlots?: number;
}

export type CompiledDependencyOptions = Required<DependencyOptions>;

export const DEPENDENCY_DEFAULTS: CompiledDependencyOptions = {
  maxDependencyDepth: 8,
  maxDependencyMapEntries: 10_000,
  maxDependencySlots: 64,
};

export function compileDependencyOptions(options: DependencyOptions): CompiledDependencyOptions {
  const compiled = { ...DEPENDENCY_DEFAULTS };
  for (const name of Object.keys(DEPENDENCY_DEFAULTS) as Array<keyof CompiledDependencyOptions>) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) {
      throw new ServerStartError(`${name} must be a positive integer, got ${String(value)}`, `pass ${name} >= 1 (or leave it out for the default ${DEPENDENCY_DEFAULTS[name]})`, "ARKITEKT_SERVER_BAD_OPTION");
    }
    compiled[name] = value;
  }
  return compiled;
}
