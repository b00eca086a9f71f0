/**
 * Issue 15, dependencies area: declared dependencies as rows, resolutions (create, read, update,
 * delete, autoResolve), resolvedImplementations, the Task fields of dependencies and assign routing
 * by resolution and by dependency + method + parent, scoped by organisation.
 *
 * Fixture: T1's agent A implements "pipeline", which depends on "seg" (app "app-two", slot "run" =
 * an action with key "ping"); T2's agent B (app "app-two") and T4's agent C (app "app-four") implement ping.
 */
import { describe, expect, it } from "vitest";
import type { AgentSocket, Frame } from "../helpers/agent-socket.js";
import { ADD, PING, assign, assignErrors, implOf, setupAgent, type AgentFixture, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2, T3, T4 } from "../helpers/tokens.js";
import { DEFAULT_IMPLEMENTATIONS } from "../helpers/fixture.js";
import { populate } from "../walk/populate/dependencies.js";

function pipeline(dependency: Record<string, unknown> = {}): ImplementationInput {
  return {
    interface: "pipeline",
    effect: "NONE",
    definition: { key: "pipeline", version: "1", name: "Pipeline", kind: "FUNCTION", collections: [], args: [], returns: [] },
    dependencies: [
      {
        key: "seg",
        app: "app-two",
        description: "segments",
        actionDependencies: [{ key: "run", description: "runs it", demand: { key: "ping" } }],
        ...dependency,
      },
    ],
  };
}

interface World {
  a: AgentFixture;
  b: AgentFixture;
  c: AgentFixture;
  pipelineId: string;
  pingB: string;
  pingC: string;
  sockets: { a?: AgentSocket; b?: AgentSocket; c?: AgentSocket };
}

async function world(s: TestServer, options: { connect?: Array<"a" | "b" | "c">; dependency?: Record<string, unknown> } = {}): Promise<World> {
  const a = await setupAgent(s, T1, [pipeline(options.dependency)]);
  const b = await setupAgent(s, T2, [PING]);
  const c = await setupAgent(s, T4, [PING, ADD]);
  const sockets: World["sockets"] = {};
  const tokens = { a: T1, b: T2, c: T4 };
  for (const name of options.connect ?? []) sockets[name] = (await s.connectAgent(tokens[name])).socket;
  return { a, b, c, pipelineId: implOf(a, "pipeline").id, pingB: implOf(b, "ping").id, pingC: implOf(c, "ping").id, sockets };
}

const RESOLUTION_FIELDS = `id name resolvedAt creator { sub } organization { slug } implementation { id }
  resolvedDependencies { id key resolutionKey dependency { key } implementation { id agent { id } } downStreamResolution { id } }`;

interface ResolutionShape {
  id: string;
  name: string;
  resolvedAt: string;
  creator: { sub: string };
  organization: { slug: string };
  implementation: { id: string };
  resolvedDependencies: Array<{ id: string; key: string; resolutionKey: string; dependency: { key: string }; implementation: { id: string; agent: { id: string } }; downStreamResolution: { id: string } | null }>;
}

const CREATE = `mutation ($input: CreateResolutionInput!) { createResolution(input: $input) { ${RESOLUTION_FIELDS} } }`;
const UPDATE = `mutation ($input: UpdateResolutionInput!) { updateResolution(input: $input) { ${RESOLUTION_FIELDS} } }`;
const DELETE = `mutation ($input: DeleteResolutionInput!) { deleteResolution(input: $input) }`;
const AUTO = `mutation ($implementation: ID!) { autoResolve(input: { implementation: $implementation }) { ${RESOLUTION_FIELDS} } }`;
const GET = `query ($id: ID!) { resolution(id: $id) { ${RESOLUTION_FIELDS} } }`;
const LIST = `query ($filters: ResolutionFilter, $pagination: OffsetPaginationInput) { resolutions(filters: $filters, pagination: $pagination) { id name } }`;
const RESOLVED = `query ($r: ID!, $d: String, $m: String) { resolvedImplementations(resolution: $r, dependencyKey: $d, methodKey: $m) { id } }`;
const TASK = `query ($id: ID!) { task(id: $id) { id dependencies dependency dependencyMethod resolution { id }
  implementation { id } agent { id }
  resolvedDependencies { key values mappedAgents { agentId agent { id } mappedImplementations { key implementation { id } resolvedDependencies { key } } } } } }`;

