/**
 * Dependency chains stay bounded (review finding r1): an agent declaring a chain of implementations
 * whose dependency slots all demand the next one used to make assign and autoResolve recompute the
 * nested dependency map for every slot and path (slots^depth work: 4 slots, 10 levels blocked the
 * server for 34 s). The nested map is now built once per implementation within one resolution, and
 * its depth (`maxDependencyDepth`), its entries (`maxDependencyMapEntries`) and the slots of one
 * declared dependency (`maxDependencySlots`) are bounded, answered with LIMIT_EXCEEDED.
 */
import { describe, expect, it } from "vitest";
import { compileDependencyOptions } from "../../../src/server/areas/dependencies/options.js";
import { implOf, setupAgent, type AgentFixture, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1 } from "../helpers/tokens.js";

/** Implementations s0..sN; each s<i> (i < N) depends on "d" (autoResolvable) with `slots` slots all demanding s<i+1>. */
function chain(slots: number, n: number): ImplementationInput[] {
  return Array.from({ length: n + 1 }, (_, i) => ({
    interface: `s${i}`,
    effect: "NONE",
    definition: { key: `s${i}`, version: "1", name: `S${i}`, kind: "FUNCTION", collections: [], args: [], returns: [] },
    dependencies: i === n ? [] : [{ key: "d", autoResolvable: true, actionDependencies: Array.from({ length: slots }, (_, k) => ({ key: `k${k}`, demand: { key: `s${i + 1}` } })) }],
  })) as ImplementationInput[];
}

async function liveChain(s: TestServer, slots: number, n: number): Promise<AgentFixture> {
  const agent = await setupAgent(s, T1, chain(slots, n));
  await s.connectAgent(T1);
  return agent;
}

const ASSIGN = `mutation ($input: AssignInput!) { assign(input: $input) { id dependencies } }`;
const AUTO = `mutation ($implementation: ID!) { autoResolve(input: { implementation: $implementation }) { id } }`;
const RESOLUTIONS = `query { resolutions(pagination: { limit: 1000 }) { id } }`;

