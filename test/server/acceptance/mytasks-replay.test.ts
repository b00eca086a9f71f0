/**
 * Issue 10 #8: the released Python caller opens its `mytasks` subscription only after `assign` has
 * answered, so a fast task can finish before it listens. A new `mytasks` subscription therefore first
 * replays, from the store, the subscriber's tasks (`create`, with the reference a client binds by) and
 * events of the last `replayWindowMs`, then continues live with no gap and no duplicate at the seam.
 *
 * The subscriber is emulated on the wire, over both subprotocols (the Python client speaks the legacy
 * `graphql-ws`): it opens `mytasks` only after the task has been assigned and completed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ADD, assign, implOf, setupAgent } from "../helpers/fixture.js";
import type { AgentSocket } from "../helpers/agent-socket.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { SUBSCRIPTION_PROTOCOLS, type SubscriptionStream } from "../helpers/subscriptions.js";
import { sleep } from "../helpers/wait.js";
import { T1, T2, T4 } from "../helpers/tokens.js";
import { runServer, serverCommand } from "../../../src/cli/commands/server.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { runCommand } from "../../../src/cli/commands/run.js";

interface MyTasks {
  mytasks: {
    create: { id: string; reference: string; isDone: boolean; latestEventKind: string } | null;
    event: { id: string; task: string; kind: string; returns: unknown } | null;
  };
}

const MYTASKS = "subscription { mytasks { create { id reference isDone latestEventKind } event { id task kind returns } } }";

interface ServingAgent {
  implementation: string;
  executor: AgentSocket;
}

/** T1's agent serving `add` over a raw agent socket. */
async function servingAgent(s: TestServer): Promise<ServingAgent> {
  const fixture = await setupAgent(s, T1, [ADD]);
  const { socket } = await s.connectAgent(T1);
  return { implementation: implOf(fixture, "add").id, executor: socket };
}

/** Assigns `add` as T2 with `reference`, and lets the raw agent run it to COMPLETED (every report acknowledged). */
async function completedTask(s: TestServer, reference: string, agent?: ServingAgent): Promise<{ id: string }> {
  const { implementation, executor } = agent ?? (await servingAgent(s));
  const task = await assign(s, T2, { implementation, args: { a: 1, b: 2 }, reference });
  await executor.next("ASSIGN");
  executor.report("STARTED", task.id);
  executor.report("YIELD", task.id, { returns: { return0: 3 } });
  // reports are handled in order: once COMPLETED is acknowledged, all three are stored
  await executor.reportAcked("COMPLETED", task.id);
  return task;
}

/** The results received so far, as a list of "create:<id>" / "<kind>:<event id>" strings. */
function received(stream: SubscriptionStream<MyTasks>): string[] {
  return stream.received.map((r) => {
    const m = r.data?.mytasks;
    return m?.create ? `create:${m.create.id}` : `${m?.event?.kind}:${m?.event?.id}`;
  });
}

