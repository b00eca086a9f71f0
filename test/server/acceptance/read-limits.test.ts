/**
 * Issue 9 #13 and #16: the GraphQL read paths are bounded and strict. List fields return a default page
 * and refuse a page over the maximum; a query whose answer is over the cost limit is refused whole; id filters of any length answer; `Task.arg` reads only the args' own keys; ids are
 * strict decimals.
 *
 * The store is seeded directly (the real Store class on the server's data folder, before the server
 * opens it), so a test can have hundreds of tasks with events in milliseconds.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerHandle, type ServerOptions } from "../../../src/server/index.js";
import { Store } from "../../../src/server/store/store.js";
import { graphqlData, graphqlRequest, type GraphQLResponse } from "../helpers/graphql.js";
import { TEST_TIMING } from "../helpers/server.js";
import { SUBSCRIPTION_PROTOCOLS, openSubscriptionClient } from "../helpers/subscriptions.js";
import { T1, T3, TOKENS, claimsOf } from "../helpers/tokens.js";

const TASKS = 250;
const EVENTS_PER_TASK = 3;

interface Seeded {
  actionId: number;
  implementationId: number;
  taskIds: number[];
}

/** Writes one agent, action, implementation and `TASKS` tasks (each with events) of T1's organisation. */
function seed(dataDir: string): Seeded {
  const store = new Store(dataDir);
  try {
    const c = claimsOf(T1);
    const identity = { org: c.active_org, clientId: c.client_id, sub: c.sub, iss: "static_issuer" };
    const agent = store.createAgent({ org: identity.org, client_id: identity.clientId, user_sub: identity.sub, iss: identity.iss, username: "one", app: c.client_app, release: c.client_release, name: "seed", kind: "WEBSOCKET", hook_url: null });
    const definition = { key: "add", version: "1", name: "Add", kind: "FUNCTION", args: [{ key: "a", kind: "INT", nullable: false }], returns: [] };
    const action = store.insertAction({ org: identity.org, app: c.client_app, key: "add", version: "1", hash: "seed-hash", name: "Add", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: JSON.stringify(definition), defined_at: 1 });
    const implementation = store.insertImplementation({ agent_id: agent.id, action_id: action.id, interface: "add", params: null, effect: "NONE", needs_token: 0, dependencies: "[]", created_at: 1 });
    const caller = store.ensureCaller(identity);
    const taskIds: number[] = [];
    store.transaction(() => {
      for (let i = 0; i < TASKS; i++) {
        const task = store.insertTask({ org: identity.org, action_id: action.id, implementation_id: implementation.id, agent_id: agent.id, caller_id: caller.id, reference: `ref-${i}`, args: JSON.stringify({ a: i }), args_hash: "h", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: 1000 + i });
        for (let e = 0; e < EVENTS_PER_TASK; e++) store.insertEvent(task.id, "LOG", `event ${e}`, null, null, "INFO", 1000 + i);
        // done, so the restart's disconnect fate leaves them alone
        store.setTaskDone(task.id, "COMPLETED", null, 1000 + i);
        taskIds.push(task.id);
      }
    });
    return { actionId: action.id, implementationId: implementation.id, taskIds };
  } finally {
    store.close();
  }
}

async function seededServer(options: Partial<ServerOptions> = {}): Promise<{ handle: ServerHandle; dataDir: string; seeded: Seeded }> {
  const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-read-limits-"));
  const seeded = seed(dataDir);
  const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, ...options, dataDir });
  return { handle, dataDir, seeded };
}

function errorsOf(response: GraphQLResponse<unknown>): string {
  expect(response.errors, `expected errors, got data ${JSON.stringify(response.data)?.slice(0, 200)}`).toBeDefined();
  return response.errors!.map((e) => e.message).join(" | ");
}

