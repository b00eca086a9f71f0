/** What the spaces area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type SpacesHubEvent = never;
