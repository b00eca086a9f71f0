/**
 * The areas of the platform API beyond the core (agents, leases, outbox and tasks in platform.ts):
 * each lives in its own folder with its records (SQL), its migration, its hub events, its service
 * and its GraphQL fields.
 */
import type { Area } from "../graphql/area.js";
import type { Platform } from "../platform.js";
import { AgentsArea, agentsArea } from "./agents/index.js";
import { StateArea, stateArea } from "./state/index.js";
import { MemoryArea, memoryArea } from "./memory/index.js";
import { DependenciesArea, dependenciesArea } from "./dependencies/index.js";
import { CatalogArea, catalogArea } from "./catalog/index.js";
import { WorkspaceArea, workspaceArea } from "./workspace/index.js";
import { SpacesArea, spacesArea } from "./spaces/index.js";
import { TestingArea, testingArea } from "./testing/index.js";

/** Every area's service, built once per platform. */
export function createAreas(platform: Platform) {
  return {
    agents: new AgentsArea(platform),
    state: new StateArea(platform),
    memory: new MemoryArea(platform),
    dependencies: new DependenciesArea(platform),
    catalog: new CatalogArea(platform),
    workspace: new WorkspaceArea(platform),
    spaces: new SpacesArea(platform),
    testing: new TestingArea(platform),
  };
}
export type Areas = ReturnType<typeof createAreas>;

/** Every area's GraphQL fields, merged by graphql/schema.ts. */
export const AREAS: readonly Area[] = [agentsArea, stateArea, memoryArea, dependenciesArea, catalogArea, workspaceArea, spacesArea, testingArea];
