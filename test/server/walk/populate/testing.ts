/**
 * Walk population of the testing area: a tester definition declaring itself a test for the
 * fixture's `add` (action_test_target), registered through `createImplementation`, then a test
 * case for `add` and one result of it.
 */
import type { WalkOrg } from "./types.js";

export async function populate(org: WalkOrg): Promise<void> {
  const add = org.agent.impl.add;
  if (!add) throw new Error(`the walk agent of ${org.org} has no "add" implementation`);
  const { createImplementation: tester } = await org.gql<{ createImplementation: { id: string; action: { id: string } } }>(
    `mutation ($input: CreateImplementationInput!) { createImplementation(input: $input) { id action { id } } }`,
    {
      input: {
        implementation: {
          interface: `testing_${org.org}_checks_add`,
          definition: {
            key: `testing_${org.org}_checks_add`,
            version: "1",
            name: `Checks add of ${org.org}`,
            kind: "FUNCTION",
            description: `testing walk row of ${org.org}`,
            collections: [],
            args: [],
            returns: [{ key: "return0", kind: "BOOL", nullable: false }],
            isTestFor: [{ hash: add.actionHash }],
          },
        },
      },
    },
  );
  const { createTestCase } = await org.gql<{ createTestCase: { id: string } }>(
    `mutation ($input: CreateTestCaseInput!) { createTestCase(input: $input) { id } }`,
    { input: { action: add.actionId, tester: tester.action.id, name: `${org.org} checks add`, description: `testing walk case of ${org.org}` } },
  );
  await org.gql(`mutation ($input: CreateTestResultInput!) { createTestResult(input: $input) { id } }`, {
    input: { case: createTestCase.id, implementation: add.id, tester: tester.id, passed: true, result: `${org.org} ok` },
  });
}
