/**
 * Issue 16, memory structures end to end: the real embedded server, the agent in a child process
 * serving `makeModel` (returns a Model that stays on the agent) and `useModel` (mutates the one it
 * gets), the caller in this process. The caller gets a `MemoryRef`, passes it back, and the agent's
 * function receives the same instance (its count goes on); the drawer is on the agent's shelve;
 * an unknown reference fails naming the port; release and close unshelve.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codecAdapter, createClient, TaskFailedError, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { MemoryRef, releaseMemory } from "../../src/runtime/memory.js";
import { PortValueError } from "../../src/runtime/registry.js";
import { createGraphQLClient, type GraphQLClient } from "../../src/runtime/transport/index.js";
import { spawnFixture, startRuntimeServer, waitFor, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import type { Model } from "../fixtures/runtime/memory-registry.js";
import type { Codec } from "../../src/runtime/structures/support.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

let server: RuntimeServer;
let agent: ChildHandle;
let agentId: string;
let client: ArkitektClient;
let gql: GraphQLClient;

const DRAWERS = "query Drawers($filters: MemoryDrawerFilter) { memoryDrawers(filters: $filters) { id identifier label resourceId shelve { agent { id } } } }";
interface Drawer {
  id: string;
  identifier: string;
  label: string;
  resourceId: string;
  shelve: { agent: { id: string } };
}
const drawers = async (): Promise<Drawer[]> =>
  (await gql.request<{ memoryDrawers: Drawer[] }>({ document: DRAWERS, operationName: "Drawers", variables: { filters: { agent: agentId } } })).memoryDrawers;

// What a typed stub of these actions uses (codegen/actions): no class, MemoryRefs on a caller.
const modelCodec: Codec = { kind: "MEMORY_STRUCTURE", identifier: "@test/model" };
const makeModel = codecAdapter<Record<string, never>, MemoryRef<Model>>({ args: [], returns: [modelCodec] });
const useModel = codecAdapter<{ model: MemoryRef<Model> | string }, number>({ args: [["model", modelCodec]], returns: [{ kind: "INT" }] });
const pickModel = codecAdapter<{ models: Array<MemoryRef<Model>>; fallback?: MemoryRef<Model> | null }, MemoryRef<Model> | null>({
  args: [
    ["models", { kind: "LIST", child: modelCodec }],
    ["fallback", { ...modelCodec, nullable: true }],
  ],
  returns: [{ ...modelCodec, nullable: true }],
});
const dropModel = codecAdapter<{ model: MemoryRef<Model> }, boolean>({ args: [["model", modelCodec]], returns: [{ kind: "BOOL" }] });
const target = (iface: string) => ({ agent: agentId, interface: iface });

beforeAll(async () => {
  server = await startRuntimeServer();
  agent = spawnFixture("memory-agent-main.ts", { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN });
  agentId = await agent.ready;
  client = createClient({ url: server.url, token: CALLER_TOKEN, devTokenFile: false });
  gql = createGraphQLClient({ url: server.handle.graphqlUrl, token: CALLER_TOKEN });
}, 30_000);

afterAll(async () => {
  await client?.close();
  await gql?.close();
  await agent?.kill();
  await server?.close();
});

describe("issue 16: memory structures across processes", () => {
  let ref: MemoryRef<Model>;

  it("issue 16: a caller gets a MemoryRef for a returned memory structure, and its drawer is on the agent's shelve", async () => {
    ref = await client.call(target("makeModel"), {}, { adapter: makeModel });
    expect(ref).toBeInstanceOf(MemoryRef);
    expect(ref.identifier).toBe("@test/model");
    const listed = await drawers();
    expect(listed.map((d) => d.id)).toEqual([ref.drawer]);
    expect(listed[0]).toMatchObject({ identifier: "@test/model", label: "model 1", shelve: { agent: { id: agentId } } });
    expect(listed[0]!.resourceId).toMatch(/^[0-9a-f]{32}$/);
    // What travels is the drawer id, in the released client's shape.
    const raw = await client.call(target("makeModel"), {});
    expect(raw).toEqual({ return0: { __identifier: "@test/model", object: expect.any(String) } });
  });

  it("issue 16: passing the reference back gives the agent's function the same instance (a count mutated by one call is seen by the next)", async () => {
    await expect(client.call(target("useModel"), { model: ref }, { adapter: useModel })).resolves.toBe(1001);
    await expect(client.call(target("useModel"), { model: ref }, { adapter: useModel })).resolves.toBe(1002);
    // The bare drawer id works too (what the released Python caller sends).
    await expect(client.call(target("useModel"), { model: ref.drawer }, { adapter: useModel })).resolves.toBe(1003);
  });

  it("issue 16: memory structures inside lists and nullables come back as the same references", async () => {
    const picked = await client.call(target("pickModel"), { models: [ref] }, { adapter: pickModel });
    expect(picked).toEqual(ref);
    await expect(client.call(target("pickModel"), { models: [] }, { adapter: pickModel })).resolves.toBeNull();
    // Returning a held object again reuses its drawer: no second drawer for the same instance.
    expect((await drawers()).filter((d) => d.id === ref.drawer)).toHaveLength(1);
  });

  it("issue 16: a reference to a drawer the agent does not hold fails the task naming the port", async () => {
    const error = await client.call(target("useModel"), { model: new MemoryRef<Model>("@test/model", "999999") }, { adapter: useModel }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).kind).toBe("FAILED");
    expect((error as Error).message).toMatch(/port "model": memory drawer 999999 \(@test\/model\) is not held by this agent/);
  });

  it("issue 16: a caller cannot send a memory structure object, only its reference (refused before any task)", async () => {
    const error: unknown = await Promise.resolve()
      .then(() => useModel.encodeArgs({ model: { count: 1 } as unknown as MemoryRef<Model> }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(PortValueError);
    expect((error as Error).message).toMatch(/port "model": expected a MemoryRef to a @test\/model/);
  });

  it("issue 16: releaseMemory(ref) from a caller collects the drawer: the agent drops the object and unshelves it", async () => {
    const second = await client.call(target("makeModel"), {}, { adapter: makeModel });
    await expect(releaseMemory(second, { client })).resolves.toBe(true);
    await waitFor("the drawer to be unshelved", async () => !(await drawers()).some((d) => d.id === second.drawer));
    const error = await client.call(target("useModel"), { model: second }, { adapter: useModel }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/port "model": memory drawer \d+ \(@test\/model\) is not held by this agent/);
    // The first model is untouched.
    await expect(client.call(target("useModel"), { model: ref }, { adapter: useModel })).resolves.toBe(1004);
  });

  it("issue 16: releaseMemory(object) inside a task of the holding agent drops it and unshelves its drawer at once", async () => {
    const third = await client.call(target("makeModel"), {}, { adapter: makeModel });
    expect((await drawers()).some((d) => d.id === third.drawer)).toBe(true);
    await expect(client.call(target("dropModel"), { model: third }, { adapter: dropModel })).resolves.toBe(true);
    expect((await drawers()).some((d) => d.id === third.drawer)).toBe(false);
    const error = await client.call(target("useModel"), { model: third }, { adapter: useModel }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/port "model": memory drawer \d+ \(@test\/model\) is not held by this agent/);
  });

  it("issue 16: closing the agent unshelves every drawer it holds", async () => {
    expect((await drawers()).length).toBeGreaterThan(0);
    await agent.stop();
    expect(await drawers()).toEqual([]);
  });
});
