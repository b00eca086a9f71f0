/**
 * The memory area (issue 15): memory shelves and drawers through the platform API, with a real
 * server and real agent sockets. Tokens: T1, T2 and T4 are three identities (three agents) of
 * organisation "lab", T3 lives in "elsewhere".
 */
import { describe, expect, it } from "vitest";
import { compileOptions } from "../../../src/server/options.js";
import { ensureAgent, setupAgent, implOf } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2, T3, T4 } from "../helpers/tokens.js";
import { populate } from "../walk/populate/memory.js";

const SHELVE = `mutation ($input: ShelveInMemoryDrawerInput!) {
  shelveInMemoryDrawer(input: $input) { id resourceId identifier label description createdAt shelve { id name agent { id } } }
}`;
const UNSHELVE = "mutation ($id: String!) { unshelveMemoryDrawer(input: {id: $id}) }";
const COLLECT = "mutation ($drawers: [ID!]!) { collect(input: {drawers: $drawers}) }";
const DRAWER = "query ($id: ID!) { memoryDrawer(id: $id) { id resourceId identifier label description shelve { id } } }";
const SHELVE_BY_ID = "query ($id: ID!) { memoryShelve(id: $id) { id name description agent { id } drawers { id } } }";
const DRAWERS = "query ($filters: MemoryDrawerFilter, $pagination: OffsetPaginationInput) { memoryDrawers(filters: $filters, pagination: $pagination) { id } }";
const SHELVES = "query ($filters: MemoryShelveFilter, $ordering: [MemoryShelveOrder!]) { memoryShelves(filters: $filters, ordering: $ordering) { id name agent { id } } }";
const AGENT_SHELVE = "query ($id: ID!) { agent(id: $id) { memoryShelve { id name drawers { id label } } } }";

interface Drawer {
  id: string;
  resourceId: string;
  identifier: string;
  label: string;
  description: string | null;
  createdAt: string;
  shelve: { id: string; name: string; agent: { id: string } };
}

