/**
 * Issue 18 (list queries at 1,000,000 tasks): the list queries real clients send answer exactly as
 * before the list reads were batched. Every query of bench/server/scale.ts (the web UIs' and the Python
 * client's documents, from their own files) and a few edge shapes run over HTTP against a small store
 * seeded directly, and each answer is compared with the answer the server gave before the change
 * (commit b6709d3), kept in test/fixtures/list-answers/answers.json. `UPDATE_LIST_ANSWERS=1` rewrites
 * that file: only do so when an answer is meant to change, and say why in the commit.
 *
 * The store holds: a task with more events than `Task.events`' bound (the maximum page), tasks with
 * control events (`instructs`), child tasks, tasks of a second caller of the organisation, and an
 * organisation `org1` whose tasks, actions and agents are never visible to `bench` (one bench task
 * names an org1 task as its parent).
 */
import Database from "better-sqlite3";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientCases, type CaseIds } from "../../../bench/server/scale-cases.js";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { lookupKey } from "../../../src/server/store/lookup-key.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { graphqlRequest } from "../helpers/graphql.js";

const UPDATE = process.env.UPDATE_LIST_ANSWERS === "1";
const GOLDEN = fileURLToPath(new URL("../../fixtures/list-answers/answers.json", import.meta.url));

const ISS = "static_issuer";
const identity = (org: string, sub: string) => ({ sub, client_id: `${sub}-client`, active_org: org, client_app: `${sub}-app`, client_release: "1.0.0" });
/** bench-caller is the viewer of every client query; its tasks are `myTasks`. */
const TOKENS = {
  "bench-caller": identity("bench", "caller"),
  "bench-other": identity("bench", "other"),
  "org1-caller": identity("org1", "caller"),
};
/** Small pages, so a page boundary falls inside the seeded lists and one task outgrows `Task.events`' bound. */
const LIMITS = { defaultPageSize: 20, maxPageSize: 30, maxQueryCost: 20_000 };
/** For the queries that ask for pages of 200 (our UI): the server is restarted on the same store with these. */
const WIDE_LIMITS = { defaultPageSize: 100, maxPageSize: 200, maxQueryCost: 200_000 };
const EVENTS_BOUND = LIMITS.maxPageSize;
const BASE = Date.UTC(2026, 0, 1);

/** Stored definitions with every form hint the web UI's Ports fragment asks for. */
function definitionOf(k: number): string {
  const effects = [
    { kind: "MESSAGE", message: `note ${k}`, dependencies: ["x"], function: "x > 1" },
    { kind: "HIDE", dependencies: ["label"], function: "!label" },
    { kind: "CUSTOM", hook: "h", ward: "w", dependencies: [], function: "true" },
  ];
  const args = [
    { key: "x", kind: "INT", nullable: false, label: "x", description: "a number", widget: { kind: "SLIDER", min: 0, max: 10, step: 1 }, effects, validators: [{ function: "x < 10", dependencies: [], label: "small", errorMessage: "too big" }] },
    { key: "label", kind: "STRING", nullable: true, default: "none", widget: { kind: "STRING", placeholder: "a label", asParagraph: k % 2 === 0 }, choices: [{ value: "a", label: "A", description: "first" }, { value: 2, label: "two" }] },
    { key: "items", kind: "LIST", nullable: false, children: [{ key: "item", kind: "STRUCTURE", identifier: "@demo/image", nullable: false, widget: { kind: "SEARCH", query: "query { x }", ward: "w", dependencies: [] } }] },
    { key: "pick", kind: "STRING", nullable: true, widget: { kind: k % 2 === 0 ? "CHOICE" : "STATE_CHOICE", choices: [{ value: "p", label: "P" }], stateChoices: "state.choices" } },
  ];
  const returns = [
    { key: "return0", kind: "INT", nullable: false, widget: { kind: "CHOICE", choices: [{ value: 1, label: "one" }] } },
    { key: "return1", kind: "DICT", nullable: true, children: [{ key: "value", kind: "FLOAT", nullable: false, widget: { kind: "CUSTOM", hook: "rh" } }] },
  ];
  return JSON.stringify({
    key: `action_${k}`,
    version: "1",
    name: `Action ${k}`,
    kind: "FUNCTION",
    description: `seeded action number ${k}`,
    args: k === 4 ? [] : args,
    returns: k === 4 ? [] : returns,
    collections: k % 2 === 0 ? ["tools"] : [],
    portGroups: [{ key: "main", title: "Main", description: "the main ports", effects: [], ports: ["x", "label"] }],
    interfaces: ["demo"],
    isTestFor: [],
  });
}

