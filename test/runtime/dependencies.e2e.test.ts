/**
 * Dependencies end to end (issue 16): a real embedded server, the providing agent (app
 * "runtime-agent", serving `add`) and the dependent agent (app "runtime-other") in child
 * processes, the caller here. The dependent's `sum_via_dependency` declares the dependency
 * "adder" (`ImplementationInput.dependencies`, sent by `implementAgent`), the platform resolves it
 * at assign (autoResolvable), and the task calls `add` through `context().dependency("adder")`
 * with the typed stub: an assign with `dependency` + `method` + `parent`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { AssignError, TaskFailedError } from "../../src/runtime/caller/errors.js";
import { spawnFixture, startRuntimeServer, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN, CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";

let server: RuntimeServer;
let provider: ChildHandle;
let dependent: ChildHandle;
let caller: ArkitektClient;
let providerId: string;

beforeAll(async () => {
  // Heartbeats lenient enough for a loaded machine: this file tests routing, not liveness.
  server = await startRuntimeServer({ heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000, staleAfterMs: 20_000 });
  provider = spawnFixture("agent-main.ts", { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN });
  dependent = spawnFixture("dependent-main.ts", { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: OTHER_TOKEN });
  [providerId] = await Promise.all([provider.ready, dependent.ready]);
  caller = createClient({ url: server.url, token: CALLER_TOKEN });
}, 30_000);

afterAll(async () => {
  if (process.env.DEBUG_DEPS) process.stderr.write(`provider:\n${provider?.stderr()}\ndependent:\n${dependent?.stderr()}\n`);
  await caller?.close();
  await Promise.all([provider?.stop(), dependent?.stop()]);
  await server?.close();
});

const target = (key: string) => ({ app: "runtime-other", key });

async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(server.handle.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${CALLER_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

describe("dependencies", () => {
  it("issue 16: implementAgent reports the declared dependency; the platform stores it on the implementation", async () => {
    const data = await gql<{ implementations: Array<{ interface: string; dependencies: Array<{ key: string; appFilter: string | null; autoResolvable: boolean; actionDependencies: Array<{ key: string }> }> }> }>(
      `query { implementations(filters: {}) { interface dependencies { key appFilter autoResolvable actionDependencies { key } } } }`,
      {},
    );
    const sum = data.implementations.find((i) => i.interface === "sum_via_dependency");
    expect(sum?.dependencies).toEqual([{ key: "adder", appFilter: "runtime-agent", autoResolvable: true, actionDependencies: [{ key: "add" }] }]);
  });

  it("issue 16: a dependency resolved by the platform is called through its typed proxy from a task; the child carries the task as parent and the dependency + method", async () => {
    let taskId: string | undefined;
    const result = await caller.call(target("sum_via_dependency"), { a: 20, b: 22 }, { onAssigned: (id) => (taskId = id) });
    expect(result).toEqual({ return0: 42 });
    const data = await gql<{ task: { children: Array<{ dependency: string | null; dependencyMethod: string | null; parent: { id: string } | null; action: { key: string } }> } }>(
      `query ($id: ID!) { task(id: $id) { children { dependency dependencyMethod parent { id } action { key } } } }`,
      { id: taskId },
    );
    expect(data.task.children).toEqual([{ dependency: "adder", dependencyMethod: "add", parent: { id: taskId }, action: { key: "add" } }]);
  });

  it("issue 16: an unresolved required dependency keeps the function unavailable: the assign is refused naming the dependency and how to resolve it", async () => {
    const error = await caller.call(target("needs_ghost"), { a: 1, b: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssignError);
    expect((error as Error).message).toMatch(/Dependency "ghost" .* is not resolved: .*no agent of organisation "lab" matches app "no-such-app"/);
    expect((error as Error).message).toMatch(/createResolution or autoResolve|start an agent that serves it/);
  });

  it("issue 16: an optional dependency left unresolved fails the task at once (FAILED, not CRITICAL), naming the dependency and how to resolve it", async () => {
    const error = await caller.call(target("maybe_ghost"), { a: 1, b: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.kind).toBe("FAILED");
    expect(failed.remoteMessage).toMatch(/^dependency "ghost" \(method "run"\) cannot be called: Dependency "ghost" is not resolved for task \d+/);
    expect(failed.remoteMessage).toMatch(/start an agent of app "no-such-app" serving "run"/);
  });

  it("issue 16: asking for a dependency the function does not declare fails the task naming the declared ones", async () => {
    const error = await caller.call(target("wrong_key"), { a: 1, b: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).kind).toBe("FAILED");
    expect((error as TaskFailedError).remoteMessage).toMatch(/this function declares no dependency "nope"; it declares "adder"/);
  });

  it("issue 16: isTestFor (TestTargetInput) and isDev reach the platform through implementAgent; the target is the action of the app it names", async () => {
    const data = await gql<{ implementations: Array<{ interface: string; agent: { id: string }; action: { id: string; isDev: boolean; isTestFor: Array<{ id: string }> } }> }>(
      `query { implementations(filters: {}) { interface agent { id } action { id isDev isTestFor { id } } } }`,
      {},
    );
    const providerAdd = data.implementations.find((i) => i.interface === "add" && i.agent.id === providerId);
    const checks = data.implementations.find((i) => i.interface === "checks_add");
    // the dependent agent serves an `add` of its own app too: the target names runtime-agent's
    expect(checks?.action.isDev).toBe(true);
    expect(checks?.action.isTestFor).toEqual([{ id: providerAdd!.action.id }]);
    expect(data.implementations.find((i) => i.interface === "sum_via_dependency")?.action).toMatchObject({ isDev: false, isTestFor: [] });
  });
});