describe.each(SUBSCRIPTION_PROTOCOLS)("issue 10 #8: mytasks replay over %s", (protocol) => {
  const server = useTestServer();

  it("issue 10 #8: a mytasks subscription opened after assign answered and the task completed gets its create (with reference) and events", async () => {
    const s = server();
    const task = await completedTask(s, "python-ref-1");

    const client = await s.subscriptionClient(protocol, T2);
    const stream = await client.subscribe<MyTasks>(MYTASKS);

    const created = await stream.next((d) => d.mytasks.create !== null);
    // as a live subscriber saw it at creation: a client binds it by reference
    expect(created.mytasks.create).toEqual({ id: task.id, reference: "python-ref-1", isDone: false, latestEventKind: "STARTED" });
    const kinds: string[] = [];
    for (;;) {
      const next = await stream.next((d) => d.mytasks.event !== null);
      expect(next.mytasks.event!.task).toBe(task.id);
      kinds.push(next.mytasks.event!.kind);
      if (next.mytasks.event!.kind === "COMPLETED") break;
    }
    expect(kinds).toEqual(["STARTED", "YIELD", "COMPLETED"]);
    expect(stream.received.find((r) => r.data?.mytasks.event?.kind === "YIELD")?.data?.mytasks.event?.returns).toEqual({ return0: 3 });
  });

  it("issue 10 #8: after the replay the subscription continues live, and nothing is delivered twice", async () => {
    const s = server();
    const agent = await servingAgent(s);
    const first = await completedTask(s, "first", agent);
    const client = await s.subscriptionClient(protocol, T2);
    const stream = await client.subscribe<MyTasks>(MYTASKS);
    await stream.next((d) => d.mytasks.event?.kind === "COMPLETED" && d.mytasks.event.task === first.id);

    // a second task, live
    const second = await assign(s, T2, { implementation: agent.implementation, args: { a: 2, b: 2 }, reference: "second" });
    await agent.executor.next("ASSIGN");
    agent.executor.report("STARTED", second.id);
    agent.executor.report("YIELD", second.id, { returns: { return0: 5 } });
    await agent.executor.reportAcked("COMPLETED", second.id);
    await stream.next((d) => d.mytasks.event?.kind === "COMPLETED" && d.mytasks.event.task === second.id);
    await stream.expectNothing(undefined, 150);

    const seen = received(stream);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((x) => x.startsWith("create:"))).toEqual([`create:${first.id}`, `create:${second.id}`]);
    expect(seen.filter((x) => !x.startsWith("create:")).map((x) => x.split(":")[0])).toEqual(["STARTED", "YIELD", "COMPLETED", "STARTED", "YIELD", "COMPLETED"]);
  });

  it("issue 10 #8: a subscription opened while events are being written gets every event exactly once, in order (no gap or duplicate at the seam)", async () => {
    const s = server();
    const { implementation, executor } = await servingAgent(s);
    const task = await assign(s, T2, { implementation, args: { a: 1, b: 2 }, reference: "seam" });
    await executor.next("ASSIGN");
    executor.report("STARTED", task.id);
    const client = await s.subscriptionClient(protocol, T2);
    for (let i = 0; i < 100; i++) executor.report("LOG", task.id, { message: `early ${i}` });
    // the reports race the subscription: some land before it reads the store, some after
    const subscribing = client.subscribe<MyTasks>(MYTASKS);
    for (let i = 0; i < 200; i++) {
      executor.report("LOG", task.id, { message: `log ${i}` });
      if (i % 20 === 0) await sleep(1);
    }
    const stream = await subscribing;
    for (let i = 200; i < 300; i++) executor.report("LOG", task.id, { message: `log ${i}` });
    executor.report("YIELD", task.id, { returns: { return0: 3 } });
    executor.report("COMPLETED", task.id);
    await stream.next((d) => d.mytasks.event?.kind === "COMPLETED", 5000);

    const stored = await s.gql<{ task: { events: Array<{ id: string }> } }>(T2, "query ($id: ID!) { task(id: $id) { events { id } } }", { id: task.id });
    const got = stream.received.map((r) => r.data?.mytasks.event?.id).filter((id): id is string => id !== undefined);
    expect(got).toEqual(stored.task.events.map((e) => e.id));
    expect(got).toHaveLength(403);
  });

  it("issue 10 #8: the replay holds only the subscriber's own tasks", async () => {
    const s = server();
    await completedTask(s, "not-yours");
    const client = await s.subscriptionClient(protocol, T4);
    const stream = await client.subscribe<MyTasks>(MYTASKS);
    await stream.expectNothing(undefined, 200);
  });
});

describe("issue 10 #8: the replay window is an option", () => {
  describe("replayWindowMs 300", () => {
    const server = useTestServer({ replayWindowMs: 300 });
    it("issue 10 #8: events older than the replay window are not replayed", async () => {
      const s = server();
      await completedTask(s, "old");
      await sleep(450);
      const client = await s.subscriptionClient("graphql-ws", T2);
      const stream = await client.subscribe<MyTasks>(MYTASKS);
      await stream.expectNothing(undefined, 200);
    });
  });

  describe("replayWindowMs 0", () => {
    const server = useTestServer({ replayWindowMs: 0 });
    it("issue 10 #8: replayWindowMs 0 turns the replay off", async () => {
      const s = server();
      await completedTask(s, "off");
      const client = await s.subscriptionClient("graphql-ws", T2);
      const stream = await client.subscribe<MyTasks>(MYTASKS);
      await stream.expectNothing(undefined, 200);
    });
  });

  describe("maxReplayEvents 2", () => {
    const server = useTestServer({ maxReplayEvents: 2 });
    it("issue 10 #8: at most maxReplayEvents events are replayed, the newest, each after its task's create", async () => {
      const s = server();
      const task = await completedTask(s, "capped");
      const client = await s.subscriptionClient("graphql-ws", T2);
      const stream = await client.subscribe<MyTasks>(MYTASKS);
      await stream.next((d) => d.mytasks.event?.kind === "COMPLETED");
      expect(received(stream).map((x) => x.split(":")[0])).toEqual(["create", "YIELD", "COMPLETED"]);
      expect(stream.received[0]!.data!.mytasks.create!.id).toBe(task.id);
    });
  });

  it("issue 10 #8: `arkitekt-next server` and `run dev` take --replay-window <ms>", () => {
    const runDev = runCommand().commands.find((c) => c.name() === "dev")!;
    for (const command of [serverCommand(), runDev]) {
      const option = command.options.find((o) => o.long === "--replay-window");
      expect(option, `${command.name()} --replay-window`).toBeDefined();
      expect(option!.description).toMatch(/mytasks/);
    }
  });

  it("issue 10 #8: `arkitekt-next server --replay-window` reaches the server's replayWindowMs option", async () => {
    const data = await mkdtemp(join(tmpdir(), "arkitekt-replay-cli-"));
    try {
      // a value the server refuses proves the flag arrives there (the CLI parser itself refuses negatives)
      await expect(runServer({ host: "127.0.0.1", port: 0, data, replayWindow: -1 }, silentLogger)).rejects.toThrow(/replayWindowMs must be a non-negative number/);
      const handle = await runServer({ host: "127.0.0.1", port: 0, data, replayWindow: 0 }, silentLogger);
      await handle.close();
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
