/**
 * Agents and implementations beyond the core: pinning, reinit, cleanup, clients, checkout, watchAgent, implementation subscriptions, stats (taskStats, actionStats).
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.agents`. */
export class AgentsArea {
  constructor(readonly platform: Platform) {}
}

export const agentsArea: Area = { name: "agents" };
