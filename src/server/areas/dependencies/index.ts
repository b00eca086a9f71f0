/**
 * Dependencies and their resolution: dependency, resolution(s), create/update/deleteResolution,
 * autoResolve, resolvedImplementations, Implementation.dependencies/resolutions, the Task fields
 * of dependencies, and assign routing by dependency + method + parent and by resolution.
 */
import type { Area } from "../../graphql/area.js";
import { DependenciesService } from "./service.js";
import { dependenciesResolvers } from "./resolvers.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.dependencies`. */
export class DependenciesArea extends DependenciesService {}

export const dependenciesArea: Area = { name: "dependencies", resolvers: dependenciesResolvers };
