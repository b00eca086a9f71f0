/**
 * Issue 9, the store and platform core below the sockets: caches after a rollback (#2), nested GraphQL
 * fields scoped by the viewer's organisation (#2), a failed commit (#6). A real Store on a temporary
 * folder, the real Platform and the real executable schema; the commit failure is a real SQLite
 * error (a trigger that makes COMMIT fail), not a mock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expandClaims, type Identity } from "../../../src/server/auth.js";
import { buildServerSchema } from "../../../src/server/graphql/schema.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { compileOptions } from "../../../src/server/options.js";
import { Platform, type AgentLink } from "../../../src/server/platform.js";
import { Store, StoreWriteError, type ActionRow } from "../../../src/server/store/store.js";

const dirs: string[] = [];
const stores: Store[] = [];
function freshStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-hardening-"));
  dirs.push(dir);
  const store = new Store(dir);
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) {
    try {
      s.close();
    } catch {
      // a test may leave the store failing on purpose
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const LAB = expandClaims("lab-token", { sub: "1", client_id: "one", active_org: "lab", client_app: "app-one", client_release: "1" });
const ELSEWHERE = expandClaims("else-token", { sub: "3", client_id: "three", active_org: "elsewhere", client_app: "app-three", client_release: "1" });

function action(org: string, key: string): Omit<ActionRow, "id"> {
  return {
    org, app: "app", key, version: "1", hash: `h-${org}-${key}`, name: key, kind: "FUNCTION", description: null,
    stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: JSON.stringify({ key, args: [], returns: [] }), defined_at: Date.now(),
  };
}

function agentFor(store: Store, who: Identity) {
  return store.createAgent({ org: who.org, client_id: who.clientId, user_sub: who.sub, iss: who.iss, username: who.username, app: who.app, release: who.release, name: who.clientId, kind: "WEBSOCKET", hook_url: null });
}

function taskFor(store: Store, who: Identity, actionId: number, agentId: number, implementationId: number | null) {
  const caller = store.ensureCaller(who);
  return store.insertTask({
    org: who.org, action_id: actionId, implementation_id: implementationId, agent_id: agentId, caller_id: caller.id, reference: `r-${Math.random()}`,
    args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: Date.now(),
  });
}

describe("issue 9 #2: caches never hold rolled-back rows", () => {
  it("issue 9 #2: Store.action and Store.implementation forget rows a rolled-back savepoint inserted (SQLite reuses their ids)", async () => {
    const store = freshStore();
    const labAgent = agentFor(store, LAB);
    let rolledBackId = 0;
    let rolledBackImpl = 0;
    expect(() =>
      store.transaction(() => {
        const a = store.insertAction(action("lab", "first"));
        rolledBackId = a.id;
        rolledBackImpl = store.insertImplementation({ agent_id: labAgent.id, action_id: a.id, interface: "first", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() }).id;
        throw new Error("the third implementation failed");
      }),
    ).toThrow("the third implementation failed");
    await store.committed();

    const otherAgent = agentFor(store, ELSEWHERE);
    const theirs = store.insertAction(action("elsewhere", "secret"));
    const theirImpl = store.insertImplementation({ agent_id: otherAgent.id, action_id: theirs.id, interface: "secret", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
    expect(theirs.id).toBe(rolledBackId);
    expect(theirImpl.id).toBe(rolledBackImpl);
    expect(store.action(theirs.id)?.org).toBe("elsewhere");
    expect(store.action(theirs.id)?.key).toBe("secret");
    expect(store.implementation(theirImpl.id)?.agent_id).toBe(otherAgent.id);
  });
});

describe("issue 9 #2: nested fields scope by the viewer's organisation", () => {
  it("issue 9 #2: Agent.tasks, Action.tasks and Task.agent never reach another organisation's rows, even through a wrong reference", async () => {
    const store = freshStore();
    const platform = new Platform(store, compileOptions({ dataDir: "unused" }), silentLogger);
    const schema = buildServerSchema();
    // elsewhere: an agent, an action and a private task
    const otherAgent = agentFor(store, ELSEWHERE);
    const theirs = store.insertAction(action("elsewhere", "secret"));
    const theirImpl = store.insertImplementation({ agent_id: otherAgent.id, action_id: theirs.id, interface: "secret", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
    const privateTask = taskFor(store, ELSEWHERE, theirs.id, otherAgent.id, theirImpl.id);
    // lab: a task whose references point at elsewhere's rows (what a rolled-back id reuse produced)
    const labAgent = agentFor(store, LAB);
    const labImpl = store.insertImplementation({ agent_id: labAgent.id, action_id: theirs.id, interface: "crossed", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
    const labTask = taskFor(store, LAB, theirs.id, otherAgent.id, theirImpl.id);
    await store.committed();

    const run = async (source: string, variables: Record<string, unknown> = {}) =>
      graphql.graphql({ schema, source, variableValues: variables, contextValue: { identity: LAB, platform } });
    const viaTask = await run("query T($id: ID!) { task(id: $id) { id agent { id tasks { id } } implementation { id } action { tasks { id } runs { id } latestTask { id } } } }", { id: String(labTask.id) });
    const viaImpl = await run("{ implementations { id action { tasks { id } } agent { tasks { id } } } }");
    const text = JSON.stringify([viaTask.data, viaImpl.data]);
    expect(text).not.toContain(`"id":"${privateTask.id}"`);
    expect(text).not.toContain(`"id":"${otherAgent.id}"`);
    expect((viaTask.data as { task: { agent: unknown } } | null)?.task?.agent ?? null).toBeNull();
    expect(labImpl.id).toBeGreaterThan(0);
    platform.close();
  });
});

describe("issue 18: Action.latestTask through its own statement", () => {
  it("issue 18: Action.latestTask is the viewer's newest task of the action, never a newer one of another organisation", async () => {
    const store = freshStore();
    const platform = new Platform(store, compileOptions({ dataDir: "unused" }), silentLogger);
    const schema = buildServerSchema();
    const labAgent = agentFor(store, LAB);
    const otherAgent = agentFor(store, ELSEWHERE);
    const shared = store.insertAction(action("lab", "shared"));
    const labImpl = store.insertImplementation({ agent_id: labAgent.id, action_id: shared.id, interface: "shared", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
    const older = taskFor(store, LAB, shared.id, labAgent.id, labImpl.id);
    const newest = taskFor(store, LAB, shared.id, labAgent.id, labImpl.id);
    // a later task of another organisation pointing at the same action (a crossed reference)
    const crossed = taskFor(store, ELSEWHERE, shared.id, otherAgent.id, null);
    await store.committed();
    const result = await graphql.graphql({ schema, source: "query ($id: ID!) { action(id: $id) { latestTask { id } } }", variableValues: { id: String(shared.id) }, contextValue: { identity: LAB, platform } });
    expect(result.errors).toBeUndefined();
    expect(crossed.id).toBeGreaterThan(newest.id);
    expect(newest.id).toBeGreaterThan(older.id);
    expect((result.data as { action: { latestTask: { id: string } } }).action.latestTask.id).toBe(String(newest.id));
    platform.close();
  });
});

/** A link that records what the platform sends and whether it was closed. */
function fakeLink(agentId: number, identity: Identity): AgentLink & { sent: string[]; closedWith: number | null } {
  const link = {
    connectionId: `c-${agentId}`,
    agentId,
    identity,
    epoch: 1,
    lastOutboxId: 0,
    sent: [] as string[],
    closedWith: null as number | null,
    send(message: Record<string, unknown> | string) {
      link.sent.push(typeof message === "string" ? message : JSON.stringify(message));
    },
    close(code: number) {
      link.closedWith = code;
    },
  };
  return link;
}