const createInput = (w: World, extra: Record<string, unknown> = {}) => ({
  key: "manual",
  implementation: w.pipelineId,
  name: "lab: seg on B",
  resolvedDependencies: [{ key: "seg", mappedAgents: [{ key: "main", agent: w.b.agentId }] }],
  ...extra,
});

describe("issue 15: dependencies and resolutions", () => {
  const server = useTestServer();

  it("issue 15: declared dependencies are rows: dependency(id) reads one with its slots, and implementing again keeps its id", async () => {
    const s = server();
    const w = await world(s);
    const listed = await s.gql<{ implementation: { dependencies: Array<{ id: string; key: string }> } }>(T1, `query ($id: ID!) { implementation(id: $id) { dependencies { id key } } }`, { id: w.pipelineId });
    const depId = listed.implementation.dependencies[0]!.id;
    const one = await s.gql<{ dependency: Record<string, unknown> }>(
      T1,
      `query ($id: ID!) { dependency(id: $id) { id key description appFilter singular implementation { id } actionDependencies { key description optional demand { key } } stateDependencies { key } } }`,
      { id: depId },
    );
    expect(one.dependency).toEqual({
      id: depId,
      key: "seg",
      description: "segments",
      appFilter: "app-two",
      singular: false,
      implementation: { id: w.pipelineId },
      actionDependencies: [{ key: "run", description: "runs it", optional: false, demand: { key: "ping" } }],
      stateDependencies: [],
    });
    await setupAgent(s, T1, [pipeline({ description: "segments, again" })]);
    const again = await s.gql<{ dependency: { id: string; description: string } }>(T1, `query ($id: ID!) { dependency(id: $id) { id description } }`, { id: depId });
    expect(again.dependency).toEqual({ id: depId, description: "segments, again" });
  });

  it("issue 15: createResolution, resolution, resolutions, updateResolution and deleteResolution store and serve a resolution", async () => {
    const s = server();
    const w = await world(s);
    const created = (await s.gql<{ createResolution: ResolutionShape }>(T1, CREATE, { input: createInput(w) })).createResolution;
    expect(created).toMatchObject({
      name: "lab: seg on B",
      creator: { sub: "1" },
      organization: { slug: "lab" },
      implementation: { id: w.pipelineId },
      resolvedDependencies: [{ key: "run", resolutionKey: "main", dependency: { key: "seg" }, implementation: { id: w.pingB, agent: { id: w.b.agentId } }, downStreamResolution: null }],
    });
    expect(new Date(created.resolvedAt).getTime()).toBeGreaterThan(0);

    const read = (await s.gql<{ resolution: ResolutionShape }>(T1, GET, { id: created.id })).resolution;
    expect(read).toEqual(created);
    const resolved = await s.gql<{ resolvedImplementations: Array<{ id: string }> }>(T1, RESOLVED, { r: created.id, d: "seg", m: "run" });
    expect(resolved.resolvedImplementations).toEqual([{ id: w.pingB }]);
    expect((await s.gql<{ resolvedImplementations: unknown[] }>(T1, RESOLVED, { r: created.id, d: "other", m: null })).resolvedImplementations).toEqual([]);

    const updated = (await s.gql<{ updateResolution: ResolutionShape }>(T1, UPDATE, {
      input: { id: created.id, name: "lab: seg on C", resolvedDependencies: [{ key: "seg", mappedAgents: [{ key: "other", agent: w.c.agentId }] }] },
    })).updateResolution;
    expect(updated.name).toBe("lab: seg on C");
    expect(updated.resolvedDependencies.map((r) => [r.key, r.resolutionKey, r.implementation.id])).toEqual([["run", "other", w.pingC]]);

    const second = (await s.gql<{ createResolution: ResolutionShape }>(T1, CREATE, { input: createInput(w, { name: "lab: another" }) })).createResolution;
    const listed = await s.gql<{ resolutions: Array<{ id: string; name: string }> }>(T1, LIST, {});
    expect(listed.resolutions).toEqual([
      { id: created.id, name: "lab: seg on C" },
      { id: second.id, name: "lab: another" },
    ]);
    expect((await s.gql<{ resolutions: unknown[] }>(T1, LIST, { filters: { name: { iContains: "ANOTHER" } } })).resolutions).toEqual([{ id: second.id, name: "lab: another" }]);
    expect((await s.gql<{ resolutions: unknown[] }>(T1, LIST, { pagination: { limit: 1, offset: 1 } })).resolutions).toEqual([{ id: second.id, name: "lab: another" }]);
    const viaImpl = await s.gql<{ implementation: { resolutions: Array<{ id: string }> } }>(T1, `query ($id: ID!) { implementation(id: $id) { resolutions { id } } }`, { id: w.pipelineId });
    expect(viaImpl.implementation.resolutions).toEqual([{ id: created.id }, { id: second.id }]);

    expect((await s.gql<{ deleteResolution: string }>(T1, DELETE, { input: { id: created.id } })).deleteResolution).toBe(created.id);
    expect(await s.gqlErrors(T1, GET, { id: created.id })).toEqual([`Resolution ${created.id} not found in organisation "lab"`]);
    expect((await s.gql<{ resolutions: unknown[] }>(T1, LIST, {})).resolutions).toEqual([{ id: second.id, name: "lab: another" }]);
  });

  it("issue 15: autoResolve binds the live agent that passes the dependency's app filter and offers its slot", async () => {
    const s = server();
    const w = await world(s, { connect: ["b", "c"] });
    const auto = (await s.gql<{ autoResolve: ResolutionShape }>(T1, AUTO, { implementation: w.pipelineId })).autoResolve;
    expect(auto.name).toBe("Auto-resolve for Pipeline");
    // C (app-four) implements ping too, but only B passes the filter "app-two"
    expect(auto.resolvedDependencies.map((r) => [r.dependency.key, r.key, r.implementation.id])).toEqual([["seg", "run", w.pingB]]);
  });

  it("issue 15: autoResolve of a dependency no live agent serves fails naming the dependency, and stores nothing", async () => {
    const s = server();
    const w = await world(s, { connect: ["c"] });
    const errors = await s.gqlErrors(T1, AUTO, { implementation: w.pipelineId });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`Dependency "seg" of implementation ${w.pipelineId} ("pipeline") is not resolved`);
    expect(errors[0]).toContain("is not connected");
    expect((await s.gql<{ resolutions: unknown[] }>(T1, LIST, {})).resolutions).toEqual([]);
  });

  it("issue 15: a task assigned with a resolution calls its dependency through dependency + method + parent, reaching the resolved agent", async () => {
    const s = server();
    const w = await world(s, { connect: ["a", "b", "c"] });
    const res = (await s.gql<{ createResolution: ResolutionShape }>(T1, CREATE, { input: createInput(w) })).createResolution;
    expect(await assignErrors(s, T1, { resolution: res.id, implementation: w.pingB, args: {} })).toEqual([
      `input.resolution: resolution ${res.id} configures implementation ${w.pipelineId}, not ${w.pingB}; assign with its implementation or another resolution`,
    ]);
    const parent = await assign(s, T1, { resolution: res.id, args: {} });
    await w.sockets.a!.next((f: Frame) => f.type === "ASSIGN" && f.task === parent.id);
    await w.sockets.a!.reportAcked("STARTED", parent.id);
    const parentTask = (await s.gql<{ task: Record<string, unknown> }>(T1, TASK, { id: parent.id })).task;
    expect(parentTask).toMatchObject({
      implementation: { id: w.pipelineId },
      resolution: { id: res.id },
      dependency: null,
      dependencies: { seg: [{ agent: w.b.agentId, actions: { run: { implementation: w.pingB, dependencies: {} } } }] },
      resolvedDependencies: [{ key: "seg", mappedAgents: [{ agentId: w.b.agentId, agent: { id: w.b.agentId }, mappedImplementations: [{ key: "run", implementation: { id: w.pingB }, resolvedDependencies: [] }] }] }],
    });

    w.sockets.a!.send({ type: "ASSIGN_REQUEST", id: "r1", reference: "call-seg", dependency: "seg", method: "run", parent: parent.id, args: {} });
    const response = await w.sockets.a!.next((f: Frame) => f.type === "ASSIGN_RESPONSE" && f.request === "r1");
    expect(response.error ?? null).toBeNull();
    const child = String(response.task);
    const delivered = await w.sockets.b!.next((f: Frame) => f.type === "ASSIGN" && f.task === child);
    expect(delivered).toMatchObject({ interface: "ping", implementation: w.pingB });
    await w.sockets.c!.expectNoFrame((f: Frame) => f.type === "ASSIGN");
    const childTask = (await s.gql<{ task: Record<string, unknown> }>(T1, TASK, { id: child })).task;
    expect(childTask).toMatchObject({ dependency: "seg", dependencyMethod: "run", implementation: { id: w.pingB }, agent: { id: w.b.agentId }, resolution: null });
  });

  it("issue 15: an auto-resolvable dependency is resolved at assign from the live agents, over GraphQL too", async () => {
    const s = server();
    const w = await world(s, { connect: ["a", "b"], dependency: { autoResolvable: true } });
    const parent = await assign(s, T1, { implementation: w.pipelineId, args: {} });
    const child = await assign(s, T1, { dependency: "seg", method: "run", parent: parent.id, args: {} });
    await w.sockets.b!.next((f: Frame) => f.type === "ASSIGN" && f.task === child.id);
    const task = (await s.gql<{ task: { dependency: string; implementation: { id: string } } }>(T1, TASK, { id: child.id })).task;
    expect(task).toMatchObject({ dependency: "seg", implementation: { id: w.pingB } });
  });

  it("issue 15: an unresolved dependency refuses the assign naming its key; an undeclared one refuses the call naming it", async () => {
    const s = server();
    const w = await world(s, { connect: ["a", "b"] });
    const refused = await assignErrors(s, T1, { implementation: w.pipelineId, args: {} });
    expect(refused).toEqual([
      `Dependency "seg" of implementation ${w.pipelineId} ("pipeline") is not resolved: it is not autoResolvable and the assign names no resolution; assign with a resolution (createResolution or autoResolve), pass input.dependencies, or start an agent that serves it`,
    ]);
    // input.dependencies maps it for this one assign
    const parent = await assign(s, T1, { implementation: w.pipelineId, args: {}, dependencies: [{ key: "seg", mappedAgents: [{ key: "m", agent: w.b.agentId }] }] });
    w.sockets.a!.send({ type: "ASSIGN_REQUEST", id: "r2", reference: "call-other", dependency: "other", method: "run", parent: parent.id, args: {} });
    const response = await w.sockets.a!.next((f: Frame) => f.type === "ASSIGN_RESPONSE" && f.request === "r2");
    expect(response.task ?? null).toBeNull();
    expect(String(response.error)).toContain(`Dependency "other" is not resolved for task ${parent.id}: it was assigned with "seg"`);
    const noMethod = await assignErrors(s, T1, { dependency: "seg", method: "nope", parent: parent.id, args: {} });
    expect(noMethod).toEqual([`input.method: dependency "seg" of task ${parent.id} has no method "nope"; its methods: "run"`]);
    expect(await assignErrors(s, T1, { dependency: "seg", parent: parent.id, args: {} })).toEqual([
      `input.method: required when assigning through dependency "seg"; name the slot (method) to call`,
    ]);
  });

  it("issue 15: bad resolution and dependency input is refused naming the field", async () => {
    const s = server();
    const w = await world(s);
    expect(await s.gqlErrors(T1, CREATE, { input: createInput(w, { name: "  " }) })).toEqual(["input.name: must not be empty; give the resolution a name"]);
    expect(await s.gqlErrors(T1, CREATE, { input: createInput(w, { resolvedDependencies: [{ key: "nope", mappedAgents: [] }] }) })).toEqual([
      `input.resolvedDependencies[0].key: implementation ${w.pipelineId} ("pipeline") declares no dependency "nope"; declared: "seg"`,
    ]);
    const t3 = await setupAgent(s, T3, [PING]);
    expect(await s.gqlErrors(T1, CREATE, { input: createInput(w, { resolvedDependencies: [{ key: "seg", mappedAgents: [{ key: "x", agent: t3.agentId }] }] }) })).toEqual([
      `input.resolvedDependencies[0].mappedAgents[0].agent: Agent ${t3.agentId} not found in organisation "lab"`,
    ]);
    expect(await s.gqlErrors(T1, CREATE, { input: createInput(w, { resolvedDependencies: [{ key: "seg", mappedAgents: [{ key: "x", agent: w.a.agentId }] }] }) })).toEqual([
      `input.resolvedDependencies[0].mappedAgents[0].agent: agent ${w.a.agentId} ("client-one") implements no action for slot "run" of dependency "seg"`,
    ]);
    const implementBad = `mutation ($input: ImplementAgentInput!) { implementAgent(input: $input) { id } }`;
    expect(await s.gqlErrors(T1, implementBad, { input: { implementations: [pipeline({ key: "" })] } })).toEqual([`definition "pipeline": dependencies[0].key: must not be empty; name the dependency`]);
    expect(await s.gqlErrors(T1, implementBad, { input: { implementations: [pipeline({ minViableInstances: 3, maxViableInstances: 1 })] } })).toEqual([
      `definition "pipeline": dependencies[0].minViableInstances: 3 is more than maxViableInstances (1)`,
    ]);
  });

  it("issue 15: another organisation never sees lab's dependencies and resolutions", async () => {
    const s = server();
    const w = await world(s, { connect: ["b"] });
    const res = (await s.gql<{ createResolution: ResolutionShape }>(T1, CREATE, { input: createInput(w) })).createResolution;
    const depId = (await s.gql<{ implementation: { dependencies: Array<{ id: string }> } }>(T1, `query ($id: ID!) { implementation(id: $id) { dependencies { id } } }`, { id: w.pipelineId }))
      .implementation.dependencies[0]!.id;
    expect(await s.gqlErrors(T3, GET, { id: res.id })).toEqual([`Resolution ${res.id} not found in organisation "elsewhere"`]);
    expect(await s.gqlErrors(T3, `query ($id: ID!) { dependency(id: $id) { id } }`, { id: depId })).toEqual([`Dependency ${depId} not found in organisation "elsewhere"`]);
    expect((await s.gql<{ resolutions: unknown[] }>(T3, LIST, {})).resolutions).toEqual([]);
    expect(await s.gqlErrors(T3, RESOLVED, { r: res.id, d: null, m: null })).toEqual([`resolution: Resolution ${res.id} not found in organisation "elsewhere"`]);
    expect(await s.gqlErrors(T3, AUTO, { implementation: w.pipelineId })).toEqual([`input.implementation: Implementation ${w.pipelineId} not found in organisation "elsewhere"`]);
    expect(await s.gqlErrors(T3, DELETE, { input: { id: res.id } })).toEqual([`input.id: Resolution ${res.id} not found in organisation "elsewhere"`]);
    expect(await s.gqlErrors(T3, UPDATE, { input: { id: res.id, name: "elsewhere: taken" } })).toEqual([`input.id: Resolution ${res.id} not found in organisation "elsewhere"`]);
    expect(await assignErrors(s, T3, { resolution: res.id, args: {} })).toEqual([`input.resolution: Resolution ${res.id} not found in organisation "elsewhere"`]);
    // lab still has it, unchanged
    expect((await s.gql<{ resolution: ResolutionShape }>(T1, GET, { id: res.id })).resolution.name).toBe("lab: seg on B");
  });

  it("issue 15: the walk population fills every table of the area for each organisation, and every field of its types resolves", async () => {
    const s = server();
    for (const [token, org] of [[T1, "lab"], [T3, "elsewhere"]] as const) {
      const fixture = await setupAgent(s, token, DEFAULT_IMPLEMENTATIONS);
      const { socket } = await s.connectAgent(token);
      await populate({ server: s, token, org, gql: (q, v) => s.gql(token, q, v), agent: { id: fixture.agentId, socket, impl: fixture.impl }, taskId: "" });
    }
    const everything = `{
      resolutions(pagination: { limit: 5 }) { ${RESOLUTION_FIELDS} more: resolvedDependencies(pagination: { limit: 2 }) { dependency { id key optional description autoResolvable appFilter versionFilter minViableInstances maxViableInstances singular
        implementation { id } actionDependencies { key description optional demand { hash key app version name argMatches { key } returnMatches { key } protocols forceArgLength forceReturnLength pure idempotent stateful } }
        stateDependencies { key description optional demand { hash key app matches { key } protocols } } } } }
      tasks(pagination: { limit: 5 }) { id reference dependencies dependency dependencyMethod resolution { id name }
        resolvedDependencies { key values mappedAgents { agentId agent { id } mappedImplementations { key implementation { id } resolvedDependencies { key } } } } }
    }`;
    for (const [token, org, other] of [[T1, "lab", "elsewhere"], [T3, "elsewhere", "lab"]] as const) {
      const data = await s.gql<{ resolutions: ResolutionShape[]; tasks: Array<{ reference: string; resolution: { name: string } | null; resolvedDependencies: unknown[] }> }>(token, everything);
      expect(data.resolutions.map((r) => r.name)).toEqual([`${org}: seg on own agent`, `Auto-resolve for ${org} pipeline`]);
      expect(data.resolutions.every((r) => r.organization.slug === org && r.resolvedDependencies.length === 1)).toBe(true);
      const task = data.tasks.find((t) => t.reference === `${org}-with-resolution`);
      expect(task?.resolution?.name).toBe(`${org}: seg on own agent`);
      expect(task?.resolvedDependencies).toHaveLength(1);
      expect(JSON.stringify(data)).not.toContain(`${other}:`);
    }
  });

  it("issue 15: autoResolve resolves the dependencies of a bound implementation too, as its down-stream resolution, and assign carries the nested map", async () => {
    const s = server();
    // B's "ping" itself depends on "adder": C's add (app-four)
    const pingWithDependency: ImplementationInput = {
      ...PING,
      dependencies: [{ key: "adder", app: "app-four", actionDependencies: [{ key: "sum", demand: { key: "add" } }] }],
    };
    const a = await setupAgent(s, T1, [pipeline()]);
    const b = await setupAgent(s, T2, [pingWithDependency]);
    const c = await setupAgent(s, T4, [ADD]);
    const sockets = { a: (await s.connectAgent(T1)).socket, b: (await s.connectAgent(T2)).socket };
    await s.connectAgent(T4);
    const auto = (await s.gql<{ autoResolve: ResolutionShape }>(T1, AUTO, { implementation: implOf(a, "pipeline").id })).autoResolve;
    const down = auto.resolvedDependencies[0]!.downStreamResolution;
    expect(down).not.toBeNull();
    const nested = (await s.gql<{ resolution: ResolutionShape }>(T1, GET, { id: down!.id })).resolution;
    expect(nested.implementation.id).toBe(implOf(b, "ping").id);
    expect(nested.resolvedDependencies.map((r) => [r.dependency.key, r.key, r.implementation.id])).toEqual([["adder", "sum", implOf(c, "add").id]]);

    const parent = await assign(s, T1, { resolution: auto.id, args: {} });
    await sockets.a.next((f: Frame) => f.type === "ASSIGN" && f.task === parent.id);
    const child = await assign(s, T1, { dependency: "seg", method: "run", parent: parent.id, args: {} });
    await sockets.b.next((f: Frame) => f.type === "ASSIGN" && f.task === child.id);
    const childTask = (await s.gql<{ task: { dependencies: unknown } }>(T1, TASK, { id: child.id })).task;
    expect(childTask.dependencies).toEqual({ adder: [{ agent: c.agentId, actions: { sum: { implementation: implOf(c, "add").id, dependencies: {} } } }] });
  });
});
