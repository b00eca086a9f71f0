/**
 * The schema walk's workspace rows (issue 15): a toolbox with a shortcut, a UI catalog and a blok
 * with a declared dependency, its materialization with an agent mapping, placed on a dashboard.
 * Every table of the workspace area gets a row of the organisation; names carry the organisation.
 */
import type { WalkOrg } from "./types.js";

export async function populate(org: WalkOrg): Promise<void> {
  const add = org.agent.impl.add;
  if (!add) throw new Error("the walk's agent has no add implementation (test/server/helpers/fixture.ts)");
  const { createToolbox } = await org.gql<{ createToolbox: { id: string } }>(`mutation ($input: CreateToolboxInput!) { createToolbox(input: $input) { id } }`, {
    input: { name: `${org.org} toolbox`, description: `tools of ${org.org}` },
  });
  await org.gql(`mutation ($input: CreateShortcutInput!) { createShortcut(input: $input) { id } }`, {
    input: { name: `${org.org} add one`, description: `adds one (${org.org})`, action: add.actionId, args: { a: 1 }, toolbox: createToolbox.id, bindNumber: 1 },
  });
  const { createBlok } = await org.gql<{ createBlok: { id: string } }>(`mutation ($input: CreateBlokInput!) { createBlok(input: $input) { id } }`, {
    input: {
      name: `${org.org} blok`,
      description: `a blok of ${org.org}`,
      catalog: `${org.org} catalog`,
      components: [{ id: "root", component: "Button", props: [{ key: "label", staticValue: org.org, dynamicValue: { path: "/label" } }], children: [] }],
      demoState: { label: org.org },
      dependencies: [{ key: "adder", app: "walk", maxViableInstances: 1, actionDependencies: [{ key: "add", demand: { key: "add" } }], stateDependencies: [] }],
    },
  });
  const { createDashboard } = await org.gql<{ createDashboard: { id: string } }>(`mutation ($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }`, {
    input: { name: `${org.org} dashboard` },
  });
  await org.gql(`mutation ($input: MaterializeBlokInput!) { materializeBlok(input: $input) { id } }`, {
    input: { blok: createBlok.id, dashboard: createDashboard.id, agentMappings: [{ key: "adder", agent: org.agent.id }] },
  });
}
