/**
 * Issue 9, the store and platform core: a rolled-back implementAgent must not leak rows across
 * organisations (#2), a task with returns never ends acknowledged without them (#5), numbers of agent
 * frames fit their GraphQL types (#7), deleteAgent ends in-flight work (#10), and auto_interrupt
 * beyond the timer range is refused (#11). Real server, real sockets.
 */
import { describe, expect, it } from "vitest";
import { ADD, PING, assign, assignErrors, getTask, implOf, setupAgent, startTask, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T2, T3 } from "../helpers/tokens.js";

const IMPLEMENT = /* GraphQL */ `
  mutation ImplementAgent($input: ImplementAgentInput!) {
    implementAgent(input: $input) { id implementations { id interface action { id key hash organization { slug } } } }
  }
`;

/** POSTs a GraphQL request whose variables are given as JSON text (a value too deep for JSON.stringify to be comfortable). */
async function rawRequest(url: string, token: string, query: string, variablesJson: string): Promise<{ status: number; errors?: Array<{ message: string }>; data?: unknown }> {
  const body = `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`;
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
  const text = await response.text();
  return { status: response.status, ...(JSON.parse(text) as object) };
}

const ECHO: ImplementationInput = {
  interface: "echo",
  effect: "NONE",
  definition: { key: "echo", version: "1", name: "Echo", kind: "FUNCTION", collections: [], args: [{ key: "text", kind: "STRING", nullable: false }], returns: [] },
};

function deepJson(levels: number): string {
  return '{"a":'.repeat(levels) + "1" + "}".repeat(levels);
}

function withArgDefault(base: ImplementationInput, iface: string, defaultJson: string): string {
  const impl = { ...base, interface: iface, definition: { ...base.definition, key: iface, args: [{ key: "deep", kind: "DICT", nullable: true, children: [{ key: "...", kind: "INT", nullable: false }], default: "__DEFAULT__" }] } };
  return JSON.stringify(impl).replace('"__DEFAULT__"', defaultJson);
}

