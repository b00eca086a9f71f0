/** What the agents area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type AgentsHubEvent = never;
