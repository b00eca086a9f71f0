/**
 * Issue 15 item 2 (the placeholder fields of the core): what used to be a fixed value now comes
 * from the store, and the upgrade that adds the columns behind two of them (migration 13).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE, Store } from "../../../src/server/store/store.js";
import { PING, assign, implOf, setupAgent, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";

const DECORATED: ImplementationInput & { provenanceAudience: string[] } = {
  interface: "decorated",
  effect: "NONE",
  provenanceAudience: ["mikro", "kabinet"],
  definition: {
    key: "decorated",
    version: "1",
    name: "Decorated",
    kind: "FUNCTION",
    collections: [],
    args: [
      { key: "image", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false },
      { key: "more", kind: "LIST", nullable: false, children: [{ key: "...", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false }] },
      { key: "n", kind: "INT", nullable: false },
    ],
    returns: [],
    // as the released Python client sends them (DefinitionInput.logo / .interfaces)
    ...{ logo: "lucide:activity", interfaces: ["segmenter", "viewer"] },
  },
};

const image = (object: string) => ({ __identifier: "@mikro/image", object });

describe("issue 15: the core's placeholder fields return what is stored", () => {
  const server = useTestServer();

  it("issue 15: Action.logo and Action.interfaces come from the definition the agent sent; without them null and []", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [DECORATED, PING]);
    const q = "query ($id: ID!) { action(id: $id) { logo interfaces pinned } }";
    const decorated = await s.gql<{ action: { logo: string | null; interfaces: string[]; pinned: boolean } }>(T1, q, { id: implOf(fixture, "decorated").actionId });
    expect(decorated.action).toEqual({ logo: "lucide:activity", interfaces: ["segmenter", "viewer"], pinned: false });
    const plain = await s.gql<{ action: { logo: string | null; interfaces: string[] } }>(T1, q, { id: implOf(fixture, "ping").actionId });
    expect(plain.action).toEqual({ logo: null, interfaces: [], pinned: false });
  });

  it("issue 15: Implementation.provenanceAudience is the audience the implementation declared (null when none); higherOrderConfig is the empty config", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [DECORATED, PING]);
    const q = "query ($id: ID!) { implementation(id: $id) { provenanceAudience higherOrderConfig } }";
    const decorated = await s.gql<{ implementation: unknown }>(T1, q, { id: implOf(fixture, "decorated").id });
    expect(decorated.implementation).toEqual({ provenanceAudience: ["mikro", "kabinet"], higherOrderConfig: {} });
    const plain = await s.gql<{ implementation: unknown }>(T1, q, { id: implOf(fixture, "ping").id });
    expect(plain.implementation).toEqual({ provenanceAudience: null, higherOrderConfig: {} });
  });

  it("issue 15: Agent.hookUrlSecret is the secret ensureAgent stored, and another organisation cannot read the agent", async () => {
    const s = server();
    const created = await s.gql<{ ensureAgent: { id: string; hookUrlSecret: string | null } }>(
      T1,
      "mutation { ensureAgent(input: { name: \"hooked\", kind: WEBHOOK, hookUrl: \"http://127.0.0.1:1/hook\", hookUrlSecret: \"s3cret\" }) { id hookUrlSecret } }",
    );
    expect(created.ensureAgent.hookUrlSecret).toBe("s3cret");
    const read = await s.gql<{ agent: { hookUrlSecret: string | null } }>(T1, "query ($id: ID!) { agent(id: $id) { hookUrlSecret } }", { id: created.ensureAgent.id });
    expect(read.agent.hookUrlSecret).toBe("s3cret");
    const errors = await s.gqlErrors(T3, "query ($id: ID!) { agent(id: $id) { hookUrlSecret } }", { id: created.ensureAgent.id });
    expect(errors.join(" ")).toMatch(/not found in organisation "elsewhere"/);
  });

  it("issue 15: Task.actedOn lists the structures of the args, Task.instructs the controls the task received, TaskEvent.delegatedTo is null", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [DECORATED]);
    const { socket } = await s.connectAgent(T1);
    const task = await assign(s, T1, { implementation: implOf(fixture, "decorated").id, args: { image: image("12"), more: [image("13"), image("14")], n: 1 } });
    await socket.next("ASSIGN");
    await s.gql(T1, "mutation ($task: ID!) { pause(input: { task: $task }) { id } }", { task: task.id });
    await s.gql(T1, "mutation ($task: ID!) { resume(input: { task: $task }) { id } }", { task: task.id });
    const data = await s.gql<{ task: { actedOn: string[]; instructs: Array<{ kind: string; task: { id: string }; createdAt: string }>; events: Array<{ kind: string; delegatedTo: unknown }> } }>(
      T1,
      "query ($id: ID!) { task(id: $id) { actedOn instructs { kind task { id } createdAt } events { kind delegatedTo { id } } } }",
      { id: task.id },
    );
    expect(data.task.actedOn).toEqual(["@mikro/image:12", "@mikro/image:13", "@mikro/image:14"]);
    expect(data.task.instructs.map((i) => [i.kind, i.task.id])).toEqual([
      ["PAUSE", task.id],
      ["RESUME", task.id],
    ]);
    expect(data.task.instructs.every((i) => !Number.isNaN(Date.parse(i.createdAt)))).toBe(true);
    expect(data.task.events.length).toBeGreaterThan(0);
    expect(data.task.events.every((e) => e.delegatedTo === null)).toBe(true);
    await socket.close();
  });

  it("issue 18: the events of a page of tasks name their own task and its reference (read from the listed task)", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [DECORATED]);
    const { socket } = await s.connectAgent(T1);
    const tasks = [];
    for (const n of [1, 2, 3]) {
      const task = await assign(s, T1, { implementation: implOf(fixture, "decorated").id, args: { image: image(String(n)), more: [], n } });
      await socket.next("ASSIGN");
      await s.gql(T1, "mutation ($task: ID!) { pause(input: { task: $task }) { id } }", { task: task.id });
      await s.gql(T1, "mutation ($task: ID!) { resume(input: { task: $task }) { id } }", { task: task.id });
      tasks.push(task.id);
    }
    const data = await s.gql<{ tasks: Array<{ id: string; reference: string; events: Array<{ reference: string; task: { id: string; reference: string } }> }> }>(
      T1,
      "query ($ids: [ID!]) { tasks(filters: { ids: $ids }) { id reference events(ordering: { createdAt: DESC }) { reference task { id reference } } } }",
      { ids: tasks },
    );
    expect(data.tasks.map((t) => t.id).sort()).toEqual([...tasks].sort());
    for (const task of data.tasks) {
      expect(task.events.length).toBeGreaterThan(1);
      for (const event of task.events) expect(event).toEqual({ reference: task.reference, task: { id: task.id, reference: task.reference } });
    }
    const events = await s.gql<{ event: { reference: string; task: { id: string } } }>(T1, "query ($id: ID!) { event(id: $id) { reference task { id } } }", {
      id: (await s.gql<{ task: { events: Array<{ id: string }> } }>(T1, "query ($id: ID!) { task(id: $id) { events { id } } }", { id: tasks[1] })).task.events[0]!.id,
    });
    expect(events.event.task.id).toBe(tasks[1]);
    await socket.close();
  });

  it("issue 15: migration 13 upgrades an existing data dir: its agents and implementations keep their rows and gain the new columns", () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-core-migration-"));
    try {
      // a data dir as the server before migration 13 left it, with an agent and an implementation
      const old = new Database(join(dir, STORE_FILE));
      old.exec(MIGRATIONS.slice(0, 12).join("\n"));
      old.pragma("user_version = 12");
      old.exec(`INSERT INTO agent (org, client_id, user_sub, iss, username, app, release, name, kind, hook_url, created_at)
                VALUES ('lab', 'c', 'u', 'i', 'u', 'app', '1', 'old agent', 'WEBSOCKET', NULL, 1)`);
      old.exec(`INSERT INTO action (org, app, key, version, hash, name, kind, description, stateful, pure, idempotent, is_dev, definition, defined_at)
                VALUES ('lab', 'app', 'k', '1', 'h', 'K', 'FUNCTION', NULL, 0, 0, 0, 0, '{"args":[],"returns":[]}', 1)`);
      old.exec(`INSERT INTO implementation (agent_id, action_id, interface, params, effect, needs_token, dependencies, created_at) VALUES (1, 1, 'k', NULL, 'NONE', 1, '[]', 1)`);
      old.close();
      const store = new Store(dir);
      try {
        expect(store.agent(1)).toMatchObject({ name: "old agent", hook_url_secret: null });
        expect(store.implementation(1)).toMatchObject({ interface: "k", provenance_audience: null });
        expect(store.query<{ user_version: number }>("PRAGMA user_version", [])[0]!.user_version).toBe(MIGRATIONS.length);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
