/**
 * The released Python client's memory-structure sequence (rekuest-next 2.1.2), replayed at the wire
 * level with its exact documents (test/fixtures/python-client/memory.ts): EnsureAgent (its Agent
 * fragment selects `memoryShelve { id }`), an action that returns an object of a plain class (a
 * MEMORY_STRUCTURE port: the agent shelves it and yields the drawer id), a caller's collect, the
 * COLLECT frame on the agent's socket and the agent's unshelve. Before the memory area, the shelve
 * failed with `Cannot query field "shelveInMemoryDrawer"` and the task ended FAILED.
 */
import { describe, expect, it } from "vitest";
import { PYTHON_COLLECT, PYTHON_ENSURE_AGENT, PYTHON_SHELVE, PYTHON_UNSHELVE } from "../../fixtures/python-client/memory.js";
import { ASSIGN, getTask, implementAgent, implOf, kinds, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";

/** `def make_counter() -> Counter` where `Counter` is a plain class: one MEMORY_STRUCTURE return. */
const MAKE_COUNTER: ImplementationInput = {
  interface: "make_counter",
  effect: "NONE",
  definition: {
    key: "make_counter",
    version: "1",
    name: "Make Counter",
    kind: "FUNCTION",
    description: "Returns a Counter kept in the agent's memory (memory fixture)",
    collections: [],
    args: [],
    returns: [{ key: "return0", kind: "MEMORY_STRUCTURE", identifier: "__main__.Counter", nullable: false }],
  },
};

describe("issue 15: the released Python client's shelve and unshelve operations", () => {
  const server = useTestServer();

  it("issue 15: EnsureAgent, shelve, collect and unshelve with the exact rekuest-next 2.1.2 documents work, and a plain-class return completes", async () => {
    const s = server();
    // EnsureAgent as the agent sends it at start: the Agent fragment selects memoryShelve { id }
    const ensured = await s.request<{ ensureAgent: { id: string; memoryShelve: { id: string; __typename: string } | null } }>(T1, PYTHON_ENSURE_AGENT, {
      input: { name: "python agent" },
    });
    expect(ensured.errors).toBeUndefined();
    const agentId = ensured.data!.ensureAgent.id;
    expect(ensured.data!.ensureAgent.memoryShelve).toEqual({ id: expect.stringMatching(/^\d+$/), __typename: "MemoryShelve" });

    const fixture = await implementAgent(s, T1, [MAKE_COUNTER]);
    expect(fixture.agentId).toBe(agentId);
    const { socket: agent } = await s.connectAgent(T1);
    const assigned = await s.gql<{ assign: { id: string } }>(T2, ASSIGN, { input: { implementation: implOf(fixture, "make_counter").id, args: {} } });
    const taskId = assigned.assign.id;
    await agent.next((f) => f.type === "ASSIGN" && f.task === taskId);
    await agent.reportAcked("STARTED", taskId);

    // aput_on_shelve: resourceId a uuid4 hex, label str(value), description None (sent as null)
    const shelved = await s.request<{ shelveInMemoryDrawer: { id: string; __typename: string } }>(T1, PYTHON_SHELVE, {
      input: { identifier: "__main__.Counter", resourceId: "3f1c9a7e0b2d4c5e8f6a1b2c3d4e5f60", label: "<__main__.Counter object at 0x7f3a2c1d0e50>", description: null },
    });
    expect(shelved.errors).toBeUndefined();
    const drawerId = shelved.data!.shelveInMemoryDrawer.id;
    expect(shelved.data!.shelveInMemoryDrawer).toEqual({ id: expect.stringMatching(/^\d+$/), __typename: "MemoryDrawer" });

    // the drawer id is the port's value
    agent.report("YIELD", taskId, { returns: { return0: drawerId } });
    await agent.reportAcked("COMPLETED", taskId);
    const task = await getTask(s, T2, taskId);
    expect(kinds(task)).toContain("COMPLETED");
    expect(kinds(task)).not.toContain("FAILED");
    expect(task.events.find((e) => e.kind === "YIELD")?.returns).toEqual({ return0: drawerId });

    const stored = await s.gql<{ memoryDrawer: { resourceId: string; label: string; shelve: { id: string; agent: { id: string } } } }>(
      T2,
      "query ($id: ID!) { memoryDrawer(id: $id) { resourceId label shelve { id agent { id } } } }",
      { id: drawerId },
    );
    expect(stored.memoryDrawer).toEqual({
      resourceId: "3f1c9a7e0b2d4c5e8f6a1b2c3d4e5f60",
      label: "<__main__.Counter object at 0x7f3a2c1d0e50>",
      shelve: { id: ensured.data!.ensureAgent.memoryShelve!.id, agent: { id: agentId } },
    });

    // a caller collects the object: the holding agent receives COLLECT with the drawer id
    const collected = await s.request<{ collect: string[] }>(T2, PYTHON_COLLECT, { input: { drawers: [drawerId] } });
    expect(collected.errors).toBeUndefined();
    expect(collected.data!.collect).toEqual([drawerId]);
    const frame = await agent.next((f) => f.type === "COLLECT");
    expect(frame.drawers).toEqual([drawerId]);

    // acollect(key): the agent drops the object and unshelves the drawer
    const unshelved = await s.request<{ unshelveMemoryDrawer: string }>(T1, PYTHON_UNSHELVE, { input: { id: drawerId } });
    expect(unshelved.errors).toBeUndefined();
    expect(unshelved.data).toEqual({ unshelveMemoryDrawer: drawerId });
    const gone = await s.gqlErrors(T2, "query ($id: ID!) { memoryDrawer(id: $id) { id } }", { id: drawerId });
    expect(gone[0]).toContain(`MemoryDrawer ${drawerId} not found`);

    // a restarted Python agent calls EnsureAgent again: same shelve, emptied
    await s.request(T1, PYTHON_SHELVE, { input: { identifier: "__main__.Counter", resourceId: "00000000000000000000000000000001", label: "left over", description: null } });
    const again = await s.request<{ ensureAgent: { memoryShelve: { id: string } } }>(T1, PYTHON_ENSURE_AGENT, { input: { name: "python agent" } });
    expect(again.data!.ensureAgent.memoryShelve.id).toBe(ensured.data!.ensureAgent.memoryShelve!.id);
    const left = await s.gql<{ memoryDrawers: unknown[] }>(T1, "{ memoryDrawers { id } }");
    expect(left.memoryDrawers).toEqual([]);
  });
});
