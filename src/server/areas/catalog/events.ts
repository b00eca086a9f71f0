/** What the catalog area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type CatalogHubEvent = never;
