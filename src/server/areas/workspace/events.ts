/** What the workspace area publishes on the hub (src/server/hub.ts) for its subscriptions. */
export type WorkspaceHubEvent = never;
