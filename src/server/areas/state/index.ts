/**
 * Agent state (STATE_PATCH / STATE_SNAPSHOT / SESSION_INIT frames): state, stateFor, states, stateDefinition(s), watchState, stateUpdateEvents.
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.state`. */
export class StateArea {
  constructor(readonly platform: Platform) {}
}

export const stateArea: Area = { name: "state" };
