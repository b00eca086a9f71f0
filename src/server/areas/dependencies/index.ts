/**
 * Dependencies and their resolution: dependency, resolution(s), create/update/deleteResolution, autoResolve, resolvedImplementations, Task.dependencies.
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.dependencies`. */
export class DependenciesArea {
  constructor(readonly platform: Platform) {}
}

export const dependenciesArea: Area = { name: "dependencies" };
