/**
 * Issue 15, spaces area: spaces, placements and 3D models are stored, listed (filters, orderings,
 * pages) and read per organisation; bad input names its field.
 */
import { describe, expect, it } from "vitest";
import { useSharedTestServer } from "../helpers/server.js";
import { T1, T2, T3 } from "../helpers/tokens.js";
import { setupAgent } from "../helpers/fixture.js";
import { uploadedMedia } from "./spaces-helpers.js";

const CREATE_MODEL = `mutation ($input: CreateThreeDModelInput!) { createThreedModel(input: $input) { id name description transferFunction file { id } createdAt updatedAt } }`;
const CREATE_SPACE = `mutation ($input: CreateSpaceInput!) {
  createSpace(input: $input) { id name description creator { sub } createdAt updatedAt placements { id role affineMatrix name agent { id } model { id } blok { id } space { id } } }
}`;
const CREATE_PLACEMENT = `mutation ($input: CreatePlacementInput!) { createPlacement(input: $input) { id role affineMatrix name agent { id } model { id } blok { id } space { id } } }`;

interface Ids {
  id: string;
}
const IDENTITY = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

describe("issue 15: spaces area", () => {
  const server = useSharedTestServer();
  const gql = <T>(query: string, variables?: Record<string, unknown>, token = T1) => server().gql<T>(token, query, variables);

  it("issue 15: a 3D model, a space with placements, and a placement are created, read, listed, filtered, ordered, updated and deleted", async () => {
    const agent = await setupAgent(server(), T1);
    const media = await uploadedMedia(server(), T1);
    const { createThreedModel: model } = await gql<{ createThreedModel: Ids & Record<string, unknown> }>(CREATE_MODEL, { input: { name: "Stage", description: "the stage", media } });
    expect(model).toMatchObject({ name: "Stage", description: "the stage", transferFunction: null, file: { id: media } });

    const { createSpace: space } = await gql<{ createSpace: Ids & { placements: Array<Ids & Record<string, unknown>> } }>(CREATE_SPACE, {
      input: { name: "lab bench", placements: [{ agent: agent.agentId, model: model.id, affineMatrix: IDENTITY }] },
    });
    expect(space).toMatchObject({ name: "lab bench", description: null, creator: { sub: "1" } });
    expect(space.placements).toEqual([
      { id: expect.any(String), role: "just a member", affineMatrix: IDENTITY, name: "client-one", agent: { id: agent.agentId }, model: { id: model.id }, blok: null, space: { id: space.id } },
    ]);
    // the model's dependency is the agent it is placed for
    const dep = await gql<{ threedModel: { dependency: Ids } }>(`query ($id: ID!) { threedModel(id: $id) { dependency { id } } }`, { id: model.id });
    expect(dep.threedModel.dependency).toEqual({ id: agent.agentId });

    // placing the same agent again in the space updates its placement (one per agent and space)
    const { createPlacement: placed } = await gql<{ createPlacement: Ids & Record<string, unknown> }>(CREATE_PLACEMENT, { input: { space: space.id, agent: agent.agentId, role: "stage" } });
    expect(placed).toMatchObject({ id: space.placements[0]!.id, role: "stage", model: null, space: { id: space.id } });
    const updated = await gql<{ updatePlacement: Record<string, unknown> }>(
      `mutation ($input: UpdatePlacementInput!) { updatePlacement(input: $input) { role affineMatrix model { id } } }`,
      { input: { id: placed.id, role: "main stage", model: model.id, affineMatrix: [[2]] } },
    );
    expect(updated.updatePlacement).toEqual({ role: "main stage", affineMatrix: [[2]], model: { id: model.id } });

    const second = await gql<{ createSpace: Ids }>(CREATE_SPACE, { input: { name: "Annex" } });
    const spaces = await gql<{ spaces: Array<{ name: string }> }>(`query { spaces(ordering: [{name: ASC}]) { name } }`);
    expect(spaces.spaces.map((s) => s.name)).toEqual(["Annex", "lab bench"]);
    const searched = await gql<{ spaces: Ids[] }>(`query { spaces(filters: {search: "BENCH"}) { id } }`);
    expect(searched.spaces).toEqual([{ id: space.id }]);
    const paged = await gql<{ spaces: Ids[] }>(`query { spaces(ordering: [{createdAt: DESC}], pagination: {limit: 1}) { id } }`);
    expect(paged.spaces).toEqual([{ id: second.createSpace.id }]);
    const byAgent = await gql<{ placements: Ids[] }>(`query ($a: ID, $s: ID) { placements(filters: {agent: $a, space: $s}, ordering: [{role: ASC}]) { id } }`, { a: agent.agentId, s: space.id });
    expect(byAgent.placements).toEqual([{ id: placed.id }]);
    const onAgent = await gql<{ agent: { placements: Ids[] } }>(`query ($id: ID) { agent(id: $id) { placements { id } } }`, { id: agent.agentId });
    expect(onAgent.agent.placements).toEqual([{ id: placed.id }]);
    const inSpace = await gql<{ space: { placements: Ids[] } }>(`query ($id: ID!) { space(id: $id) { placements(filters: {search: "main"}) { id } } }`, { id: space.id });
    expect(inSpace.space.placements).toEqual([{ id: placed.id }]);
    const models = await gql<{ threedModels: Ids[] }>(`query ($ids: [ID!]) { threedModels(filters: {ids: $ids}, ordering: [{updatedAt: DESC}]) { id } }`, { ids: [model.id] });
    expect(models.threedModels).toEqual([{ id: model.id }]);

    const us = await gql<{ updateSpace: Record<string, unknown> }>(`mutation ($input: UpdateSpaceInput!) { updateSpace(input: $input) { name description } }`, {
      input: { id: space.id, description: "the bench by the window" },
    });
    expect(us.updateSpace).toEqual({ name: "lab bench", description: "the bench by the window" });
    const um = await gql<{ updateThreedModel: Record<string, unknown> }>(`mutation ($input: UpdateThreeDModelInput!) { updateThreedModel(input: $input) { name description } }`, {
      input: { id: model.id, name: "Stage v2" },
    });
    expect(um.updateThreedModel).toEqual({ name: "Stage v2", description: "the stage" });

    expect(await gql(`mutation ($id: ID!) { deletePlacement(input: {id: $id}) }`, { id: placed.id })).toEqual({ deletePlacement: placed.id });
    expect(await gql(`mutation ($id: ID!) { deleteThreedModel(input: {id: $id}) }`, { id: model.id })).toEqual({ deleteThreedModel: model.id });
    expect(await gql(`mutation ($id: ID!) { deleteSpace(input: {id: $id}) }`, { id: space.id })).toEqual({ deleteSpace: space.id });
    for (const [field, id] of [
      ["space", space.id],
      ["placement", placed.id],
      ["threedModel", model.id],
    ] as const) {
      expect((await server().gqlErrors(T1, `query ($id: ID!) { ${field}(id: $id) { id } }`, { id }))[0]).toContain(`"${id}" not found in organisation "lab"`);
    }
  });

  it("issue 15: deleting a space deletes its placements", async () => {
    const agent = await setupAgent(server(), T2);
    const space = await gql<{ createSpace: Ids }>(CREATE_SPACE, { input: { name: "short lived" } }, T2);
    const placed = await gql<{ createPlacement: Ids }>(CREATE_PLACEMENT, { input: { space: space.createSpace.id, agent: agent.agentId } }, T2);
    await gql(`mutation ($id: ID!) { deleteSpace(input: {id: $id}) }`, { id: space.createSpace.id }, T2);
    expect((await server().gqlErrors(T2, `query ($id: ID!) { placement(id: $id) { id } }`, { id: placed.createPlacement.id }))[0]).toContain("not found");
  });

  it("issue 15: another organisation never sees spaces, placements or 3D models, and cannot reference them", async () => {
    const agent = await setupAgent(server(), T1);
    const media = await uploadedMedia(server(), T1);
    const model = await gql<{ createThreedModel: Ids }>(CREATE_MODEL, { input: { name: "private lab model", media } });
    const space = await gql<{ createSpace: Ids & { placements: Ids[] } }>(CREATE_SPACE, {
      input: { name: "private lab space", placements: [{ agent: agent.agentId, model: model.createThreedModel.id }] },
    });
    const placement = space.createSpace.placements[0]!.id;
    for (const [field, id] of [
      ["space", space.createSpace.id],
      ["placement", placement],
      ["threedModel", model.createThreedModel.id],
    ] as const) {
      expect((await server().gqlErrors(T3, `query ($id: ID!) { ${field}(id: $id) { id } }`, { id }))[0]).toContain(`not found in organisation "elsewhere"`);
    }
    const lists = await server().gql<Record<string, Ids[]>>(T3, `query { spaces { id } placements { id } threedModels { id } }`);
    for (const rows of Object.values(lists)) expect(rows).toEqual([]);
    expect((await server().gqlErrors(T3, CREATE_MODEL, { input: { name: "stolen", media } }))[0]).toContain("input.media: Media store");
    expect((await server().gqlErrors(T3, CREATE_PLACEMENT, { input: { space: space.createSpace.id, agent: agent.agentId } }))[0]).toContain(
      `input.space: Space "${space.createSpace.id}" not found in organisation "elsewhere"`,
    );
    const own = await server().gql<{ createSpace: Ids }>(T3, CREATE_SPACE, { input: { name: "elsewhere space" } });
    expect((await server().gqlErrors(T3, CREATE_PLACEMENT, { input: { space: own.createSpace.id, agent: agent.agentId } }))[0]).toContain(`input.agent: Agent "${agent.agentId}" not found`);
    expect((await server().gqlErrors(T3, `mutation ($id: ID!) { deleteSpace(input: {id: $id}) }`, { id: space.createSpace.id }))[0]).toContain("not found");
    expect((await gql<{ space: Ids }>(`query ($id: ID!) { space(id: $id) { id } }`, { id: space.createSpace.id })).space.id).toBe(space.createSpace.id);
  });

  it("issue 15: bad spaces input is refused naming the field", async () => {
    const agent = await setupAgent(server(), T1);
    const refused = async (query: string, input: Record<string, unknown>) => (await server().gqlErrors(T1, query, { input }))[0];
    expect(await refused(CREATE_SPACE, { name: "" })).toContain("input.name: must not be empty");
    expect(await refused(CREATE_SPACE, { name: "s", placements: [{ model: "1" }] })).toContain("input.placements[0].agent: is required");
    expect(await refused(CREATE_SPACE, { name: "s", placements: [{ agent: agent.agentId }] })).toContain("input.placements[0].model: is required");
    const space = await gql<{ createSpace: Ids }>(CREATE_SPACE, { input: { name: "for refusals" } });
    expect(await refused(CREATE_PLACEMENT, { space: space.createSpace.id })).toContain("input.agent: is required");
    expect(await refused(CREATE_PLACEMENT, { space: space.createSpace.id, agent: agent.agentId, role: "r".repeat(1001) })).toContain("input.role: is 1001 characters");
    expect(await refused(CREATE_PLACEMENT, { space: space.createSpace.id, agent: agent.agentId, model: "424242" })).toContain(`input.model: ThreeDModel "424242" not found`);
    expect(await refused(CREATE_PLACEMENT, { space: space.createSpace.id, agent: agent.agentId, materializedBlok: "424242" })).toContain(`input.materializedBlok: MaterializedBlok "424242" not found`);
    expect(await refused(CREATE_MODEL, { name: "m", media: "no-such-store" })).toContain(`input.media: Media store "no-such-store" not found`);
    await gql(CREATE_SPACE, { input: { name: "taken name" } });
    expect(await refused(`mutation ($input: UpdateSpaceInput!) { updateSpace(input: $input) { id } }`, { id: space.createSpace.id, name: "taken name" })).toContain(
      `input.name: organisation "lab" already has a space named "taken name"`,
    );
  });
});
