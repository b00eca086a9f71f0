/**
 * The core of the platform API as an area: agents, actions, implementations, tasks and their events
 * (platform/), typed from the schema (generated/server/resolvers.ts). graphql/schema.ts merges it
 * with the media store and src/server/areas.
 */
import type { Area } from "../area.js";
import { formHintResolvers } from "./form-hints.js";
import { coreMutations } from "./mutations.js";
import { actionResolvers, agentResolvers, implementationResolvers, taskEventResolvers, taskResolvers } from "./objects.js";
import { coreQueries } from "./queries.js";
import { coreSubscriptions } from "./subscriptions.js";

export { RESOLVE_TYPE } from "./form-hints.js";

export const coreArea: Area = {
  name: "core",
  resolvers: {
    ...formHintResolvers,
    Query: coreQueries,
    Mutation: coreMutations,
    Agent: agentResolvers,
    Action: actionResolvers,
    Implementation: implementationResolvers,
    Task: taskResolvers,
    TaskEvent: taskEventResolvers,
  },
  subscriptions: coreSubscriptions,
};
