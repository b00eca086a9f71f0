/**
 * Acceptance scenario 26 (shared/spec/acceptance.md): organisations are isolated. T3 (organisation
 * "elsewhere") sees none of T1's agents, actions, implementations or tasks, cannot assign to them or
 * control them, and its subscriptions carry nothing of theirs.
 */
import { describe, expect, it } from "vitest";
import { ADD, PING, assign, assignErrors, getTask, implOf, listTaskIds, setupAgent, startTask } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T2, T3 } from "../helpers/tokens.js";

interface IdLists {
  agents: Array<{ id: string }>;
  actions: Array<{ id: string; hash: string }>;
  implementations: Array<{ id: string }>;
  tasks: Array<{ id: string }>;
}

const LISTS = "query Lists { agents { id } actions { id hash } implementations { id } tasks { id } }";

interface TaskChange {
  create: { id: string } | null;
  event: { task: string } | null;
}

describe("scenario 26: isolation between organisations", () => {
  const server = useTestServer();

  it("lists none of another organisation's agents, actions, implementations or tasks and refuses to read them by id", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    const add = implOf(lab, "add");

    const seenByLab = await s.gql<IdLists>(T1, LISTS);
    expect(seenByLab.agents.map((a) => a.id)).toContain(lab.agentId);
    expect(seenByLab.tasks.map((t) => t.id)).toContain(task.id);

    const seen = await s.gql<IdLists>(T3, LISTS);
    expect(seen.agents.map((a) => a.id)).not.toContain(lab.agentId);
    expect(seen.actions.map((a) => a.id)).not.toContain(add.actionId);
    expect(seen.actions.map((a) => a.hash)).not.toContain(add.actionHash);
    expect(seen.implementations.map((i) => i.id)).not.toContain(add.id);
    expect(seen.tasks).toEqual([]);

    expect(await s.gqlErrors(T3, "query A($id: ID!) { agent(id: $id) { id } }", { id: lab.agentId })).not.toEqual([]);
    expect(await s.gqlErrors(T3, "query T($id: ID!) { task(id: $id) { id } }", { id: task.id })).not.toEqual([]);
    expect(await s.gqlErrors(T3, "query H($hash: ActionHash!) { action(hash: $hash) { id } }", { hash: add.actionHash })).not.toEqual([]);
    expect(await s.gqlErrors(T3, "query I($id: ID!) { implementation(id: $id) { id } }", { id: add.id })).not.toEqual([]);
  });

  it("refuses to assign to another organisation's implementation, action or action hash, and creates no task", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    await s.connectAgent(T1);
    const add = implOf(lab, "add");
    const before = await listTaskIds(s, T1);

    for (const target of [{ implementation: add.id }, { action: add.actionId }, { actionHash: add.actionHash }]) {
      const errors = await assignErrors(s, T3, { ...target, args: { a: 1, b: 2 } });
      expect(errors, JSON.stringify(target)).not.toEqual([]);
    }
    expect(await listTaskIds(s, T1)).toEqual(before);
    expect(await listTaskIds(s, T3)).toEqual([]);
  });

  it("refuses to cancel, pause or interrupt another organisation's task and leaves it untouched", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });

    for (const [kind, type] of [["cancel", "CancelInput"], ["pause", "PauseInput"], ["interrupt", "InterruptInput"]] as const) {
      const errors = await s.gqlErrors(T3, `mutation M($input: ${type}!) { ${kind}(input: $input) { id } }`, { input: { task: task.id } });
      expect(errors, kind).not.toEqual([]);
    }
    const after = await getTask(s, T2, task.id);
    expect(after.latestInstructKind).toBe("ASSIGN");
    expect(after.events.map((e) => e.kind)).toEqual(["STARTED"]);
    await socket.expectNoFrame((f) => ["CANCEL", "PAUSE", "INTERRUPT"].includes(f.type), 100);
  });

  it("delivers none of another organisation's agent or task changes to a subscriber", async () => {
    const s = server();
    const client = await s.subscriptionClient("graphql-transport-ws", T3);
    const agents = await client.subscribe<{ agents: { create: { id: string } | null; update: { id: string } | null; delete: string | null } }>(
      "subscription { agents { create { id } update { id } delete } }",
    );
    const tasks = await client.subscribe<{ tasks: TaskChange }>("subscription { tasks { create { id } event { task } } }");
    const mytasks = await client.subscribe<{ mytasks: TaskChange }>("subscription { mytasks { create { id } event { task } } }");

    // Activity in "lab": an agent connects, a task is assigned, runs and completes.
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task: labTask } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    await socket.reportAcked("COMPLETED", labTask.id);
    await socket.close();

    // Then activity in "elsewhere", which T3 must see: it marks the point by which lab's would have arrived.
    const own = await setupAgent(s, T3, [PING]);
    const { socket: ownSocket } = await s.connectAgent(T3);
    const ownTask = await assign(s, T3, { implementation: implOf(own, "ping").id, args: {} });
    await ownSocket.next("ASSIGN");

    await agents.next((d) => (d.agents.update?.id ?? d.agents.create?.id) === own.agentId);
    await tasks.next((d) => d.tasks.create?.id === ownTask.id);
    await mytasks.next((d) => d.mytasks.create?.id === ownTask.id);

    for (const r of agents.received) {
      const ids = [r.data?.agents.create?.id, r.data?.agents.update?.id, r.data?.agents.delete].filter((x) => x != null);
      expect(ids.every((id) => id === own.agentId), JSON.stringify(r)).toBe(true);
    }
    for (const r of [...tasks.received.map((x) => x.data?.tasks), ...mytasks.received.map((x) => x.data?.mytasks)]) {
      const ids = [r?.create?.id, r?.event?.task].filter((x) => x != null);
      expect(ids.every((id) => id === ownTask.id), JSON.stringify(r)).toBe(true);
    }
  });
});
