/**
 * Agent state (STATE_PATCH / STATE_SNAPSHOT / SESSION_INIT frames): state, stateFor, states,
 * stateDefinition(s), session(s), the history queries, watchState, watchAgent, stateUpdateEvents,
 * latestPatches, checkout, checkoutAgent. The rules live in service.ts, the SQL in records.ts, the GraphQL fields in resolvers.ts.
 */
import type { Area } from "../../graphql/area.js";
import { stateResolvers, stateSubscriptions } from "./resolvers.js";

export { StateArea } from "./service.js";

export const stateArea: Area = { name: "state", resolvers: stateResolvers, subscriptions: stateSubscriptions };