async function shelve(s: TestServer, token: string, input: Record<string, unknown>): Promise<Drawer> {
  return (await s.gql<{ shelveInMemoryDrawer: Drawer }>(token, SHELVE, { input })).shelveInMemoryDrawer;
}
async function drawerIds(s: TestServer, token: string, filters?: Record<string, unknown>): Promise<string[]> {
  return (await s.gql<{ memoryDrawers: Array<{ id: string }> }>(token, DRAWERS, { filters })).memoryDrawers.map((d) => d.id);
}
async function shelveOf(s: TestServer, token: string, agentId: string): Promise<{ id: string; name: string; drawers: Array<{ id: string; label: string }> } | null> {
  return (await s.gql<{ agent: { memoryShelve: { id: string; name: string; drawers: Array<{ id: string; label: string }> } | null } }>(token, AGENT_SHELVE, { id: agentId })).agent.memoryShelve;
}
async function errorOf(s: TestServer, token: string, query: string, variables: Record<string, unknown>): Promise<{ message: string; code: unknown }> {
  const response = await s.request(token, query, variables);
  const error = response.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(response.data)}`);
  return { message: error.message, code: error.extensions?.code };
}

describe("issue 15: memory shelves and drawers", () => {
  const server = useTestServer();

  it("issue 15: ensureAgent creates the agent's memory shelve and empties it on every call", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1, "shelf agent");
    const first = await shelveOf(s, T1, agentId);
    expect(first).toEqual({ id: expect.stringMatching(/^\d+$/), name: "shelf agent memory shelve", drawers: [] });
    await shelve(s, T1, { identifier: "@lab/counter", resourceId: "r1" });
    await shelve(s, T1, { identifier: "@lab/counter", resourceId: "r2" });
    expect((await shelveOf(s, T1, agentId))!.drawers).toHaveLength(2);
    await ensureAgent(s, T1, "shelf agent");
    expect(await shelveOf(s, T1, agentId)).toEqual({ ...first, drawers: [] });
  });

  it("issue 15: a drawer is created, read, updated by re-shelving its resourceId, and deleted by unshelving", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const created = await shelve(s, T1, { identifier: "@lab/counter", resourceId: "res-1", label: "a counter", description: "counts" });
    expect(created).toMatchObject({ resourceId: "res-1", identifier: "@lab/counter", label: "a counter", description: "counts", shelve: { agent: { id: agentId } } });
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    // read: by id, in lists, on the shelve, from the agent
    expect((await s.gql<{ memoryDrawer: unknown }>(T2, DRAWER, { id: created.id })).memoryDrawer).toEqual({
      id: created.id,
      resourceId: "res-1",
      identifier: "@lab/counter",
      label: "a counter",
      description: "counts",
      shelve: { id: created.shelve.id },
    });
    expect((await s.gql<{ memoryShelve: unknown }>(T2, SHELVE_BY_ID, { id: created.shelve.id })).memoryShelve).toEqual({
      id: created.shelve.id,
      name: created.shelve.name,
      description: null,
      agent: { id: agentId },
      drawers: [{ id: created.id }],
    });
    expect(await drawerIds(s, T2)).toEqual([created.id]);
    // update: the same resourceId keeps its drawer (the platform's update_or_create)
    const updated = await shelve(s, T1, { identifier: "@lab/counter2", resourceId: "res-1" });
    expect(updated).toMatchObject({ id: created.id, identifier: "@lab/counter2", label: "@lab/counter2@res-1", description: null, createdAt: created.createdAt });
    // delete
    expect(await s.gql<{ unshelveMemoryDrawer: string }>(T1, UNSHELVE, { id: created.id })).toEqual({ unshelveMemoryDrawer: created.id });
    const gone = await errorOf(s, T1, DRAWER, { id: created.id });
    expect(gone).toEqual({ message: `MemoryDrawer ${created.id} not found in organisation "lab"`, code: "NOT_FOUND" });
    expect(await drawerIds(s, T1)).toEqual([]);
  });

  it("issue 15: a drawer id is never given to another object, even after the newest drawer was unshelved", async () => {
    const s = server();
    await ensureAgent(s, T1);
    const a = await shelve(s, T1, { identifier: "x", resourceId: "a" });
    await s.gql(T1, UNSHELVE, { id: a.id });
    const b = await shelve(s, T1, { identifier: "x", resourceId: "b" });
    expect(Number(b.id)).toBeGreaterThan(Number(a.id));
  });

  it("issue 15: only the agent holding a drawer may unshelve it; shelving needs the token's own agent", async () => {
    const s = server();
    await ensureAgent(s, T1);
    await ensureAgent(s, T2);
    const drawer = await shelve(s, T1, { identifier: "x", resourceId: "mine" });
    const refused = await errorOf(s, T2, UNSHELVE, { id: drawer.id });
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toContain(`input.id: MemoryDrawer ${drawer.id} is on the shelve of agent`);
    expect(await drawerIds(s, T1)).toEqual([drawer.id]);
    // T4 has no agent yet
    const noAgent = await errorOf(s, T4, SHELVE, { input: { identifier: "x", resourceId: "r" } });
    expect(noAgent.code).toBe("NOT_FOUND");
    expect(noAgent.message).toContain("call ensureAgent first");
  });

  it("issue 15: collect sends each connected holding agent one COLLECT with its drawers and answers the drawers found", async () => {
    const s = server();
    await ensureAgent(s, T1);
    await ensureAgent(s, T2);
    const { socket: one } = await s.connectAgent(T1);
    const { socket: two } = await s.connectAgent(T2);
    const a = await shelve(s, T1, { identifier: "x", resourceId: "a" });
    const b = await shelve(s, T1, { identifier: "x", resourceId: "b" });
    const c = await shelve(s, T2, { identifier: "x", resourceId: "c" });
    const answer = await s.gql<{ collect: string[] }>(T4, COLLECT, { drawers: [b.id, c.id, a.id, "999999"] });
    expect(answer.collect).toEqual([b.id, c.id, a.id]);
    expect((await one.next((f) => f.type === "COLLECT")).drawers).toEqual([a.id, b.id]);
    expect((await two.next((f) => f.type === "COLLECT")).drawers).toEqual([c.id]);
    // the platform drops nothing itself: the agents unshelve what they dropped
    expect(await drawerIds(s, T1)).toEqual([a.id, b.id, c.id]);
  });

  it("issue 15: organisation isolation: another organisation never sees, reaches, unshelves or collects lab drawers", async () => {
    const s = server();
    const labAgent = await ensureAgent(s, T1);
    const { socket: lab } = await s.connectAgent(T1);
    const drawer = await shelve(s, T1, { identifier: "x", resourceId: "lab-only" });
    const elsewhereAgent = await ensureAgent(s, T3);
    const theirs = await shelve(s, T3, { identifier: "x", resourceId: "elsewhere" });
    // lists: absent
    expect(await drawerIds(s, T3)).toEqual([theirs.id]);
    expect((await s.gql<{ memoryShelves: Array<{ agent: { id: string } }> }>(T3, SHELVES, {})).memoryShelves.map((x) => x.agent.id)).toEqual([elsewhereAgent]);
    expect(await drawerIds(s, T3, { agent: labAgent })).toEqual([]);
    // by id: not found
    expect(await errorOf(s, T3, DRAWER, { id: drawer.id })).toEqual({ message: `MemoryDrawer ${drawer.id} not found in organisation "elsewhere"`, code: "NOT_FOUND" });
    expect((await errorOf(s, T3, SHELVE_BY_ID, { id: drawer.shelve.id })).code).toBe("NOT_FOUND");
    expect((await errorOf(s, T3, UNSHELVE, { id: drawer.id })).code).toBe("NOT_FOUND");
    // collect: nothing found, no COLLECT sent
    expect(await s.gql<{ collect: string[] }>(T3, COLLECT, { drawers: [drawer.id] })).toEqual({ collect: [] });
    await s.gql(T1, COLLECT, { drawers: [drawer.id] });
    expect((await lab.next((f) => f.type === "COLLECT")).drawers).toEqual([drawer.id]);
    expect(lab.seen((f) => f.type === "COLLECT")).toHaveLength(1);
    expect(await drawerIds(s, T1)).toEqual([drawer.id]);
  });

  it("issue 15: memoryDrawers filters by shelve, agent, implementation, identifier, ids, search and AND/OR/NOT; memoryShelves by agent and ids, ordered by name", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1);
    const agentTwo = await ensureAgent(s, T2, "a second agent");
    const a = await shelve(s, T1, { identifier: "@lab/image", resourceId: "a", label: "Cells Image" });
    const b = await shelve(s, T1, { identifier: "@lab/table", resourceId: "b" });
    const c = await shelve(s, T2, { identifier: "@lab/image", resourceId: "c", label: "another" });
    expect(await drawerIds(s, T1, { shelve: a.shelve.id })).toEqual([a.id, b.id]);
    expect(await drawerIds(s, T1, { agent: agentTwo })).toEqual([c.id]);
    expect(await drawerIds(s, T1, { implementation: implOf(fixture, "add").id })).toEqual([a.id, b.id]);
    expect(await drawerIds(s, T1, { identifier: "@lab/image" })).toEqual([a.id, c.id]);
    expect(await drawerIds(s, T1, { ids: [c.id, b.id, "not-an-id"] })).toEqual([b.id, c.id]);
    expect(await drawerIds(s, T1, { search: "cells" })).toEqual([a.id]);
    expect(await drawerIds(s, T1, { search: "TABLE@B" })).toEqual([b.id]);
    expect(await drawerIds(s, T1, { identifier: "@lab/image", OR: { identifier: "@lab/table" } })).toEqual([a.id, b.id, c.id]);
    expect(await drawerIds(s, T1, { identifier: "@lab/image", NOT: { agent: agentTwo } })).toEqual([a.id]);
    expect(await drawerIds(s, T1, { identifier: "@lab/image", AND: { search: "another" } })).toEqual([c.id]);
    expect(await drawerIds(s, T1, { shelve: "0x1" })).toEqual([]);
    const page = await s.gql<{ memoryDrawers: Array<{ id: string }> }>(T1, DRAWERS, { pagination: { limit: 1, offset: 1 } });
    expect(page.memoryDrawers).toEqual([{ id: b.id }]);

    const shelves = async (variables: Record<string, unknown>) =>
      (await s.gql<{ memoryShelves: Array<{ id: string; name: string; agent: { id: string } }> }>(T1, SHELVES, variables)).memoryShelves.map((x) => x.agent.id);
    expect(await shelves({ filters: { agent: agentTwo } })).toEqual([agentTwo]);
    expect(await shelves({ filters: { ids: [c.shelve.id] } })).toEqual([agentTwo]);
    expect(await shelves({ ordering: [{ name: "ASC" }] })).toEqual([agentTwo, fixture.agentId]); // "a second agent" < "acceptance agent"
    expect(await shelves({ ordering: [{ name: "DESC" }] })).toEqual([fixture.agentId, agentTwo]);
  });

  it("issue 15: deleting an agent deletes its memory shelve and drawers", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const drawer = await shelve(s, T1, { identifier: "x", resourceId: "r" });
    await s.gql(T1, "mutation ($id: ID!) { deleteAgent(input: {id: $id}) }", { id: agentId });
    expect((await errorOf(s, T1, DRAWER, { id: drawer.id })).code).toBe("NOT_FOUND");
    expect((await errorOf(s, T1, SHELVE_BY_ID, { id: drawer.shelve.id })).code).toBe("NOT_FOUND");
  });
});

describe("issue 15: memory input is bounded and bad input names the field", () => {
  const server = useTestServer({ maxDrawersPerShelve: 2, maxDrawerLabelLength: 10, maxDrawerDescriptionLength: 20 });

  it("issue 15: empty or over-long fields are refused with BAD_USER_INPUT naming input.<field>", async () => {
    const s = server();
    await ensureAgent(s, T1);
    const refused = async (input: Record<string, unknown>) => errorOf(s, T1, SHELVE, { input });
    expect(await refused({ identifier: " ", resourceId: "r" })).toEqual({ message: expect.stringMatching(/^input\.identifier: must not be empty;/), code: "BAD_USER_INPUT" });
    expect(await refused({ identifier: "x", resourceId: "" })).toEqual({ message: expect.stringMatching(/^input\.resourceId: must not be empty;/), code: "BAD_USER_INPUT" });
    expect(await refused({ identifier: "x".repeat(1001), resourceId: "r" })).toMatchObject({ message: expect.stringMatching(/^input\.identifier: 1001 characters, more than 1000;/) });
    expect(await refused({ identifier: "x", resourceId: "r", label: "l".repeat(11) })).toEqual({
      message: "input.label: 11 characters, more than 10 (the server's maxDrawerLabelLength); shorten it or raise the server's maxDrawerLabelLength",
      code: "BAD_USER_INPUT",
    });
    // characters, not UTF-16 units: ten emoji are ten characters
    await shelve(s, T1, { identifier: "x", resourceId: "r", label: "🧫".repeat(10) });
    expect((await refused({ identifier: "x", resourceId: "r", description: "d".repeat(21) })).message).toMatch(/^input\.description: 21 characters, more than 20 \(the server's maxDrawerDescriptionLength\)/);
    const collect = await errorOf(s, T1, COLLECT, { drawers: ["1", "0x2"] });
    expect(collect).toEqual({ message: 'input.drawers[1]: "0x2" is no drawer id; pass the ids shelveInMemoryDrawer answered', code: "BAD_USER_INPUT" });
  });

  it("issue 15: a shelve holds at most maxDrawersPerShelve drawers; re-shelving an existing resourceId still works", async () => {
    const s = server();
    await ensureAgent(s, T1);
    await shelve(s, T1, { identifier: "x", resourceId: "1" });
    const second = await shelve(s, T1, { identifier: "x", resourceId: "2" });
    const full = await errorOf(s, T1, SHELVE, { input: { identifier: "x", resourceId: "3" } });
    expect(full.code).toBe("LIMIT_EXCEEDED");
    expect(full.message).toContain("already holds 2 drawers (the server's maxDrawersPerShelve); unshelve or collect drawers");
    expect((await shelve(s, T1, { identifier: "y", resourceId: "2" })).id).toBe(second.id);
    await s.gql(T1, UNSHELVE, { id: second.id });
    await shelve(s, T1, { identifier: "x", resourceId: "3" });
  });
});

describe("issue 15: the memory limits are server options", () => {
  it("issue 15: maxDrawersPerShelve, maxDrawerLabelLength and maxDrawerDescriptionLength default to 10000, 1000 and 10000 and refuse non-positive values", () => {
    const compiled = compileOptions({ dataDir: "unused" });
    expect([compiled.maxDrawersPerShelve, compiled.maxDrawerLabelLength, compiled.maxDrawerDescriptionLength]).toEqual([10_000, 1000, 10_000]);
    expect(compileOptions({ dataDir: "unused", maxDrawersPerShelve: 5 }).maxDrawersPerShelve).toBe(5);
    expect(() => compileOptions({ dataDir: "unused", maxDrawersPerShelve: 0 })).toThrow("maxDrawersPerShelve must be a positive integer, got 0");
    expect(() => compileOptions({ dataDir: "unused", maxDrawerLabelLength: 1.5 })).toThrow("maxDrawerLabelLength must be a positive integer");
  });
});

describe("issue 15: the schema walk's memory rows", () => {
  const server = useTestServer();

  it("issue 15: populate/memory.ts makes a shelve and drawers for each organisation, each visible only there", async () => {
    const s = server();
    for (const [token, org] of [[T1, "lab"], [T3, "elsewhere"]] as const) {
      const fixture = await setupAgent(s, token);
      const { socket } = await s.connectAgent(token);
      await populate({ server: s, token, org, gql: (query, variables) => s.gql(token, query, variables), agent: { id: fixture.agentId, socket, impl: fixture.impl }, taskId: "0" });
    }
    for (const [token, org] of [[T1, "lab"], [T3, "elsewhere"]] as const) {
      const seen = await s.gql<{ memoryShelves: Array<{ name: string }>; memoryDrawers: Array<{ label: string; shelve: { agent: { id: string } } }> }>(
        token,
        "{ memoryShelves { name } memoryDrawers { label shelve { agent { id } } } }",
      );
      expect(seen.memoryShelves).toHaveLength(1);
      expect(seen.memoryDrawers.map((d) => d.label)).toEqual([`${org} counter`, `@${org}/table@${org}-table-1`]);
    }
  });
});