interface Seeded {
  ids: CaseIds;
  /** The most events one task has. */
  longest: number;
  org1Tasks: number[];
  /** Every row id of bench (tasks, events, agents, actions, implementations): ids are per table, so an org1 task id may also name a bench row. */
  benchIds: Set<number>;
  /** The bench task whose parent is a task of org1. */
  childOfOtherOrg: number;
}

/** Seeds the store of a server that ran once (its migrations applied) and was closed; returns the ids the queries name. */
function seed(dataDir: string): Seeded {
  const db = new Database(join(dataDir, STORE_FILE));
  const ids: CaseIds = { agents: [], actions: [], implementations: [], parentWithChildren: 0, rareAction: 0, hotAction: 0 };
  let childOfOtherOrg = 0;
  db.transaction(() => {
    const id = (info: Database.RunResult) => Number(info.lastInsertRowid);
    const agent = db.prepare(
      `INSERT INTO agent (org, client_id, user_sub, iss, username, app, release, name, kind, hash, connected, blocked, last_seen, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'WEBSOCKET', ?, 0, ?, ?, ?)`,
    );
    const action = db.prepare(`INSERT INTO action (org, app, key, version, hash, name, kind, description, definition, defined_at) VALUES (?, 'seed-app', ?, '1', ?, ?, 'FUNCTION', ?, ?, ?)`);
    const implementation = db.prepare("INSERT INTO implementation (agent_id, action_id, interface, created_at) VALUES (?, ?, ?, ?)");
    const caller = db.prepare("INSERT INTO caller (org, client_id, user_sub, iss) VALUES (?, ?, ?, ?)");
    const task = db.prepare(
      `INSERT INTO task (org, action_id, implementation_id, agent_id, caller_id, reference, args, args_hash, parent_id, root_id, is_done,
         latest_event_kind, latest_instruct_kind, ephemeral, created_at, updated_at, finished_at, reference_key, args_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const event = db.prepare("INSERT INTO task_event (task_id, kind, message, progress, returns, level, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const assignPending = db.prepare("UPDATE task SET assign_pending = 1 WHERE id = ?");
    const taskDependency = db.prepare("INSERT INTO task_dependency (task_id, org, dependencies, dependency, dependency_method) VALUES (?, ?, ?, ?, ?)");

    const orgs = ["bench", "org1"] as const;
    const rows = new Map<string, { agents: number[]; impls: Array<{ id: number; agent: number; action: number }>; callers: number[] }>();
    for (const org of orgs) {
      const agents: number[] = [];
      for (let a = 0; a < 4; a++) {
        const client = `seed-agent-${a}`;
        agents.push(id(agent.run(org, client, client, ISS, client, a === 3 ? null : "seed-app", a === 3 ? null : `1.${a}.0`, `Seed agent ${a} of ${org}`, a === 1 ? `agenthash${a}` : null, a === 2 ? 1 : 0, BASE + a, BASE)));
      }
      const impls: Array<{ id: number; agent: number; action: number }> = [];
      for (let k = 0; k < 5; k++) {
        const actionId = id(action.run(org, `action_${k}`, `${org}hash${k}`, `Action ${k}`, `seeded action number ${k}`, definitionOf(k), BASE + k));
        if (org === "bench") ids.actions.push(actionId);
        for (const a of [agents[k % 4]!, agents[(k + 1) % 4]!]) impls.push({ id: id(implementation.run(a, actionId, `action_${k}`, BASE)), agent: a, action: actionId });
      }
      const callers = [id(caller.run(org, "caller-client", "caller", ISS)), id(caller.run(org, "other-client", "other", ISS))];
      rows.set(org, { agents, impls, callers });
      if (org === "bench") {
        ids.agents = agents;
        ids.implementations = impls.map((i) => i.id);
      }
    }
    // the viewer pinned one agent of bench
    db.prepare("INSERT INTO agent_pin (agent_id, org, user_sub, iss, created_at) VALUES (?, 'bench', 'caller', ?, ?)").run(ids.agents[1], ISS, BASE);

    const org1Task = { id: 0 };
    let n = 0;
    const addTask = (org: "bench" | "org1", c: number, implIndex: number, kind: string, parent: number | null, root: number | null, events: number, controls: string[] = []) => {
      const o = rows.get(org)!;
      const impl = o.impls[implIndex % o.impls.length]!;
      const created = BASE + 60_000 * ++n;
      const open = kind === "QUEUED" || kind === "ASSIGNED";
      const reference = `ref-${org}-${n}`;
      const argsHash = `ah${n % 7}`;
      const taskId = id(
        task.run(org, impl.action, impl.id, impl.agent, o.callers[c]!, reference, JSON.stringify({ x: n, label: `l${n}` }), argsHash, parent, root, open ? 0 : 1, kind, controls.length > 0 ? "CANCEL" : "ASSIGN", n % 9 === 0 ? 1 : 0, created, created + 500, open ? null : created + 500, lookupKey(reference), lookupKey(argsHash)),
      );
      let seq = 0;
      for (let e = 0; e < events; e++) {
        const kinds = ["LOG", "PROGRESS", "YIELD"];
        const k = e === events - 1 && !open ? kind : kinds[e % kinds.length]!;
        event.run(taskId, k, k === "LOG" ? `log ${e} of ${n}` : k === "FAILED" ? `error of ${n}` : null, k === "PROGRESS" ? (e * 7) % 100 : null, k === "YIELD" ? `{"return0":${e},"return1":{"value":2.0}}` : null, k === "LOG" ? "DEBUG" : "INFO", created + 10 * e, ++seq);
        if (e === 0) for (const control of controls) event.run(taskId, control, null, null, null, "INFO", created + 1, ++seq);
      }
      if (open) assignPending.run(taskId);
      // every third task was assigned with dependencies (the dependencies area's Task fields)
      if (n % 3 === 0) {
        const map = { camera: [{ agent: String(o.agents[n % 4]), actions: { snap: { action: String(impl.action), implementation: String(impl.id) } } }] };
        taskDependency.run(taskId, org, JSON.stringify(map), n % 2 === 0 ? `dep-${n}` : null, n % 2 === 0 ? "camera" : null);
      }
      return taskId;
    };
    org1Task.id = addTask("org1", 0, 0, "COMPLETED", null, null, 3);
    const kinds = ["COMPLETED", "COMPLETED", "FAILED", "CANCELLED", "COMPLETED"];
    let parent = 0;
    for (let i = 0; i < 60; i++) {
      const org = i % 6 === 5 ? "org1" : "bench";
      const c = i % 3 === 2 ? 1 : 0;
      const kind = i > 55 ? "QUEUED" : kinds[i % kinds.length]!;
      const child = i % 7 === 3 && parent !== 0 && org === "bench";
      const controls = i % 8 === 1 ? ["CANCELLING"] : i % 8 === 5 ? ["PAUSING", "RESUMING", "INTERRUPTING"] : [];
      const taskId = addTask(org, c, i % 4 === 0 ? 0 : i, kind, child ? parent : null, child ? parent : null, 1 + (i % 4), controls);
      if (org === "bench" && !child && i % 10 === 0) parent = taskId;
      if (child) ids.parentWithChildren = parent;
    }
    // among the newest tasks of the viewer: more events than Task.events returns, and a parent in another organisation
    addTask("bench", 0, 1, "COMPLETED", null, null, EVENTS_BOUND + 15, ["CANCELLING"]);
    childOfOtherOrg = addTask("bench", 0, 2, "COMPLETED", org1Task.id, org1Task.id, 2);
    for (let i = 0; i < 4; i++) addTask("bench", 0, 3, "QUEUED", null, null, 1);
    ids.hotAction = ids.actions[0]!;
    ids.rareAction = ids.actions[3]!;
  })();
  const column = (sql: string) => (db.prepare(sql).all() as Array<{ id: number }>).map((r) => r.id);
  const seeded: Seeded = {
    ids,
    longest: (db.prepare("SELECT max(n) AS n FROM (SELECT count(*) AS n FROM task_event GROUP BY task_id)").get() as { n: number }).n,
    org1Tasks: column("SELECT id FROM task WHERE org = 'org1'"),
    benchIds: new Set([
      ...column("SELECT id FROM task WHERE org = 'bench'"),
      ...column("SELECT e.id FROM task_event e JOIN task t ON t.id = e.task_id WHERE t.org = 'bench'"),
      ...column("SELECT id FROM agent WHERE org = 'bench'"),
      ...column("SELECT id FROM action WHERE org = 'bench'"),
      ...column("SELECT i.id FROM implementation i JOIN agent a ON a.id = i.agent_id WHERE a.org = 'bench'"),
      ...column("SELECT id FROM caller WHERE org = 'bench'"),
    ]),
    childOfOtherOrg,
  };
  db.close();
  return seeded;
}

/** Values the server sets at its start (every agent's last heartbeat) are replaced, so answers compare across runs. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "lastSeen" && typeof v === "string" ? "<set at start>" : stable(v)]));
}

interface Query {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  token?: keyof typeof TOKENS;
  /** Asks for pages over LIMITS' maximum: runs on the server restarted with WIDE_LIMITS. */
  wide?: boolean;
}

/** Edge shapes of the batched nested lists: offsets and orders of `Task.events`, aliases, filters, nested pages, other viewers. */
function edgeQueries(ids: CaseIds): Query[] {
  const eventFields = "id kind level message progress returns createdAt reference task { id reference }";
  return [
    { name: "events page with an offset, newest first", query: `{ tasks(pagination: {limit: 30}) { id events(ordering: {createdAt: DESC}, pagination: {limit: 3, offset: 2}) { ${eventFields} } } }` },
    { name: "events page with an offset, oldest first", query: `{ tasks(pagination: {limit: 30}) { id events(pagination: {limit: 4, offset: 1}) { ${eventFields} } } }` },
    { name: "events of every task, whole bound", query: `{ tasks(pagination: {limit: 30}) { id events { id kind } instructs { id kind createdAt task { id } } } }` },
    { name: "events twice under aliases", query: "{ myTasks { id first: events(pagination: {limit: 1}) { id } newest: events(ordering: {createdAt: DESC}) { id kind } all: events { id } } }" },
    { name: "events filtered by kind and ids", query: `{ myTasks { id logs: events(filters: {kind: [LOG, YIELD]}) { id kind } some: events(filters: {ids: ["1", "2", "3", "60", "61"]}) { id } } }` },
    { name: "events of child tasks (nested pages)", query: `{ tasks(filters: {parent: "${ids.parentWithChildren}"}) { id children { id events { id kind } } } task: tasks(filters: {ids: ["${ids.parentWithChildren}"]}) { id children { id parent { id } events(ordering: {createdAt: DESC}) { id } } } }` },
    { name: "tasks of an agent and of an action, with events", query: `{ agents { id tasks(pagination: {limit: 5}) { id events { id } } } actions { id runs { id instructs { id kind } } latestTask { id events { id } } } }` },
    { name: "dependencies of a page of tasks", query: "{ myTasks { id dependencies dependency dependencyMethod resolvedDependencies { key values mappedAgents { agentId agent { id name } } } } tasks(pagination: {limit: 30}) { id dependency } }" },
    { name: "parent in another organisation", query: "{ myTasks { id parent { id reference } root { id } } }" },
    { name: "myTasks of another caller of the organisation", query: "{ myTasks { id reference events { id } } }", token: "bench-other" },
    { name: "myTasks of the other organisation", query: "{ myTasks { id reference events { id } action { id name } } tasks { id } agents { id name } actions { id } }", token: "org1-caller" },
    {
      name: "over the query cost limit",
      query: `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: tasks(pagination: {limit: 30}) { id events { id kind level message progress returns createdAt reference } }`).join(" ")} }`,
    },
  ];
}

async function start(dataDir: string, limits: typeof LIMITS = LIMITS): Promise<ServerHandle> {
  return startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, graceMs: 0, ...limits, dataDir });
}

