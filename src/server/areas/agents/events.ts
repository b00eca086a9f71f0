/** What the agents area publishes on the hub (src/server/hub.ts) for its subscriptions. */
import type { ActionRow, ImplementationRow } from "../../store/store.js";

export type AgentsHubEvent =
  /** An implementation was created, changed (re-registered, pinned, made higher-order) or deleted; `org` is its agent's. */
  | { type: "agentsImplementation"; change: "create" | "update" | "delete"; implementation: ImplementationRow; org: string }
  /** An action was defined or its definition changed (`newActions`). */
  | { type: "agentsAction"; change: "create" | "update"; action: ActionRow };