describe("issue 9 #6: a failed commit", () => {
  it("issue 9 #6: rejects every waiter with a clear error, clears the per-agent flush flag, and the next batch is delivered", async () => {
    const store = freshStore();
    const platform = new Platform(store, compileOptions({ dataDir: "unused" }), silentLogger);
    const agent = agentFor(store, LAB);
    const theAction = store.insertAction(action("lab", "add"));
    const impl = store.insertImplementation({ agent_id: agent.id, action_id: theAction.id, interface: "add", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
    store.updateAgent(agent.id, { connected: 1, last_seen: Date.now() });
    await store.committed();
    const link = fakeLink(agent.id, LAB);
    platform.attach(link);
    await store.committed();

    // Make the next COMMIT fail for real: a deferred foreign key is only checked at COMMIT.
    store.db.exec("CREATE TABLE IF NOT EXISTS poison (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES agent (id) DEFERRABLE INITIALLY DEFERRED)");
    await store.committed();
    const first = platform.assign(LAB, { implementation: String(impl.id), args: {} });
    const waiter = store.committed();
    store.db.prepare("INSERT INTO poison (ref) VALUES (999999)").run();
    const failure = await waiter.then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StoreWriteError);
    expect(String((failure as Error).message)).toMatch(/could not save/);
    expect(link.sent.filter((m) => m.includes('"ASSIGN"'))).toEqual([]);
    expect(store.task(first.id)).toBeUndefined();

    // the server keeps serving: the next assign commits and reaches the same agent
    const second = platform.assign(LAB, { implementation: String(impl.id), args: {} });
    await store.committed();
    await new Promise((resolve) => setImmediate(resolve));
    expect(link.sent.some((m) => m.includes('"ASSIGN"') && m.includes(`"task":"${second.id}"`))).toBe(true);
    platform.close();
  });

  it("issue 9 #6: an agent whose reports were in the failed batch is closed 1011, so it reconnects and resends what it holds", async () => {
    const store = freshStore();
    const platform = new Platform(store, compileOptions({ dataDir: "unused" }), silentLogger);
    const agent = agentFor(store, LAB);
    const theAction = store.insertAction(action("lab", "add"));
    const impl = store.insertImplementation({ agent_id: agent.id, action_id: theAction.id, interface: "add", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
    const task = taskFor(store, LAB, theAction.id, agent.id, impl.id);
    store.db.exec("CREATE TABLE IF NOT EXISTS poison (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES agent (id) DEFERRABLE INITIALLY DEFERRED)");
    await store.committed();
    const link = fakeLink(agent.id, LAB);

    expect(platform.report(link, { type: "YIELD", task: String(task.id), seq: 1, returns: { return0: 1 } })).toEqual({ ok: true, ack: false });
    store.db.prepare("INSERT INTO poison (ref) VALUES (999999)").run();
    await expect(store.committed()).rejects.toBeInstanceOf(StoreWriteError);
    expect(link.closedWith).toBe(1011);
    expect(store.eventsOfTask(task.id)).toEqual([]);

    // a report in a later, healthy batch does not close anything
    const healthy = fakeLink(agent.id, LAB);
    platform.report(healthy, { type: "YIELD", task: String(task.id), seq: 1, returns: { return0: 1 } });
    await store.committed();
    expect(healthy.closedWith).toBeNull();
    expect(store.eventsOfTask(task.id).map((e) => e.kind)).toEqual(["YIELD"]);
    platform.close();
  });
});

describe("issue 9 #10: tasks without an agent", () => {
  it("issue 9 #10: cancel of a task whose agent is gone ends it; pause refuses with an error instead of reporting success", async () => {
    const store = freshStore();
    const platform = new Platform(store, compileOptions({ dataDir: "unused" }), silentLogger);
    const agent = agentFor(store, LAB);
    const theAction = store.insertAction(action("lab", "add"));
    const first = taskFor(store, LAB, theAction.id, agent.id, null);
    const second = taskFor(store, LAB, theAction.id, agent.id, null);
    // what an older server left behind: the agent deleted under open tasks
    store.deleteAgent(agent.id);
    await store.committed();

    expect(() => platform.control(LAB, String(first.id), "PAUSE")).toThrow(/no agent/);
    const cancelled = platform.control(LAB, String(first.id), "CANCEL");
    expect(cancelled.is_done).toBe(1);
    expect(cancelled.latest_event_kind).toBe("CANCELLED");
    const interrupted = platform.control(LAB, String(second.id), "INTERRUPT");
    expect(interrupted.latest_event_kind).toBe("INTERRUPTED");
    await store.committed();
    platform.close();
  });
});

describe("issue 9 #7: a stored bad number", () => {
  it("issue 9 #7: a progress stored outside Int by an older server does not break reading the task's events", async () => {
    const store = freshStore();
    const platform = new Platform(store, compileOptions({ dataDir: "unused" }), silentLogger);
    const schema = buildServerSchema();
    const agent = agentFor(store, LAB);
    const theAction = store.insertAction(action("lab", "add"));
    const task = taskFor(store, LAB, theAction.id, agent.id, null);
    store.insertEvent(task.id, "PROGRESS", "too far", 3e9, null, "INFO", Date.now());
    store.insertEvent(task.id, "LOG", "still here", null, null, "INFO", Date.now());
    await store.committed();
    const result = await graphql.graphql({
      schema,
      source: "query T($id: ID!) { task(id: $id) { events { kind progress message } } }",
      variableValues: { id: String(task.id) },
      contextValue: { identity: LAB, platform },
    });
    expect(result.errors).toBeUndefined();
    expect((result.data as { task: { events: unknown[] } }).task.events).toEqual([
      { kind: "PROGRESS", progress: 100, message: "too far" },
      { kind: "LOG", progress: null, message: "still here" },
    ]);
    platform.close();
  });
});
