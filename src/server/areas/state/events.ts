/** What the state area publishes on the hub (src/server/hub.ts) for its subscriptions. */
import type { PatchRow, StateRow } from "./records.js";

export type StateHubEvent =
  /** A STATE_PATCH was stored and applied to its state's current value. */
  | { type: "statePatch"; org: string; patch: PatchRow }
  /** SESSION_INIT or STATE_SNAPSHOT replaced the current values of these states of one agent. */
  | { type: "stateSnapshot"; org: string; agentId: number; sessionId: string; globalRevision: number; timestamp: number; states: StateRow[] }
  /** A state row changed (its value, or its declaration through implementAgent). */
  | { type: "stateUpdate"; org: string; state: StateRow };