describe("issue 9 #13: bounded list queries", () => {
  let handle: ServerHandle;
  let dataDir: string;
  let seeded: Seeded;
  beforeAll(async () => {
    ({ handle, dataDir, seeded } = await seededServer());
  });
  afterAll(async () => {
    await handle.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const gql = <T>(query: string, variables?: Record<string, unknown>) => graphqlData<T>(handle.graphqlUrl, T1, query, variables);
  const request = (query: string, variables?: Record<string, unknown>) => graphqlRequest<unknown>(handle.graphqlUrl, T1, query, variables);

  it("issue 9 #13: a list query without pagination returns the default page (100), not every task", async () => {
    const data = await gql<{ tasks: Array<{ id: string }>; myTasks: Array<{ id: string }> }>("{ tasks { id } myTasks { id } }");
    expect(data.tasks).toHaveLength(100);
    expect(data.myTasks).toHaveLength(100);
    // newest first, as before
    expect(data.tasks[0]!.id).toBe(String(seeded.taskIds.at(-1)));
  });

  it("issue 9 #13: nested task lists (Action.tasks, Action.runs, Agent.tasks) return the default page too", async () => {
    const data = await gql<{ actions: Array<{ tasks: unknown[]; runs: unknown[] }>; agents: Array<{ tasks: unknown[] }> }>(
      "{ actions { tasks { id } runs { id } } agents { tasks { id } } }",
    );
    expect(data.actions[0]!.tasks).toHaveLength(100);
    expect(data.actions[0]!.runs).toHaveLength(100);
    expect(data.agents[0]!.tasks).toHaveLength(100);
  });

  it("issue 9 #13: pagination pages through every task, and a page up to the maximum is served", async () => {
    const seen = new Set<string>();
    for (let offset = 0; offset < TASKS; offset += 100) {
      const page = await gql<{ tasks: Array<{ id: string }> }>("query ($p: OffsetPaginationInput) { tasks(pagination: $p) { id } }", { p: { offset, limit: 100 } });
      for (const t of page.tasks) seen.add(t.id);
    }
    expect(seen.size).toBe(TASKS);
    const all = await gql<{ tasks: unknown[] }>("{ tasks(pagination: { limit: 1000 }) { id } }");
    expect(all.tasks).toHaveLength(TASKS);
  });

  it("issue 9 #13: a pagination limit over the maximum page size is refused, naming the field and the maximum", async () => {
    const message = errorsOf(await request("{ tasks(pagination: { limit: 1001 }) { id } }"));
    expect(message).toMatch(/tasks/);
    expect(message).toMatch(/1000/);
    const viaVariable = errorsOf(await request("query ($p: OffsetPaginationInput) { tasks(pagination: $p) { id } }", { p: { limit: 5000 } }));
    expect(viaVariable).toMatch(/over the maximum page size 1000/);
    expect(errorsOf(await request("{ tasks(pagination: { limit: -1 }) { id } }"))).toMatch(/pagination\.limit/);
  });

  it("issue 9 #13: Task.events pages in the store (offset, limit, ordering)", async () => {
    const id = String(seeded.taskIds[0]);
    const data = await gql<{ task: { all: Array<{ message: string }>; page: Array<{ message: string }>; last: Array<{ message: string }> } }>(
      `query ($id: ID!) { task(id: $id) {
        all: events { message }
        page: events(pagination: { offset: 1, limit: 1 }) { message }
        last: events(ordering: [{ createdAt: DESC }], pagination: { limit: 1 }) { message }
      } }`,
      { id },
    );
    expect(data.task.all.map((e) => e.message)).toEqual(["event 0", "event 1", "event 2"]);
    expect(data.task.page.map((e) => e.message)).toEqual(["event 1"]);
    expect(data.task.last.map((e) => e.message)).toEqual(["event 2"]);
  });

  it("issue 15: the query cost counts the values an answer returns: tasks × events fits when the store holds few events", async () => {
    // 250 tasks × (id + events) + 750 events × 3 fields = 2,750 values, though 1,000 × 1,000 could be asked for
    const data = await gql<{ tasks: Array<{ events: unknown[] }> }>("{ tasks(pagination: { limit: 1000 }) { id events { id kind message } } }");
    expect(data.tasks).toHaveLength(TASKS);
    expect(data.tasks[0]!.events).toHaveLength(EVENTS_PER_TASK);
  });

  it("issue 9 #13: aliases count: aliased maximum pages whose answer is over the cost limit are refused whole", async () => {
    // 250 aliases × 250 tasks × 4 fields = 250,000 values, over the default 200,000
    const aliases = Array.from({ length: 250 }, (_, i) => `a${i}: tasks(pagination: { limit: 1000 }) { id reference isDone createdAt }`).join(" ");
    const response = await request(`query Everything { ${aliases} }`);
    const message = errorsOf(response);
    expect(message).toMatch(/Operation Everything returns more than 200000 values, over the query cost limit of 200000/);
    expect(message).toMatch(/pagination\.limit/);
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions?.code).toBe("QUERY_TOO_COSTLY");
    expect(response.data ?? null).toBeNull();
  });

  it("issue 15: a pagination variable counts the page it asks for", async () => {
    const data = await gql<{ tasks: Array<{ events: unknown[] }> }>("query ($p: OffsetPaginationInput) { tasks(pagination: $p) { id events { id kind message } } }", { p: { limit: 1 } });
    expect(data.tasks).toHaveLength(1);
  });
});

describe("issue 9 #13: read limits are server options", () => {
  it("issue 9 #13: defaultPageSize, maxPageSize and maxQueryCost are enforced as configured", async () => {
    const { handle, dataDir } = await seededServer({ defaultPageSize: 7, maxPageSize: 20, maxQueryCost: 150 });
    try {
      const data = await graphqlData<{ tasks: unknown[] }>(handle.graphqlUrl, T1, "{ tasks { id } }");
      expect(data.tasks).toHaveLength(7);
      expect(errorsOf(await graphqlRequest(handle.graphqlUrl, T1, "{ tasks(pagination: { limit: 21 }) { id } }"))).toMatch(/over the maximum page size 20/);
      // cost: per task its 2 fields (id, events) and 3 events × 2 fields = 8 values
      const at = (limit: number) => graphqlRequest<{ tasks: unknown[] }>(handle.graphqlUrl, T1, `{ tasks(pagination: { limit: ${limit} }) { id events { id kind } } }`);
      // 18 × 8 = 144 fits the limit of 150, 19 × 8 = 152 does not
      const fits = await at(18);
      expect(fits.errors).toBeUndefined();
      expect(fits.data!.tasks).toHaveLength(18);
      expect(errorsOf(await at(19))).toMatch(/more than 150 values/);
      // the same count on both WebSocket protocols
      for (const protocol of SUBSCRIPTION_PROTOCOLS) {
        const client = await openSubscriptionClient(protocol, handle.graphqlWsUrl, T1);
        try {
          const over = await client.subscribe<{ tasks: unknown[] }>("{ tasks(pagination: { limit: 19 }) { id events { id kind } } }");
          await expect(over.next(), protocol).rejects.toThrow(/more than 150 values/);
          const under = await client.subscribe<{ tasks: unknown[] }>("{ tasks(pagination: { limit: 18 }) { id events { id kind } } }");
          expect((await under.next()).tasks, protocol).toHaveLength(18);
        } finally {
          await client.close();
        }
      }
      // a field counts once per object however often it is spread (fragments, inline fragments, merged
      // selections): still 18 × 8; an alias is another value: 18 × 9 = 162
      const spread = await graphqlRequest(
        handle.graphqlUrl,
        T1,
        "fragment F on Task { id } { tasks(pagination: { limit: 18 }) { ...F id ... on Task { id events { id kind } } events { kind } } }",
      );
      expect(spread.errors).toBeUndefined();
      expect(errorsOf(await graphqlRequest(handle.graphqlUrl, T1, "{ tasks(pagination: { limit: 18 }) { id again: id events { id kind } } }"))).toMatch(/more than 150 values/);
    } finally {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("issue 9 #13: an impossible limit is refused at start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-read-limits-"));
    try {
      await expect(startServer({ dataDir, port: 0, tokens: TOKENS, maxPageSize: 0 })).rejects.toThrow(/maxPageSize must be a positive integer/);
      await expect(startServer({ dataDir, port: 0, tokens: TOKENS, defaultPageSize: 50, maxPageSize: 10 })).rejects.toThrow(/defaultPageSize 50 is over maxPageSize 10/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("issue 9 #16: strict reads", () => {
  let handle: ServerHandle;
  let dataDir: string;
  let seeded: Seeded;
  beforeAll(async () => {
    ({ handle, dataDir, seeded } = await seededServer());
  });
  afterAll(async () => {
    await handle.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const request = <T>(query: string, variables?: Record<string, unknown>, token = T1) => graphqlRequest<T>(handle.graphqlUrl, token, query, variables);

  it("issue 9 #16: Task.arg returns null for prototype members (__proto__, constructor, toString) and the value for own keys", async () => {
    const id = String(seeded.taskIds[5]);
    const response = await request<{ task: Record<string, unknown> }>(
      `query ($id: ID!) { task(id: $id) { a: arg(key: "a") proto: arg(key: "__proto__") ctor: arg(key: "constructor") str: arg(key: "toString") own: arg(key: "hasOwnProperty") missing: arg(key: "b") } }`,
      { id },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.task).toEqual({ a: 5, proto: null, ctor: null, str: null, own: null, missing: null });
  });

  it("issue 9 #16: a filter of 40,000 ids answers with the matching tasks (no 'Unexpected error.')", async () => {
    const ids = Array.from({ length: 40_000 }, (_, i) => String(i + 1));
    const response = await request<{ tasks: Array<{ id: string }> }>("query ($ids: [ID!]) { tasks(filters: { ids: $ids }, pagination: { limit: 1000 }) { id } }", { ids });
    expect(response.errors).toBeUndefined();
    expect(response.data!.tasks).toHaveLength(TASKS);
    const states = await request<{ tasks: unknown[] }>("{ tasks(filters: { state: [COMPLETED, STARTED] }) { id } }");
    expect(states.errors).toBeUndefined();
    expect(states.data!.tasks).toHaveLength(100);
  });

  it("issue 9 #16: action(id) and implementation(id) take strict decimal ids only", async () => {
    const actionId = String(seeded.actionId);
    const implId = String(seeded.implementationId);
    const ok = await request<{ action: { id: string }; implementation: { id: string } }>("query ($a: ID, $i: ID!) { action(id: $a) { id } implementation(id: $i) { id } }", { a: actionId, i: implId });
    expect(ok.errors).toBeUndefined();
    expect(ok.data).toEqual({ action: { id: actionId }, implementation: { id: implId } });
    for (const bad of [`0x${actionId}`, ` ${actionId}`, `${actionId} `, `+${actionId}`, `${actionId}.0`, `${actionId}e0`, `0b${actionId}`, ""]) {
      const action = await request<unknown>("query ($a: ID) { action(id: $a) { id } }", { a: bad });
      expect(errorsOf(action), `action(id: ${JSON.stringify(bad)})`).toMatch(/No action found/);
      expect(action.errors![0]!.extensions?.code).toBe("NOT_FOUND");
      const impl = await request<unknown>("query ($i: ID!) { implementation(id: $i) { id } }", { i: bad.replace(actionId, implId) });
      expect(errorsOf(impl), `implementation(id: ${JSON.stringify(bad)})`).toMatch(/Implementation .* not found/);
    }
    const byImpl = await request<unknown>("query ($i: ID) { action(implementation: $i) { id } }", { i: `0x${implId}` });
    expect(errorsOf(byImpl)).toMatch(/No action found/);
  });

  it("issue 9 #16: id filters match decimal ids only ('0x1', ' 1' match nothing)", async () => {
    const first = String(seeded.taskIds[0]);
    const response = await request<{ tasks: unknown[]; actions: unknown[]; implementations: unknown[]; agents: unknown[] }>(
      "query ($ids: [ID!]) { tasks(filters: { ids: $ids }) { id } actions(filters: { ids: $ids }) { id } implementations(filters: { ids: $ids }) { id } agents(filters: { ids: $ids }) { id } }",
      { ids: [`0x${first}`, ` ${first}`, `${first}.0`] },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ tasks: [], actions: [], implementations: [], agents: [] });
    const byAgent = await request<{ tasks: unknown[] }>("query ($a: ID) { tasks(filters: { agent: $a }) { id } }", { a: " 1" });
    expect(byAgent.data!.tasks).toEqual([]);
  });

  it("issue 9 #16: the strict reads stay inside the organisation", async () => {
    const response = await request<unknown>("query ($a: ID) { action(id: $a) { id } }", { a: String(seeded.actionId) }, T3);
    expect(errorsOf(response)).toMatch(/No action found/);
  });
});
