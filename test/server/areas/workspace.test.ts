/**
 * Issue 15, workspace area: shortcuts, toolboxes, dashboards, bloks and materialized bloks are
 * stored, listed (filters, orderings, pages) and read per organisation; bad input names its field.
 */
import { describe, expect, it } from "vitest";
import { useSharedTestServer } from "../helpers/server.js";
import { T1, T2, T3 } from "../helpers/tokens.js";
import { implOf, setupAgent } from "../helpers/fixture.js";

const CREATE_TOOLBOX = `mutation ($input: CreateToolboxInput!) { createToolbox(input: $input) { id name description } }`;
const CREATE_SHORTCUT = `mutation ($input: CreateShortcutInput!) {
  createShortcut(input: $input) { id name description savedArgs allowQuick useReturns bindNumber action { id } implementation { id } toolboxes { id name } args { key } returns { key } }
}`;
const CREATE_BLOK = `mutation ($input: CreateBlokInput!) {
  createBlok(input: $input) { id name description creator { sub } catalog { id name } components { id component props { key staticValue } children { id component } } uiComponents demoState
    dependencies { id key optional description autoResolvable appFilter versionFilter minViableInstances maxViableInstances singular actionDependencies { key optional demand { key } } stateDependencies { key } } }
}`;
const MATERIALIZE = `mutation ($input: MaterializeBlokInput!) {
  materializeBlok(input: $input) { id name createdAt updatedAt blok { id } agentMappings { id key agent { id } materializedBlok { id } createdAt updatedAt } dashboardPlacements { id dashboard { id } blok { id } } placements { id } }
}`;

interface Ids {
  id: string;
}