describe("issue 9: store and platform core", () => {
  const server = useTestServer();

  it("issue 9 #2: a rolled-back implementAgent (30,000-deep default in the third implementation) leaks nothing into another organisation", async () => {
    const s = server();
    // organisation "lab": a task of its own, private to it
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task: privateTask } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });

    // the third implementation carries an arg default nested 30,000 levels deep
    const first = JSON.stringify({ ...PING, interface: "first", definition: { ...PING.definition, key: "first" } });
    const second = JSON.stringify({ ...PING, interface: "second", definition: { ...PING.definition, key: "second" } });
    const third = withArgDefault(PING, "third", deepJson(30_000));
    const refused = await rawRequest(s.graphqlUrl, T1, IMPLEMENT, `{"input":{"implementations":[${first},${second},${third}]}}`);
    expect(refused.errors?.length ?? 0).toBeGreaterThan(0);
    const message = refused.errors![0]!.message;
    expect(message).toContain("implementations[2]");
    expect(message).toContain("default");
    // refused before coercion by the variables limit (maxVariablesDepth), or by the platform's maxJsonDepth (64)
    expect(message).toMatch(/deeper than \d+ levels/);
    // nothing of the refused call was written
    const labActions = await s.gql<{ actions: Array<{ key: string }> }>(T1, "{ actions { key } }");
    expect(labActions.actions.map((a) => a.key).sort()).toEqual(["add"]);

    // organisation "elsewhere" registers a new action: it is its own, and only its own
    const other = await s.gql<{ implementAgent: { implementations: Array<{ id: string; action: { id: string; key: string; organization: { slug: string } } }> } }>(T3, IMPLEMENT, {
      input: { implementations: [{ ...PING, interface: "secret", definition: { ...PING.definition, key: "secret", name: "Secret" } }] },
    });
    const mine = other.implementAgent.implementations[0]!;
    expect(mine.action.key).toBe("secret");
    expect(mine.action.organization.slug).toBe("elsewhere");
    const theirs = await s.gql<{ actions: Array<{ id: string; key: string }> }>(T3, "{ actions { id key } }");
    expect(theirs.actions.map((a) => a.key)).toEqual(["secret"]);
    const seenByLab = await s.gql<{ actions: Array<{ id: string }> }>(T1, "{ actions { id } }");
    expect(seenByLab.actions.map((a) => a.id)).not.toContain(mine.action.id);
    expect(await s.gqlErrors(T1, "query A($id: ID!) { action(id: $id) { id key } }", { id: mine.action.id })).not.toEqual([]);
    expect(await s.gqlErrors(T1, "query I($id: ID!) { implementation(id: $id) { id } }", { id: mine.id })).not.toEqual([]);
    expect((await assignErrors(s, T1, { action: mine.action.id, args: {} })).join(" ")).toMatch(/not found/i);

    // and "elsewhere" reaches nothing of "lab" through nested fields
    const nested = await s.request<{ implementations: Array<{ action: { tasks: Array<{ id: string }> }; agent: { tasks: Array<{ id: string }> } }> }>(
      T3,
      "{ implementations { action { tasks { id } } agent { tasks { id } } } }",
    );
    const reachable = JSON.stringify(nested.data ?? {});
    expect(reachable).not.toContain(`"${privateTask.id}"`);
  });

  it("issue 9 #5: COMPLETED of a function with returns but no YIELD ends the task FAILED, never COMPLETED without results", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    const ack = await socket.reportAcked("COMPLETED", task.id);
    expect(ack.task).toBe(task.id);
    const detail = await getTask(s, T2, task.id);
    expect(detail.isDone).toBe(true);
    expect(detail.latestEventKind).toBe("FAILED");
    const failed = detail.events.find((e) => e.kind === "FAILED");
    expect(failed?.message).toMatch(/no YIELD/);
    expect(detail.events.some((e) => e.kind === "COMPLETED")).toBe(false);
  });

  it("issue 9 #5: a YIELD resent with the same seq (after a lost ack) is stored once, and COMPLETED after it completes", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "s-1" });
    const { task } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    const yieldFrame = { type: "YIELD", id: "y-1", task: task.id, seq: 41, returns: { return0: 3 } };
    socket.send(yieldFrame);
    // the agent reconnects (same session) and resends its held YIELD with the terminal report
    await socket.close();
    const again = await s.connectAgent(T1, { session_id: "s-1" });
    again.socket.send(yieldFrame);
    await again.socket.reportAcked("COMPLETED", task.id);
    const detail = await getTask(s, T2, task.id);
    expect(detail.latestEventKind).toBe("COMPLETED");
    expect(detail.events.filter((e) => e.kind === "YIELD")).toHaveLength(1);
    expect(detail.events.find((e) => e.kind === "YIELD")?.returns).toEqual({ return0: 3 });
  });

  it("issue 9 #7: PROGRESS beyond Int range is clamped to 0..100 and the task's events stay readable", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    socket.report("PROGRESS", task.id, { progress: 3e9, message: "too far" });
    socket.report("PROGRESS", task.id, { progress: -5e12 });
    socket.report("PROGRESS", task.id, { progress: 42.6 });
    socket.report("YIELD", task.id, { returns: { return0: 3 } });
    await socket.reportAcked("COMPLETED", task.id);
    const detail = await getTask(s, T2, task.id);
    expect(detail.latestEventKind).toBe("COMPLETED");
    expect(detail.events.filter((e) => e.kind === "PROGRESS").map((e) => e.progress)).toEqual([100, 0, 43]);
  });

  it("issue 9 #10: deleteAgent ends its in-flight and undelivered tasks, and cancel then refuses instead of doing nothing", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task: running } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    // a second task whose ASSIGN was delivered but never answered: still pending
    const queued = await assign(s, T2, { implementation: implOf(lab, "add").id, args: { a: 3, b: 4 } });
    await socket.next((f) => f.type === "ASSIGN" && f.task === queued.id);
    await socket.close();
    await s.gql(T1, "mutation D($id: ID!) { deleteAgent(input: { id: $id }) }", { id: lab.agentId });
    const after = await getTask(s, T2, running.id);
    expect(after.isDone).toBe(true);
    expect(after.latestEventKind).toBe("CRITICAL");
    expect(after.events.at(-1)?.message).toMatch(/deleted/);
    const undelivered = await getTask(s, T2, queued.id);
    expect(undelivered.isDone).toBe(true);
    expect(undelivered.latestEventKind).toBe("CANCELLED");
    const errors = await s.gqlErrors(T2, "mutation C($task: ID!) { cancel(input: { task: $task }) { id } }", { task: running.id });
    expect(errors.join(" ")).toMatch(/terminal/);
  });

  it("issue 9 #11: auto_interrupt beyond the timer range (about 24.8 days) is refused, not fired at once", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const { socket: executor } = await s.connectAgent(T1);
    await setupAgent(s, T2, [PING]);
    const { socket: caller } = await s.connectAgent(T2);
    const { task } = await startTask(s, executor, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    caller.send({ type: "CANCEL_REQUEST", id: "c-1", task: task.id, auto_interrupt: 30 * 24 * 3600 });
    const response = await caller.next((f) => f.type === "CONTROL_RESPONSE" && f.request === "c-1");
    expect(response.accepted).toBe(false);
    expect(String(response.error)).toMatch(/auto_interrupt/);
    await executor.expectNoFrame("INTERRUPT", 300);
    await executor.expectNoFrame("CANCEL", 10);
    const detail = await getTask(s, T2, task.id);
    expect(detail.isDone).toBe(false);
    expect(detail.latestInstructKind).toBe("ASSIGN");
  });
});

describe("issue 9: store and platform core, with a small frame limit", () => {
  const small = useTestServer({ maxFrameBytes: 64 * 1024 });

  it("issue 9 #2: every stored input has a size bound named in the error (params over maxFrameBytes)", async () => {
    const s = small();
    await setupAgent(s, T1, [ADD]);
    const big = { ...PING, interface: "big", params: { blob: "x".repeat(70 * 1024) } };
    const errors = await s.gqlErrors(T1, IMPLEMENT, { input: { implementations: [ADD, big] } });
    expect(errors.join(" ")).toMatch(/implementations\[1\]/);
    expect(errors.join(" ")).toMatch(/maxFrameBytes/);
  });

  it("issue 9 #2: args whose ASSIGN frame would exceed maxFrameBytes are refused before a task exists", async () => {
    const s = small();
    const lab = await setupAgent(s, T1, [ECHO]);
    await s.connectAgent(T1);
    const errors = await assignErrors(s, T2, { implementation: implOf(lab, "echo").id, args: { text: "x".repeat(70 * 1024) } });
    expect(errors.join(" ")).toMatch(/maxFrameBytes/);
    expect(await s.gql<{ tasks: unknown[] }>(T2, "{ tasks { id } }")).toEqual({ tasks: [] });
  });
});
