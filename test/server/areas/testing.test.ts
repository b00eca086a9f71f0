/**
 * Issue 15, testing area: `createTestCase`, `createTestResult`, `testCase(s)`, `testResult(s)`,
 * `Action.testCases`, and the `isTestFor` links of registered definitions (`Action.isTestFor`,
 * `Action.tests`), per organisation.
 */
import { describe, expect, it } from "vitest";
import { ADD, PING, setupAgent, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";

/** A test function naming what it tests (`TestTargetInput`s: a bare string is a key, or a hash when it looks like one). */
function tester(key: string, targets: string[]): ImplementationInput {
  const isTestFor = targets.map((t) => (/^[0-9a-f]{64}$/.test(t) ? { hash: t } : { key: t }));
  return {
    interface: key,
    effect: "NONE",
    definition: { key, version: "1", name: `Test ${key}`, kind: "FUNCTION", description: "a test", collections: [], args: [], returns: [{ key: "return0", kind: "BOOL", nullable: false }], isTestFor },
  };
}

const CREATE_CASE = `mutation ($input: CreateTestCaseInput!) {
  createTestCase(input: $input) { id name description isBenchmark action { id } tester { id } }
}`;
const CREATE_RESULT = `mutation ($input: CreateTestResultInput!) {
  createTestResult(input: $input) { id passed createdAt updatedAt case { id name } implementation { id } tester { id } }
}`;

interface TestCase {
  id: string;
  name: string;
  description: string;
  isBenchmark: boolean;
  action: { id: string };
  tester: { id: string };
}

async function labWithTests(s: ReturnType<ReturnType<typeof useTestServer>>) {
  const fixture = await setupAgent(s, T1, [ADD, PING, tester("test_add", [])]);
  return { fixture, add: fixture.impl.add!, testAdd: fixture.impl.test_add!, ping: fixture.impl.ping! };
}

describe("issue 15: testing area", () => {
  const server = useTestServer();

  it("issue 15: createTestCase stores a case that testCase and testCases read; creating it again for the same action and tester updates it", async () => {
    const s = server();
    const { add, testAdd } = await labWithTests(s);
    const created = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId } })).createTestCase;
    expect(created).toMatchObject({ name: "Test test_add", description: "", isBenchmark: false, action: { id: add.actionId }, tester: { id: testAdd.actionId } });

    const read = await s.gql<{ testCase: TestCase }>(T1, `query ($id: ID!) { testCase(id: $id) { id name description isBenchmark action { id } tester { id } } }`, { id: created.id });
    expect(read.testCase).toEqual(created);

    const updated = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId, name: "adds small numbers", description: "1 + 2 = 3" } }))
      .createTestCase;
    expect(updated).toMatchObject({ id: created.id, name: "adds small numbers", description: "1 + 2 = 3" });
    const list = await s.gql<{ testCases: Array<{ id: string; name: string }> }>(T1, `{ testCases { id name } }`);
    expect(list.testCases).toEqual([{ id: created.id, name: "adds small numbers" }]);
    const ofAction = await s.gql<{ action: { testCases: Array<{ id: string }> } }>(T1, `query ($id: ID!) { action(id: $id) { testCases { id } } }`, { id: add.actionId });
    expect(ofAction.action.testCases).toEqual([{ id: created.id }]);
  });

  it("issue 15: createTestResult stores a result with its case and implementations; deleting the implementation under test deletes its results", async () => {
    const s = server();
    const { add, testAdd } = await labWithTests(s);
    const testCase = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId, name: "adds" } })).createTestCase;
    const result = (
      await s.gql<{ createTestResult: { id: string; passed: boolean; createdAt: string; updatedAt: string; case: { id: string }; implementation: { id: string }; tester: { id: string } } }>(T1, CREATE_RESULT, {
        input: { case: testCase.id, implementation: add.id, tester: testAdd.id, passed: true, result: "3" },
      })
    ).createTestResult;
    expect(result).toMatchObject({ passed: true, case: { id: testCase.id, name: "adds" }, implementation: { id: add.id }, tester: { id: testAdd.id } });
    expect(Number.isNaN(Date.parse(result.createdAt))).toBe(false);

    const read = await s.gql<{ testResult: { id: string; passed: boolean } }>(T1, `query ($id: ID!) { testResult(id: $id) { id passed } }`, { id: result.id });
    expect(read.testResult).toEqual({ id: result.id, passed: true });
    const failed = (await s.gql<{ createTestResult: { id: string } }>(T1, CREATE_RESULT, { input: { case: testCase.id, implementation: add.id, tester: testAdd.id, passed: false } })).createTestResult;
    const ofCase = await s.gql<{ testCase: { results: Array<{ id: string; passed: boolean }> } }>(T1, `query ($id: ID!) { testCase(id: $id) { results { id passed } } }`, { id: testCase.id });
    expect(ofCase.testCase.results).toEqual([
      { id: result.id, passed: true },
      { id: failed.id, passed: false },
    ]);

    await s.gql(T1, `mutation ($id: ID!) { deleteImplementation(input: { implementation: $id }) }`, { id: add.id });
    expect((await s.gql<{ testResults: unknown[] }>(T1, `{ testResults { id } }`)).testResults).toEqual([]);
    expect(await s.gqlErrors(T1, `query ($id: ID!) { testResult(id: $id) { id } }`, { id: result.id })).toEqual([`TestResult ${result.id} not found in organisation "lab"`]);
  });

  it("issue 15: isTestFor names the tested actions by hash or key; Action.isTestFor and Action.tests resolve it whichever registered first", async () => {
    const s = server();
    // the tests register before the actions they test
    const first = await setupAgent(s, T1, [tester("test_ping", ["ping"]), tester("test_add_by_hash", [])]);
    const { add, ping } = await labWithTests(s);
    await setupAgent(s, T1, [ADD, PING, tester("test_add", []), tester("test_ping", ["ping"]), tester("test_add_by_hash", [add.actionHash])]);
    const q = `query ($id: ID!) { action(id: $id) { key isTestFor { key } tests { key } } }`;
    const testPing = await s.gql<{ action: { isTestFor: Array<{ key: string }>; tests: unknown[] } }>(T1, q, { id: first.impl.test_ping!.actionId });
    expect(testPing.action).toEqual({ key: "test_ping", isTestFor: [{ key: "ping" }], tests: [] });
    const pingTests = await s.gql<{ action: { tests: Array<{ key: string }> } }>(T1, q, { id: ping.actionId });
    expect(pingTests.action.tests).toEqual([{ key: "test_ping" }]);
    const addTests = await s.gql<{ action: { tests: Array<{ key: string }> } }>(T1, q, { id: add.actionId });
    expect(addTests.action.tests).toEqual([{ key: "test_add_by_hash" }]);
    const filtered = await s.gql<{ action: { tests: unknown[] } }>(T1, `query ($id: ID!) { action(id: $id) { tests(filters: { name: { exact: "nope" } }) { key } } }`, { id: add.actionId });
    expect(filtered.action.tests).toEqual([]);
  });

  it("issue 15: testCases and testResults filter by ids and name lookups (a result matches by its case's name) and page", async () => {
    const s = server();
    const { add, ping, testAdd } = await labWithTests(s);
    const a = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId, name: "Adds numbers" } })).createTestCase;
    const b = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: ping.actionId, tester: testAdd.actionId, name: "Pings" } })).createTestCase;
    await s.gql(T1, CREATE_RESULT, { input: { case: a.id, implementation: add.id, tester: testAdd.id, passed: true } });
    const ids = async (query: string, variables?: Record<string, unknown>) =>
      Object.values(await s.gql<Record<string, Array<{ id: string }>>>(T1, query, variables))[0]!.map((r) => r.id);
    expect(await ids(`{ testCases(filters: { name: { iContains: "add" } }) { id } }`)).toEqual([a.id]);
    expect(await ids(`query ($ids: [ID!]) { testCases(filters: { ids: $ids }) { id } }`, { ids: [b.id] })).toEqual([b.id]);
    expect(await ids(`{ testCases(pagination: { offset: 1, limit: 1 }) { id } }`)).toEqual([b.id]);
    expect(await ids(`{ testCases(filters: { name: { startsWith: "Adds" }, OR: { name: { exact: "Pings" } } }) { id } }`)).toEqual([a.id, b.id]);
    expect(await ids(`{ testResults(filters: { name: { iContains: "adds" } }) { id } }`)).toHaveLength(1);
    expect(await ids(`{ testResults(filters: { name: { exact: "Pings" } }) { id } }`)).toEqual([]);
  });

  it("issue 15: another organisation never sees the lab's test cases and results, and cannot attach to the lab's actions", async () => {
    const s = server();
    const { add, testAdd } = await labWithTests(s);
    const testCase = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId } })).createTestCase;
    const result = (await s.gql<{ createTestResult: { id: string } }>(T1, CREATE_RESULT, { input: { case: testCase.id, implementation: add.id, tester: testAdd.id, passed: true } })).createTestResult;

    expect(await s.gql(T3, `{ testCases { id } testResults { id } }`)).toEqual({ testCases: [], testResults: [] });
    expect(await s.gqlErrors(T3, `query ($id: ID!) { testCase(id: $id) { id } }`, { id: testCase.id })).toEqual([`TestCase ${testCase.id} not found in organisation "elsewhere"`]);
    expect(await s.gqlErrors(T3, `query ($id: ID!) { testResult(id: $id) { id } }`, { id: result.id })).toEqual([`TestResult ${result.id} not found in organisation "elsewhere"`]);

    const theirs = await setupAgent(s, T3, [ADD, tester("test_add", [])]);
    expect(await s.gqlErrors(T3, CREATE_CASE, { input: { action: add.actionId, tester: theirs.impl.test_add!.actionId } })).toEqual([
      `input.action: Action ${add.actionId} not found in organisation "elsewhere"; pass the id of an action of your organisation`,
    ]);
    const own = (await s.gql<{ createTestCase: TestCase }>(T3, CREATE_CASE, { input: { action: theirs.impl.add!.actionId, tester: theirs.impl.test_add!.actionId } })).createTestCase;
    expect(await s.gqlErrors(T3, CREATE_RESULT, { input: { case: own.id, implementation: add.id, tester: theirs.impl.test_add!.id, passed: true } })).toEqual([
      `input.implementation: Implementation ${add.id} not found in organisation "elsewhere"; pass the id of an implementation of your organisation`,
    ]);
    expect(await s.gqlErrors(T3, CREATE_RESULT, { input: { case: testCase.id, implementation: theirs.impl.add!.id, tester: theirs.impl.test_add!.id, passed: true } })).toEqual([
      `TestCase ${testCase.id} not found in organisation "elsewhere"`,
    ]);
    expect((await s.gql<{ testCases: Array<{ id: string }> }>(T1, `{ testCases { id } }`)).testCases).toEqual([{ id: testCase.id }]);
  });

  it("issue 15: bad test input is refused naming the field: an empty name, an implementation of another action, a tester of another action", async () => {
    const s = server();
    const { add, ping, testAdd } = await labWithTests(s);
    expect(await s.gqlErrors(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId, name: "  " } })).toEqual([
      "input.name: must not be empty; omit it to name the case after its tester action",
    ]);
    expect(await s.gqlErrors(T1, CREATE_CASE, { input: { action: "x1", tester: testAdd.actionId } })).toEqual([
      `input.action: Action x1 not found in organisation "lab"; pass the id of an action of your organisation`,
    ]);
    const testCase = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId } })).createTestCase;
    const [wrongImpl] = await s.gqlErrors(T1, CREATE_RESULT, { input: { case: testCase.id, implementation: ping.id, tester: testAdd.id, passed: true } });
    expect(wrongImpl).toBe(
      `input.implementation: implementation ${ping.id} implements action ${ping.actionId}, not the action under test of test case ${testCase.id} (action ${add.actionId}); pass an implementation of action ${add.actionId}`,
    );
    const [wrongTester] = await s.gqlErrors(T1, CREATE_RESULT, { input: { case: testCase.id, implementation: add.id, tester: add.id, passed: true } });
    expect(wrongTester).toMatch(/^input\.tester: implementation \d+ implements action \d+, not the tester action of test case/);
    expect((await s.gql<{ testResults: unknown[] }>(T1, `{ testResults { id } }`)).testResults).toEqual([]);
  });
});

describe("issue 15: testing area input limits", () => {
  const server = useTestServer({ maxFrameBytes: 64 * 1024 });

  it("issue 15: a test result over maxFrameBytes is refused naming the input and the limit", async () => {
    const s = server();
    const { add, testAdd } = await labWithTests(s);
    const testCase = (await s.gql<{ createTestCase: TestCase }>(T1, CREATE_CASE, { input: { action: add.actionId, tester: testAdd.actionId } })).createTestCase;
    const [tooBig] = await s.gqlErrors(T1, CREATE_RESULT, { input: { case: testCase.id, implementation: add.id, tester: testAdd.id, passed: true, result: "x".repeat(100_000) } });
    expect(tooBig).toMatch(/^createTestResult input is \d+ bytes of JSON, more than the server's maxFrameBytes \(65536\): make it smaller or raise the limit$/);
    expect((await s.gql<{ testResults: unknown[] }>(T1, `{ testResults { id } }`)).testResults).toEqual([]);
  });
});