describe("issue 15: workspace area", () => {
  const server = useSharedTestServer();
  const gql = <T>(query: string, variables?: Record<string, unknown>, token = T1) => server().gql<T>(token, query, variables);

  it("issue 15: a toolbox and its shortcut are created, read, listed, filtered, ordered and deleted", async () => {
    const agent = await setupAgent(server(), T1);
    const add = implOf(agent, "add");
    const { createToolbox: box } = await gql<{ createToolbox: Ids & { name: string; description: string } }>(CREATE_TOOLBOX, { input: { name: "lab tools", description: "for the lab" } });
    expect(box).toMatchObject({ name: "lab tools", description: "for the lab" });
    // creating a toolbox of the same name updates it (as the platform does)
    const again = await gql<{ createToolbox: Ids & { description: string } }>(CREATE_TOOLBOX, { input: { name: "lab tools", description: "updated" } });
    expect(again.createToolbox).toEqual({ id: box.id, name: "lab tools", description: "updated" });

    const { createShortcut: sc } = await gql<{ createShortcut: Record<string, unknown> & Ids }>(CREATE_SHORTCUT, {
      input: { name: "add one", description: "adds one", action: add.actionId, args: { a: 1 }, allowQuick: true, bindNumber: 3, toolbox: box.id },
    });
    expect(sc).toMatchObject({
      name: "add one",
      description: "adds one",
      savedArgs: { a: 1 },
      allowQuick: true,
      useReturns: false,
      bindNumber: 3,
      action: { id: add.actionId },
      implementation: null,
      toolboxes: [{ id: box.id, name: "lab tools" }],
      // the saved arg `a` is no longer open
      args: [{ key: "b" }],
      returns: [{ key: "return0" }],
    });
    const second = await gql<{ createShortcut: Ids & { toolboxes: Array<Ids & { name: string }> } }>(CREATE_SHORTCUT, { input: { name: "Zero add", action: add.actionId, args: {} } });
    // without a toolbox it lands in the organisation's default toolbox
    expect(second.createShortcut.toolboxes).toEqual([{ id: expect.any(String), name: "default" }]);
    // and leaves that toolbox as it is
    await gql(CREATE_TOOLBOX, { input: { name: "default", description: "mine" } });
    const another = (await gql<{ createShortcut: Ids }>(CREATE_SHORTCUT, { input: { name: "another", action: add.actionId, args: {} } })).createShortcut;
    expect((await gql<{ toolboxes: Array<{ description: string }> }>(`query { toolboxes(filters: {name: {exact: "default"}}) { description } }`)).toolboxes).toEqual([{ description: "mine" }]);

    const read = await gql<{ shortcut: { name: string } }>(`query ($id: ID!) { shortcut(id: $id) { name } }`, { id: sc.id });
    expect(read.shortcut.name).toBe("add one");
    const inBox = await gql<{ toolbox: { shortcuts: Array<{ id: string }> } }>(`query ($id: ID!) { toolbox(id: $id) { shortcuts { id } } }`, { id: box.id });
    expect(inBox.toolbox.shortcuts).toEqual([{ id: sc.id }]);

    const filtered = await gql<{ shortcuts: Array<{ id: string }> }>(`query ($f: ShortcutFilter) { shortcuts(filters: $f) { id } }`, { f: { toolbox: box.id } });
    expect(filtered.shortcuts).toEqual([{ id: sc.id }]);
    const searched = await gql<{ shortcuts: Array<{ id: string }> }>(`query { shortcuts(filters: {search: "ZERO"}) { id } }`);
    expect(searched.shortcuts).toEqual([{ id: second.createShortcut.id }]);
    const either = await gql<{ shortcuts: Array<{ id: string }> }>(`query ($a: [ID!], $b: [ID!]) { shortcuts(filters: {ids: $a, OR: {ids: $b}}, ordering: [{name: DESC}]) { id } }`, {
      a: [sc.id],
      b: [second.createShortcut.id],
    });
    expect(either.shortcuts.map((s) => s.id)).toEqual([second.createShortcut.id, sc.id]);
    const notFirst = await gql<{ shortcuts: Array<{ id: string }> }>(`query ($a: [ID!]) { shortcuts(filters: {NOT: {ids: $a}}) { id } }`, { a: [sc.id] });
    expect(notFirst.shortcuts.map((s) => s.id)).not.toContain(sc.id);
    const paged = await gql<{ shortcuts: Array<{ id: string }> }>(`query { shortcuts(ordering: [{name: ASC}], pagination: {offset: 1, limit: 1}) { id } }`);
    // "add one", "another", "Zero add": names order case-insensitively
    expect(paged.shortcuts).toEqual([{ id: another.id }]);
    const boxes = await gql<{ toolboxes: Array<{ name: string }> }>(`query { toolboxes(filters: {name: {iStartsWith: "LAB"}}, ordering: [{name: ASC}]) { name } }`);
    expect(boxes.toolboxes).toEqual([{ name: "lab tools" }]);

    expect(await gql<{ deleteShortcut: string }>(`mutation ($id: ID!) { deleteShortcut(input: {id: $id}) }`, { id: sc.id })).toEqual({ deleteShortcut: sc.id });
    expect((await server().gqlErrors(T1, `query ($id: ID!) { shortcut(id: $id) { id } }`, { id: sc.id }))[0]).toContain(`Shortcut "${sc.id}" not found in organisation "lab"`);
    // deleting the toolbox deletes its shortcuts
    const defaultBox = second.createShortcut.toolboxes[0]!.id;
    expect(await gql(`mutation ($id: ID!) { deleteToolbox(input: {id: $id}) }`, { id: defaultBox })).toEqual({ deleteToolbox: defaultBox });
    expect((await server().gqlErrors(T1, `query ($id: ID!) { shortcut(id: $id) { id } }`, { id: second.createShortcut.id }))[0]).toContain("not found");
  });

  it("issue 15: a blok is stored with its components and dependencies, materialized with agent mappings onto a dashboard, updated and deleted", async () => {
    const agent = await setupAgent(server(), T2);
    const { createBlok: blok } = await gql<{ createBlok: Record<string, unknown> & Ids }>(
      CREATE_BLOK,
      {
        input: {
          name: "stage control",
          description: "moves the stage",
          catalog: "microscopy",
          components: [{ id: "root", component: "Slider", props: [{ key: "min", staticValue: 0 }], children: [{ id: "c1", component: "Button" }] }],
          demoState: { x: 1 },
          dependencies: [
            { key: "stage", app: "app-two", version: "1.0.0", maxViableInstances: 1, actionDependencies: [{ key: "move", demand: { key: "move_stage" } }] },
            { key: "camera", optional: true },
          ],
        },
      },
      T2,
    );
    expect(blok).toMatchObject({
      name: "stage control",
      creator: { sub: "2" },
      catalog: { name: "microscopy" },
      components: [{ id: "root", component: "Slider", props: [{ key: "min", staticValue: 0 }], children: [{ id: "c1", component: "Button" }] }],
      demoState: { x: 1 },
      dependencies: [
        { key: "stage", optional: false, appFilter: "app-two", versionFilter: "1.0.0", maxViableInstances: 1, singular: true, actionDependencies: [{ key: "move", optional: false, demand: { key: "move_stage" } }], stateDependencies: [] },
        { key: "camera", optional: true, singular: false },
      ],
    });
    const dash = await gql<{ createDashboard: Ids & { name: string } }>(`mutation { createDashboard(input: {name: "main"}) { id name } }`, undefined, T2);

    // the required dependency must be mapped
    const unmapped = await server().gqlErrors(T2, MATERIALIZE, { input: { blok: blok.id } });
    expect(unmapped[0]).toContain(`input.agentMappings: dependency "stage" of blok ${blok.id} is not mapped to an agent`);
    const wrongKey = await server().gqlErrors(T2, MATERIALIZE, { input: { blok: blok.id, agentMappings: [{ key: "lamp", agent: agent.agentId }] } });
    expect(wrongKey[0]).toContain(`input.agentMappings[0].key: blok ${blok.id} has no dependency "lamp"`);

    const { materializeBlok: mb } = await gql<{ materializeBlok: Record<string, unknown> & Ids }>(
      MATERIALIZE,
      { input: { blok: blok.id, dashboard: dash.createDashboard.id, agentMappings: [{ key: "stage", agent: agent.agentId }] } },
      T2,
    );
    expect(mb).toMatchObject({
      name: "stage control",
      blok: { id: blok.id },
      agentMappings: [{ key: "stage", agent: { id: agent.agentId }, materializedBlok: { id: mb.id } }],
      dashboardPlacements: [{ dashboard: { id: dash.createDashboard.id }, blok: { id: mb.id } }],
      placements: [],
    });
    const byAgent = await gql<{ materializedBloks: Ids[] }>(`query ($a: ID) { materializedBloks(filters: {agent: $a}, ordering: [{createdAt: DESC}]) { id } }`, { a: agent.agentId }, T2);
    expect(byAgent.materializedBloks).toEqual([{ id: mb.id }]);
    const agentSide = await gql<{ agent: { agentMappings: Array<{ key: string }> } }>(`query ($id: ID) { agent(id: $id) { agentMappings { key } } }`, { id: agent.agentId }, T2);
    expect(agentSide.agent.agentMappings).toEqual([{ key: "stage" }]);
    const onDash = await gql<{ dashboard: { placements: Array<{ blok: Ids }> } }>(`query ($id: ID!) { dashboard(id: $id) { placements { blok { id } } } }`, { id: dash.createDashboard.id }, T2);
    expect(onDash.dashboard.placements).toEqual([{ blok: { id: mb.id } }]);

    const updated = await gql<{ updateMaterializedBlok: { agentMappings: Array<{ agent: Ids }> } }>(
      `mutation ($input: UpdateMaterializedBlokInput!) { updateMaterializedBlok(input: $input) { agentMappings { agent { id } } } }`,
      { input: { id: mb.id, agentMappings: [{ key: "stage", agent: agent.agentId }] } },
      T2,
    );
    expect(updated.updateMaterializedBlok.agentMappings).toEqual([{ agent: { id: agent.agentId } }]);

    const ub = await gql<{ updateBlok: { name: string; description: string; components: unknown[] } }>(
      `mutation ($input: UpdateBlokInput!) { updateBlok(input: $input) { name description components { id } } }`,
      { input: { id: blok.id, name: "stage control 2", components: [] } },
      T2,
    );
    expect(ub.updateBlok).toEqual({ name: "stage control 2", description: "moves the stage", components: [] });
    const ud = await gql<{ updateDashboard: { name: string; placements: unknown[] } }>(
      `mutation ($input: UpdateDashboardInput!) { updateDashboard(input: $input) { name placements { id } } }`,
      { input: { id: dash.createDashboard.id, name: "renamed", bloks: [] } },
      T2,
    );
    expect(ud.updateDashboard).toEqual({ name: "renamed", placements: [] });
    const lists = await gql<{ dashboards: Array<{ name: string }>; bloks: Array<{ name: string }> }>(`query { dashboards { name } bloks { name } }`, undefined, T2);
    expect(lists.dashboards.map((d) => d.name)).toContain("renamed");
    expect(lists.bloks.map((b) => b.name)).toContain("stage control 2");

    expect(await gql(`mutation ($id: ID!) { deleteMaterializedBlok(input: {id: $id}) }`, { id: mb.id }, T2)).toEqual({ deleteMaterializedBlok: true });
    expect(await gql(`mutation ($id: ID!) { deleteDashboard(input: {id: $id}) }`, { id: dash.createDashboard.id }, T2)).toEqual({ deleteDashboard: true });
    expect(await gql(`mutation ($id: ID!) { deleteBlok(input: {id: $id}) }`, { id: blok.id }, T2)).toEqual({ deleteBlok: true });
    expect((await server().gqlErrors(T2, `query ($id: ID!) { blok(id: $id) { id } }`, { id: blok.id }))[0]).toContain(`Blok "${blok.id}" not found`);
  });

  it("issue 15: another organisation never sees the workspace rows: by id not found, absent from lists, and cannot reference them", async () => {
    const agent = await setupAgent(server(), T1);
    const box = await gql<{ createToolbox: Ids }>(CREATE_TOOLBOX, { input: { name: "private lab box", description: "" } });
    const sc = await gql<{ createShortcut: Ids }>(CREATE_SHORTCUT, { input: { name: "private lab shortcut", action: implOf(agent, "add").actionId, args: {}, toolbox: box.createToolbox.id } });
    const blok = await gql<{ createBlok: Ids }>(CREATE_BLOK, { input: { name: "private lab blok" } });
    const mb = await gql<{ materializeBlok: Ids }>(MATERIALIZE, { input: { blok: blok.createBlok.id } });
    const dash = await gql<{ createDashboard: Ids }>(`mutation { createDashboard(input: {name: "private lab dashboard"}) { id } }`);

    for (const [field, id] of [
      ["toolbox", box.createToolbox.id],
      ["shortcut", sc.createShortcut.id],
      ["blok", blok.createBlok.id],
      ["materializedBlok", mb.materializeBlok.id],
      ["dashboard", dash.createDashboard.id],
    ] as const) {
      const errors = await server().gqlErrors(T3, `query ($id: ID!) { ${field}(id: $id) { id } }`, { id });
      expect(errors[0]).toContain(`not found in organisation "elsewhere"`);
    }
    const lists = await server().gql<Record<string, Ids[]>>(T3, `query { toolboxes { id } shortcuts { id } bloks { id } materializedBloks { id } dashboards { id } }`);
    for (const rows of Object.values(lists)) expect(rows).toEqual([]);
    // nor can it use them in its own mutations, or change or delete them
    expect((await server().gqlErrors(T3, CREATE_SHORTCUT, { input: { name: "x", action: implOf(agent, "add").actionId, args: {} } }))[0]).toContain(`input.action: Action`);
    expect((await server().gqlErrors(T3, MATERIALIZE, { input: { blok: blok.createBlok.id } }))[0]).toContain(`input.blok: Blok "${blok.createBlok.id}" not found in organisation "elsewhere"`);
    expect((await server().gqlErrors(T3, `mutation ($id: ID!) { deleteBlok(input: {id: $id}) }`, { id: blok.createBlok.id }))[0]).toContain("not found");
    expect((await server().gqlErrors(T3, `mutation ($input: UpdateDashboardInput!) { updateDashboard(input: $input) { id } }`, { input: { id: dash.createDashboard.id, name: "taken" } }))[0]).toContain("not found");
    // the rows are untouched
    expect((await gql<{ blok: { id: string } }>(`query ($id: ID!) { blok(id: $id) { id } }`, { id: blok.createBlok.id })).blok.id).toBe(blok.createBlok.id);
  });

  it("issue 15: bad workspace input is refused naming the field", async () => {
    const refused = async (query: string, input: Record<string, unknown>) => (await server().gqlErrors(T1, query, { input }))[0];
    expect(await refused(CREATE_TOOLBOX, { name: " ", description: "" })).toContain("input.name: must not be empty");
    expect(await refused(CREATE_TOOLBOX, { name: "x".repeat(1001), description: "" })).toContain("input.name: is 1001 characters, more than the server's maxNameChars (1000)");
    expect(await refused(CREATE_TOOLBOX, { name: "long", description: "d".repeat(10_001) })).toContain("input.description: is 10001 characters, more than the server's maxDescriptionChars");
    expect(await refused(CREATE_SHORTCUT, { name: "s", action: "1", args: [1] })).toContain("input.args: must be a JSON object");
    expect(await refused(CREATE_SHORTCUT, { name: "s", action: "nope", args: {} })).toContain(`input.action: Action "nope" not found`);
    expect(await refused(CREATE_BLOK, { name: "b", dependencies: [{ key: "a" }, { key: "a" }] })).toContain(`input.dependencies[1].key: "a" is declared twice`);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { d: deep };
    expect(await refused(CREATE_BLOK, { name: "deep", demoState: deep })).toContain("input.demoState.d.d");
    expect(await refused(`mutation ($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }`, { name: "d", organization: "elsewhere" })).toContain(
      `input.organization: a dashboard belongs to your organisation "lab"`,
    );
    expect(await refused(`mutation ($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }`, { name: "d", bloks: ["999999"] })).toContain(`input.bloks[0]: MaterializedBlok "999999" not found`);
    expect((await server().gqlErrors(T1, `query { shortcuts(filters: {demands: [{kind: ARGS}]}) { id } }`))[0]).toContain("filters.demands: is not served by this server");
    expect((await server().gqlErrors(T1, `query { toolboxes(filters: {name: {regex: "a.*"}}) { id } }`))[0]).toContain("filters.name.regex: is not served by this server");
  });
});
