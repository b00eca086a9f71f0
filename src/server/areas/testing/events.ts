/** What the testing area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type TestingHubEvent = never;
