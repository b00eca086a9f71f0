/** What the state area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type StateHubEvent = never;
