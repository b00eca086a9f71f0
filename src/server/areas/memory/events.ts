/** What the memory area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type MemoryHubEvent = never;
