/**
 * The dev identity's app (issue 12, "App identity"): `startServer({devApp})` makes the dev token's
 * `client_app`/`client_release` the app's identifier and version, so the actions its agent
 * registers are `<identifier>/<key>`; `dev-token.json` names the app; a bad devApp is refused.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { ADD, setupAgent, type GraphQLTarget } from "../helpers/fixture.js";
import { graphqlData, graphqlRequest } from "../helpers/graphql.js";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "arkitekt-dev-app-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function target(handle: ServerHandle): GraphQLTarget {
  return {
    gql: (token, query, variables) => graphqlData(handle.graphqlUrl, token, query, variables),
    gqlErrors: async (token, query, variables) => (await graphqlRequest(handle.graphqlUrl, token ?? undefined, query, variables)).errors?.map((e) => e.message) ?? [],
  };
}

describe("the dev identity's app", () => {
  it("issue 12: devApp names the app of the dev identity's actions, in dev-token.json and on the handle", async () => {
    // an older server's token file: no app; its token is kept, the app is the one this start names
    await writeFile(join(dir, "dev-token.json"), JSON.stringify({ url: "http://127.0.0.1:9", token: "dev-old" }));
    const handle = await startServer({ dataDir: dir, port: 0, devApp: { identifier: "com.example.lab", version: "1.2.0" } });
    try {
      expect(handle.devToken).toBe("dev-old");
      expect(handle.devApp).toEqual({ identifier: "com.example.lab", version: "1.2.0" });
      expect(JSON.parse(await readFile(join(dir, "dev-token.json"), "utf8"))).toEqual({
        url: handle.url,
        token: "dev-old",
        app: { identifier: "com.example.lab", version: "1.2.0" },
        // the media store's S3 endpoint (issue 14)
        s3: { endpoint: handle.url, region: "us-east-1", bucket: "media" },
      });
      const fixture = await setupAgent(target(handle), "dev-old", [ADD]);
      const data = await graphqlData<{ action: { key: string; app: { identifier: string } } }>(
        handle.graphqlUrl,
        "dev-old",
        "query ($id: ID!) { action(id: $id) { key app { identifier } } }",
        { id: fixture.impl.add!.actionId },
      );
      expect(data.action).toEqual({ key: "add", app: { identifier: "com.example.lab" } });
    } finally {
      await handle.close();
    }
  });

  it("issue 12 review: a changed identifier or version reaches an existing agent, whose definitions then must be implemented again", async () => {
    const ENSURE = "mutation ($input: AgentInput!) { ensureAgent(input: $input) { id hash app { identifier } release { version } } }";
    type Ensured = { ensureAgent: { id: string; hash: string | null; app: { identifier: string }; release: { version: string } } };
    const first = await startServer({ dataDir: dir, port: 0, devApp: { identifier: "structapp", version: "0.1.0" } });
    let agentId: string;
    try {
      const fixture = await setupAgent(target(first), first.devToken!, [ADD]);
      agentId = fixture.agentId;
      const again = await graphqlData<Ensured>(first.graphqlUrl, first.devToken!, ENSURE, { input: { name: "acceptance agent" } });
      expect(again.ensureAgent).toMatchObject({ id: agentId, app: { identifier: "structapp" }, release: { version: "0.1.0" } });
      expect(again.ensureAgent.hash).not.toBe("");
    } finally {
      await first.close();
    }
    // arkitekt.json now says structapp2 0.1.1; the data dir (and so the token and agent) stay
    const second = await startServer({ dataDir: dir, port: 0, devApp: { identifier: "structapp2", version: "0.1.1" } });
    try {
      const moved = await graphqlData<Ensured>(second.graphqlUrl, second.devToken!, ENSURE, { input: { name: "acceptance agent" } });
      expect(moved.ensureAgent).toEqual({ id: agentId, hash: "", app: { identifier: "structapp2" }, release: { version: "0.1.1" } });
      const fixture = await setupAgent(target(second), second.devToken!, [ADD]);
      const data = await graphqlData<{ action: { app: { identifier: string } } }>(second.graphqlUrl, second.devToken!, "query ($id: ID!) { action(id: $id) { app { identifier } } }", {
        id: fixture.impl.add!.actionId,
      });
      expect(data.action.app.identifier).toBe("structapp2");
    } finally {
      await second.close();
    }
  });

  it("issue 12: without devApp the dev identity's app stays arkitekt-next-dev 0.1.0", async () => {
    const handle = await startServer({ dataDir: dir, port: 0 });
    try {
      expect(handle.devApp).toEqual({ identifier: "arkitekt-next-dev", version: "0.1.0" });
    } finally {
      await handle.close();
    }
  });

  it("issue 12: a devApp without an identifier is refused, naming the field", async () => {
    await expect(startServer({ dataDir: dir, port: 0, devApp: { identifier: "", version: "1" } })).rejects.toThrow(/devApp\.identifier must be a non-empty string/);
  });
});
