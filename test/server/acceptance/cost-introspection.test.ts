/**
 * Review of issue 15's run-time cost count (src/server/graphql/cost.ts): introspection (__schema,
 * __type) runs graphql-js' own resolvers; before they were charged, a 4,810-byte document of aliased
 * __schema selections answered 22.7 MB whatever maxQueryCost said. A tool's full introspection query
 * still fits the default limit.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { graphqlRequest } from "../helpers/graphql.js";
import { TEST_TIMING } from "../helpers/server.js";
import { T1, TOKENS } from "../helpers/tokens.js";

let handle: ServerHandle;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "arkitekt-review-cost-"));
  handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir, maxQueryCost: 1000 });
});
afterAll(async () => {
  await handle?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("issue 15 review: introspection is charged against maxQueryCost", () => {
  it("issue 15 review: a single __schema { types { fields { args ... } } } over the limit is refused", async () => {
    const response = await graphqlRequest<unknown>(handle.graphqlUrl, T1, "{ __schema { types { name fields { name args { name } } } } }");
    const size = JSON.stringify(response.data ?? null).length;
    // the answer holds thousands of values; with maxQueryCost 1000 it must be refused like any other list
    expect(response.errors?.[0]?.extensions?.code, `answered ${size} bytes of data`).toBe("QUERY_TOO_COSTLY");
  });

  it("issue 15 review: aliased __schema selections through one fragment cannot multiply the answer past the limit", async () => {
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: __schema { ...S }`).join(" ");
    const query = `fragment S on __Schema { types { name kind fields { name type { name kind ofType { name kind } } args { name } } } } { ${aliases} }`;
    const response = await graphqlRequest<unknown>(handle.graphqlUrl, T1, query);
    const size = JSON.stringify(response.data ?? null).length;
    expect(response.errors?.[0]?.extensions?.code, `answered ${(size / 1e6).toFixed(1)} MB of data for a ${query.length}-byte document`).toBe("QUERY_TOO_COSTLY");
  });
});

describe("issue 15 review: introspection at the default limits", () => {
  it("issue 15 review: a tool's full introspection query (graphql-js getIntrospectionQuery, with descriptions) fits the default maxQueryCost", async () => {
    const dir = await mkdtemp(join(tmpdir(), "arkitekt-review-cost-"));
    const server = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir: dir });
    try {
      const response = await graphqlRequest<{ __schema: { types: unknown[] } }>(server.graphqlUrl, T1, graphql.getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
      expect(response.errors).toBeUndefined();
      expect(response.data!.__schema.types.length).toBeGreaterThan(100);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