/** One line per answer, so a changed answer shows as a changed line. */
function answersText(answers: Record<string, unknown>): string {
  return `{\n${Object.entries(answers).map(([name, answer]) => `${JSON.stringify(name)}: ${JSON.stringify(answer)}`).join(",\n")}\n}\n`;
}

describe("issue 18: list queries answer as before their reads were batched", () => {
  let dataDir = "";
  let server: ServerHandle | undefined;
  let queries: Query[] = [];
  let facts: Seeded;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "arkitekt-list-answers-"));
    // a first start applies every migration (the areas' too); the store is then seeded directly
    await (await start(dataDir)).close();
    facts = seed(dataDir);
    server = await start(dataDir);
    const cases = clientCases(facts.ids).filter((c) => c.target !== "floor");
    // our UI's pages of 200 are over LIMITS' maximum page
    queries = [...cases.map((c) => ({ name: c.name, query: c.query, variables: c.variables, wide: c.name.includes("(200)") })), ...edgeQueries(facts.ids)];
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("issue 18: every list query of the scale bench and each edge shape answers as the server did before (answers.json)", async () => {
    const answers: Record<string, unknown> = {};
    const ask = async (q: Query) => {
      const response = await graphqlRequest<unknown>(server!.graphqlUrl, q.token ?? "bench-caller", q.query, q.variables);
      answers[q.name] = stable({ status: response.status, data: response.data ?? null, errors: response.errors ?? null });
    };
    for (const q of queries.filter((x) => !x.wide)) await ask(q);
    await server!.close();
    server = await start(dataDir, WIDE_LIMITS);
    for (const q of queries.filter((x) => x.wide)) await ask(q);
    await server.close();
    server = await start(dataDir);
    if (UPDATE) {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, answersText(answers));
    }
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_LIST_ANSWERS=1 on the commit whose answers are the reference`).toBe(true);
    const expected = JSON.parse(readFileSync(GOLDEN, "utf8")) as Record<string, unknown>;
    expect(Object.keys(answers)).toEqual(Object.keys(expected));
    for (const name of Object.keys(expected)) expect(answers[name], name).toEqual(expected[name]);
    // the wide queries answered (their pages are within WIDE_LIMITS)
    expect(queries.filter((q) => q.wide).map((q) => (answers[q.name] as { errors: unknown }).errors)).toEqual(queries.filter((q) => q.wide).map(() => null));
  });

  it("issue 18: the seeded store holds what the comparison needs (a task over the events bound, control events, another organisation never shown)", async () => {
    type Answer = { myTasks: Array<{ id: string; events: Array<{ id: string }>; instructs: Array<{ kind: string }>; parent: { id: string } | null }> };
    const response = await graphqlRequest<Answer>(server!.graphqlUrl, "bench-caller", "{ myTasks { id events { id } instructs { kind } parent { id } } }");
    const tasks = response.data!.myTasks;
    expect(facts.longest).toBeGreaterThan(EVENTS_BOUND);
    expect(tasks.some((t) => t.events.length === EVENTS_BOUND)).toBe(true);
    expect(tasks.some((t) => t.instructs.length > 0)).toBe(true);
    // the task whose parent is in org1 is on the page, and shows no parent
    expect(tasks.some((t) => Number(t.id) === facts.childOfOtherOrg && t.parent === null)).toBe(true);
    // no answer to bench's viewers names a task of org1
    const expected = JSON.parse(readFileSync(GOLDEN, "utf8")) as Record<string, unknown>;
    const named = new Set<number>();
    const walk = (value: unknown, key = ""): void => {
      if (Array.isArray(value)) for (const v of value) walk(v, key);
      else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k);
      else if (key === "id" && typeof value === "string") named.add(Number(value));
    };
    for (const q of queries.filter((x) => x.token !== "org1-caller")) walk(expected[q.name]);
    expect(facts.org1Tasks.length).toBeGreaterThan(5);
    expect(facts.org1Tasks.filter((id) => named.has(id) && !facts.benchIds.has(id))).toEqual([]);
  });
});
