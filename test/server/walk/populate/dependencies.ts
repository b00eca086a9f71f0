/**
 * Walk population of the dependencies area: rows of every table (dependency, resolution,
 * resolved_dependency, task_dependency) for one organisation, through GraphQL only. The
 * organisation's agent gets one more implementation ("<org>-pipeline") whose dependency "seg" calls
 * the agent's own "ping"; a resolution binds it, and a task is assigned with that resolution.
 */
import type { WalkOrg } from "./types.js";

export async function populate(org: WalkOrg): Promise<void> {
  const iface = `${org.org}-pipeline`;
  const created = await org.gql<{ createImplementation: { id: string } }>(
    `mutation ($input: CreateImplementationInput!) { createImplementation(input: $input) { id } }`,
    {
      input: {
        implementation: {
          interface: iface,
          definition: { key: iface, version: "1", name: `${org.org} pipeline`, kind: "FUNCTION", collections: [], args: [], returns: [] },
          dependencies: [
            {
              key: "seg",
              description: `${org.org}: segments through ping`,
              optional: false,
              autoResolvable: true,
              minViableInstances: 1,
              maxViableInstances: 1,
              actionDependencies: [{ key: "run", description: `${org.org}: the ping slot`, demand: { key: "ping" } }],
              stateDependencies: [{ key: "status", description: `${org.org}: a state slot`, demand: { key: "status" } }],
            },
          ],
        },
      },
    },
  );
  const implementation = created.createImplementation.id;
  const resolution = await org.gql<{ createResolution: { id: string } }>(
    `mutation ($input: CreateResolutionInput!) { createResolution(input: $input) { id } }`,
    {
      input: {
        key: `${org.org}-manual`,
        implementation,
        name: `${org.org}: seg on own agent`,
        resolvedDependencies: [{ key: "seg", mappedAgents: [{ key: `${org.org}-main`, agent: org.agent.id }] }],
      },
    },
  );
  await org.gql(`mutation ($implementation: ID!) { autoResolve(input: { implementation: $implementation }) { id } }`, { implementation });
  await org.gql(`mutation ($input: AssignInput!) { assign(input: $input) { id } }`, {
    input: { resolution: resolution.createResolution.id, args: {}, reference: `${org.org}-with-resolution` },
  });
}
