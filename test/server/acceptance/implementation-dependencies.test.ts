/**
 * Issue 15 item 1: `Implementation.dependencies` is `[Dependency!]!`; it used to resolve to the raw
 * TEXT column (`'[]'`), so every query selecting it failed with "Expected Iterable".
 */
import { describe, expect, it } from "vitest";
import { ADD, PING, setupAgent } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1 } from "../helpers/tokens.js";

const QUERY = `query ($id: ID!) {
  implementation(id: $id) {
    interface
    dependencies { id key optional description autoResolvable appFilter versionFilter minViableInstances maxViableInstances singular actionDependencies { __typename } stateDependencies { __typename } implementation { id } }
  }
}`;

interface Dependency {
  id: string;
  key: string;
  optional: boolean;
  description: string | null;
  autoResolvable: boolean;
  appFilter: string | null;
  versionFilter: string | null;
  minViableInstances: number | null;
  maxViableInstances: number | null;
  singular: boolean;
  actionDependencies: unknown[];
  stateDependencies: unknown[];
  implementation: { id: string };
}

describe("issue 15: Implementation.dependencies", () => {
  const server = useTestServer();

  it("issue 15: selecting dependencies of an implementation without any gives an empty list, not a GraphQL error", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const data = await s.gql<{ implementation: { dependencies: Dependency[] } }>(T1, QUERY, { id: fixture.impl.add!.id });
    expect(data.implementation.dependencies).toEqual([]);
  });

  it("issue 15: the dependencies an agent declared come back as Dependency objects of that implementation", async () => {
    const s = server();
    const declared = {
      ...PING,
      dependencies: [{ key: "segmenter", app: "lab-tools", version: "1.2.0", optional: true, description: "segments images", autoResolvable: true, maxViableInstances: 1 }],
    };
    const fixture = await setupAgent(s, T1, [declared]);
    const id = fixture.impl.ping!.id;
    const data = await s.gql<{ implementation: { dependencies: Dependency[] } }>(T1, QUERY, { id });
    expect(data.implementation.dependencies).toEqual([
      {
        // a row of the dependencies area (issue 15): a decimal id of its own
        id: expect.stringMatching(/^\d+$/),
        key: "segmenter",
        optional: true,
        description: "segments images",
        autoResolvable: true,
        appFilter: "lab-tools",
        versionFilter: "1.2.0",
        minViableInstances: null,
        maxViableInstances: 1,
        singular: true,
        actionDependencies: [],
        stateDependencies: [],
        implementation: { id },
      },
    ]);
  });
});
