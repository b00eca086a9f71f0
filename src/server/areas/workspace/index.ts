/**
 * Shortcuts, toolboxes, dashboards, bloks and materialized bloks.
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.workspace`. */
export class WorkspaceArea {
  constructor(readonly platform: Platform) {}
}

export const workspaceArea: Area = { name: "workspace" };
