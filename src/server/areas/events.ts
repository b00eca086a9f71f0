/** The hub events of every area (src/server/hub.ts adds them to HubEvent). */
import type { AgentsHubEvent } from "./agents/events.js";
import type { StateHubEvent } from "./state/events.js";
import type { MemoryHubEvent } from "./memory/events.js";
import type { DependenciesHubEvent } from "./dependencies/events.js";
import type { CatalogHubEvent } from "./catalog/events.js";
import type { WorkspaceHubEvent } from "./workspace/events.js";
import type { SpacesHubEvent } from "./spaces/events.js";
import type { TestingHubEvent } from "./testing/events.js";

export type AreaHubEvent =
  | AgentsHubEvent
  | StateHubEvent
  | MemoryHubEvent
  | DependenciesHubEvent
  | CatalogHubEvent
  | WorkspaceHubEvent
  | SpacesHubEvent
  | TestingHubEvent;
