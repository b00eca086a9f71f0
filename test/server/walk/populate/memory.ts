/**
 * Rows of the memory area for the schema walk: the organisation's agent (its shelve was made by
 * ensureAgent in the walk's setup, else by the first shelve) gets two drawers through
 * `shelveInMemoryDrawer` (one with a label and description, one with neither, so
 * `MemoryDrawer.label` falls back), so every table of the area (`memory_shelve`, `memory_drawer`)
 * has rows in both organisations. NOTE: ensureAgent empties the agent's shelve, so nothing may call
 * it for this token after this module ran.
 */
import type { WalkOrg } from "./types.js";

const SHELVE = "mutation ($input: ShelveInMemoryDrawerInput!) { shelveInMemoryDrawer(input: $input) { id shelve { id } } }";

export async function populate(org: WalkOrg): Promise<void> {
  await org.gql(SHELVE, {
    input: { identifier: `@${org.org}/counter`, resourceId: `${org.org}-counter-1`, label: `${org.org} counter`, description: `a counter kept by the ${org.org} agent` },
  });
  await org.gql(SHELVE, { input: { identifier: `@${org.org}/table`, resourceId: `${org.org}-table-1` } });
}
