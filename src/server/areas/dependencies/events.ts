/** What the dependencies area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type DependenciesHubEvent = never;
