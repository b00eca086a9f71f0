/**
 * Memory structures: memory shelves and drawers (shelveInMemoryDrawer, unshelveMemoryDrawer, memoryShelve(s), memoryDrawer(s), Agent.memoryShelve).
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.memory`. */
export class MemoryArea {
  constructor(readonly platform: Platform) {}
}

export const memoryArea: Area = { name: "memory" };
