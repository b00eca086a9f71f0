/**
 * Acceptance scenario 25 (shared/spec/acceptance.md): GraphQL subscriptions `mytasks`, `tasks` and
 * `agents`, run over both WebSocket subprotocols the server speaks on `/graphql`: `graphql-transport-ws`
 * (graphql-ws package client) and the legacy `graphql-ws` (released Python clients).
 */
import { describe, expect, it } from "vitest";
import { ADD, assign, ensureAgent, implOf, setupAgent } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { SUBSCRIPTION_PROTOCOLS } from "../helpers/subscriptions.js";
import { T1, T2 } from "../helpers/tokens.js";

interface TaskChangeEvent {
  mytasks?: TaskChangeBody;
  tasks?: TaskChangeBody;
}
interface TaskChangeBody {
  create: { id: string; root: string | null; isDone: boolean; latestEventKind: string } | null;
  event: { task: string; kind: string } | null;
}
interface AgentChangeEvent {
  agents: { create: { id: string; connected: boolean } | null; update: { id: string; connected: boolean } | null; delete: string | null };
}

const MYTASKS = "subscription MyTasks { mytasks { create { id root isDone latestEventKind } event { task kind } } }";
const TASKS = "subscription Tasks { tasks { create { id root isDone latestEventKind } event { task kind } } }";
const AGENTS = "subscription Agents { agents { create { id connected } update { id connected } delete } }";

describe.each(SUBSCRIPTION_PROTOCOLS)("scenario 25: subscriptions over %s", (protocol) => {
  const server = useTestServer();

  it("mytasks yields the create of an assigned root task and then its COMPLETED event; the org-wide tasks of T1 sees the create", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket: executor } = await s.connectAgent(T1);

    const callerClient = await s.subscriptionClient(protocol, T2);
    const mytasks = await callerClient.subscribe<TaskChangeEvent>(MYTASKS);
    const orgClient = await s.subscriptionClient(protocol, T1);
    const tasks = await orgClient.subscribe<TaskChangeEvent>(TASKS);

    const task = await assign(s, T2, { implementation: implOf(fixture, "add").id, args: { a: 1, b: 2 } });

    const created = await mytasks.next((d) => d.mytasks?.create?.id === task.id);
    expect(created.mytasks?.create).toMatchObject({ id: task.id, root: null, isDone: false });
    const orgCreated = await tasks.next((d) => d.tasks?.create?.id === task.id);
    expect(orgCreated.tasks?.create).toMatchObject({ id: task.id, root: null });

    await executor.next("ASSIGN");
    await executor.reportAcked("STARTED", task.id);
    // add has a return port: its result comes first (issue 9 #5: COMPLETED without a YIELD would end FAILED)
    executor.report("YIELD", task.id, { returns: { return0: 3 } });
    await executor.reportAcked("COMPLETED", task.id);
    const completed = await mytasks.next((d) => d.mytasks?.event?.kind === "COMPLETED");
    expect(completed.mytasks?.event).toMatchObject({ task: task.id, kind: "COMPLETED" });
  });

  it("agents yields an update with connected true when the agent registers and false when it disconnects", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const client = await s.subscriptionClient(protocol, T1);
    const agents = await client.subscribe<AgentChangeEvent>(AGENTS);

    const { socket } = await s.connectAgent(T1);
    const up = await agents.next((d) => d.agents.update?.id === agentId && d.agents.update.connected === true);
    expect(up.agents.update).toEqual({ id: agentId, connected: true });

    await socket.close();
    const down = await agents.next((d) => d.agents.update?.id === agentId && d.agents.update.connected === false);
    expect(down.agents.update).toEqual({ id: agentId, connected: false });
  });
});