async function errorOf(s: TestServer, query: string, variables: Record<string, unknown>): Promise<{ message: string; code: unknown }> {
  const response = await s.request(T1, query, variables);
  const error = response.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(response.data).slice(0, 300)}`);
  return { message: error.message, code: error.extensions?.code };
}

interface Entry {
  agent: string;
  actions: Record<string, { implementation: string; dependencies: Record<string, Entry[]> }>;
}
/** Levels and entries of a stored dependency map. */
function measure(map: Record<string, Entry[]>): { depth: number; entries: number } {
  let depth = 0;
  let entries = 0;
  for (const list of Object.values(map)) {
    for (const entry of list) {
      for (const slot of Object.values(entry.actions)) {
        const below = measure(slot.dependencies);
        entries += 1 + below.entries;
        depth = Math.max(depth, 1 + below.depth);
      }
    }
  }
  return { depth, entries };
}

describe("r1: dependency chains with the default limits", () => {
  const server = useTestServer();

  it("r1: assign on a chain of 9 implementations with 4 slots each is refused with LIMIT_EXCEEDED naming maxDependencyDepth and the dependency path", async () => {
    const s = server();
    const a = await liveChain(s, 4, 9);
    const error = await errorOf(s, ASSIGN, { input: { implementation: implOf(a, "s0").id, args: {} } });
    expect(error.code).toBe("LIMIT_EXCEEDED");
    expect(error.message).toContain(`Dependency path "d.k0 → d.k0 → d.k0 → d.k0 → d.k0 → d.k0 → d.k0 → d.k0" of implementation ${implOf(a, "s0").id} ("s0")`);
    expect(error.message).toContain("maxDependencyDepth (8)");
    // the server still answers, and the refused assign stored no task
    expect((await s.gql<{ tasks: unknown[] }>(T1, `query { tasks { id } }`)).tasks).toEqual([]);
  }, 20_000);

  it("r1: a chain as deep as maxDependencyDepth is assigned with its full nested map, built once per implementation", async () => {
    const s = server();
    const a = await liveChain(s, 2, 8);
    const task = (await s.gql<{ assign: { id: string; dependencies: Record<string, Entry[]> } }>(T1, ASSIGN, { input: { implementation: implOf(a, "s0").id, args: {} } })).assign;
    // 2 + 4 + ... + 2^8 entries over 8 levels, each slot bound to the next implementation of the chain
    expect(measure(task.dependencies)).toEqual({ depth: 8, entries: 510 });
    expect(task.dependencies.d![0]!.actions.k1!.implementation).toBe(implOf(a, "s1").id);
    expect(task.dependencies.d![0]!.actions.k1!.dependencies.d![0]!.actions.k0!.implementation).toBe(implOf(a, "s2").id);
  });

  it("r1: autoResolve on a chain of 8 implementations with 4 slots each stores one down-stream resolution per implementation, and assigning with it is bounded", async () => {
    const s = server();
    const a = await liveChain(s, 4, 8);
    const root = (await s.gql<{ autoResolve: { id: string } }>(T1, AUTO, { implementation: implOf(a, "s0").id })).autoResolve;
    // s0 .. s7 declare dependencies: 8 resolutions (not 1 + 4 + ... + 4^7), every slot of a level sharing the next one
    expect((await s.gql<{ resolutions: unknown[] }>(T1, RESOLUTIONS)).resolutions).toHaveLength(8);
    const rows = await s.gql<{ resolution: { resolvedDependencies: Array<{ key: string; downStreamResolution: { id: string } | null }> } }>(
      T1,
      `query ($id: ID!) { resolution(id: $id) { resolvedDependencies { key downStreamResolution { id } } } }`,
      { id: root.id },
    );
    expect(rows.resolution.resolvedDependencies.map((r) => r.key)).toEqual(["k0", "k1", "k2", "k3"]);
    expect(new Set(rows.resolution.resolvedDependencies.map((r) => r.downStreamResolution?.id)).size).toBe(1);
    // assigning with it would nest 4 + 16 + ... + 4^8 entries: refused early, reading each shared resolution once
    const error = await errorOf(s, ASSIGN, { input: { implementation: implOf(a, "s0").id, resolution: root.id, args: {} } });
    expect(error.code).toBe("LIMIT_EXCEEDED");
    expect(error.message).toContain(`The dependency map of implementation ${implOf(a, "s0").id} ("s0") would hold at least 21844 entries (21844 below dependency path "d.k0" alone), more than the server's maxDependencyMapEntries (10000)`);
  }, 20_000);

  it("r1: autoResolve on a chain deeper than maxDependencyDepth is refused with LIMIT_EXCEEDED and stores nothing", async () => {
    const s = server();
    const a = await liveChain(s, 4, 9);
    const error = await errorOf(s, AUTO, { implementation: implOf(a, "s0").id });
    expect(error.code).toBe("LIMIT_EXCEEDED");
    expect(error.message).toContain("maxDependencyDepth (8)");
    expect(error.message).toContain(`Dependency path "d.k0`);
    expect((await s.gql<{ resolutions: unknown[] }>(T1, RESOLUTIONS)).resolutions).toEqual([]);
  });

  it("r1: a dependency declaring more than maxDependencySlots slots is refused at implementAgent naming the limit", async () => {
    const s = server();
    const response = await s.request(T1, `mutation ($input: ImplementAgentInput!) { implementAgent(input: $input) { id } }`, { input: { implementations: chain(65, 1) } });
    expect(response.errors?.[0]?.extensions?.code).toBe("LIMIT_EXCEEDED");
    expect(response.errors?.[0]?.message).toContain(`definition "s0": dependencies[0]: 65 slots (actionDependencies + stateDependencies), more than the server's maxDependencySlots (64)`);
  });
});

describe("r1: dependency chains with a small maxDependencyMapEntries", () => {
  const server = useTestServer({ maxDependencyMapEntries: 20 });

  it("r1: the dependency map of one assign holds at most maxDependencyMapEntries entries", async () => {
    const s = server();
    const a = await liveChain(s, 4, 3);
    // s1 nests 4 + 16 = 20 entries: allowed; s0 would nest 4 + 16 + 64
    const ok = (await s.gql<{ assign: { dependencies: Record<string, Entry[]> } }>(T1, ASSIGN, { input: { implementation: implOf(a, "s1").id, args: {} } })).assign;
    expect(measure(ok.dependencies)).toEqual({ depth: 2, entries: 20 });
    const error = await errorOf(s, ASSIGN, { input: { implementation: implOf(a, "s0").id, args: {} } });
    expect(error.code).toBe("LIMIT_EXCEEDED");
    expect(error.message).toContain(`The dependency map of implementation ${implOf(a, "s0").id} ("s0") would hold 84 entries, more than the server's maxDependencyMapEntries (20)`);
  });
});

describe("r1: the dependency limits are server options", () => {
  it("r1: maxDependencyDepth, maxDependencyMapEntries and maxDependencySlots default to 8, 10000 and 64 and must be positive integers", () => {
    expect(compileDependencyOptions({})).toEqual({ maxDependencyDepth: 8, maxDependencyMapEntries: 10_000, maxDependencySlots: 64 });
    expect(compileDependencyOptions({ maxDependencyDepth: 3 }).maxDependencyDepth).toBe(3);
    expect(() => compileDependencyOptions({ maxDependencyDepth: 0 })).toThrow(/maxDependencyDepth must be a positive integer/);
  });
});
