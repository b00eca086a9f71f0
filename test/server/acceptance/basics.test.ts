/**
 * Server basics (issue 5, wire-protocol.md "Our decisions"): `GET /ht` and `GET /schema` are public,
 * everything else needs a token (GraphQL over HTTP and both WebSocket subprotocols), and the server
 * binds 127.0.0.1 unless told otherwise.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { openLegacyWsClient, openTransportWsClient } from "../helpers/subscriptions.js";
import { useTestServer } from "../helpers/server.js";
import { TOKENS, T1 } from "../helpers/tokens.js";

/** A request without a valid token is refused: HTTP 401, or a GraphQL error and no data. */
function expectRefused(result: { status: number; data?: unknown; errors?: unknown[] }): void {
  if (result.status === 401) return;
  expect(result.errors?.length ?? 0, `HTTP ${result.status}: ${JSON.stringify(result)}`).toBeGreaterThan(0);
  expect(result.data ?? null).toBeNull();
}

describe("server basics", () => {
  const server = useTestServer();

  it("answers GET /ht with 200 without a token", async () => {
    const response = await fetch(`${server().url}/ht`);
    expect(response.status).toBe(200);
  });

  it("serves the printed SDL at GET /schema without a token, with the operations of platform-api.md", async () => {
    const response = await fetch(`${server().url}/schema`);
    expect(response.status).toBe(200);
    const sdl = await response.text();
    const schema = buildSchema(sdl);
    const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect(mutations).toEqual(expect.arrayContaining(["ensureAgent", "implementAgent", "assign", "cancel", "pause", "resume", "interrupt", "block", "unblock"]));
    const subscriptions = Object.keys(schema.getSubscriptionType()?.getFields() ?? {});
    expect(subscriptions).toEqual(expect.arrayContaining(["mytasks", "tasks", "agents"]));
  });

  it("refuses a GraphQL request without a token or with an unknown token", async () => {
    const s = server();
    expectRefused(await s.request(undefined, "query { agents { id } }"));
    expectRefused(await s.request("not-a-known-token", "query { agents { id } }"));
    expectRefused(await s.request(undefined, "mutation { ensureAgent(input: {name: \"x\"}) { id } }"));
    // the same query with a token works
    expect((await s.request(T1, "query { agents { id } }")).errors).toBeUndefined();
  });

  it("refuses a graphql-transport-ws connection whose connection_init carries no valid token", async () => {
    await expect(openTransportWsClient(server().graphqlWsUrl, "not-a-known-token")).rejects.toThrow();
  });

  it("refuses a legacy graphql-ws connection whose connection_init carries no valid token", async () => {
    await expect(openLegacyWsClient(server().graphqlWsUrl, "not-a-known-token")).rejects.toThrow();
  });

  it("reports URLs on 127.0.0.1 with the GraphQL, WebSocket and agent paths", () => {
    const s = server();
    expect(s.url).toBe(`http://127.0.0.1:${s.handle.port}`);
    expect(s.graphqlUrl).toBe(`http://127.0.0.1:${s.handle.port}/graphql`);
    expect(s.graphqlWsUrl).toBe(`ws://127.0.0.1:${s.handle.port}/graphql`);
    expect(s.agiUrl).toBe(`ws://127.0.0.1:${s.handle.port}/agi`);
  });
});

describe("server binding", () => {
  it("binds 127.0.0.1 by default, so other interfaces refuse connections", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-bind-"));
    const handle = await startServer({ dataDir, port: 0, tokens: TOKENS });
    try {
      expect(handle.url).toContain("127.0.0.1");
      expect((await fetch(`http://127.0.0.1:${handle.port}/ht`)).status).toBe(200);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === "IPv4" && !i.internal);
      if (external) {
        const outcome = await new Promise<string>((resolve) => {
          const socket = connect({ host: external.address, port: handle.port });
          socket.once("connect", () => {
            socket.destroy();
            resolve("connected");
          });
          socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
        });
        expect(outcome).toBe("ECONNREFUSED");
      }
    } finally {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("GraphQL limits", () => {
  const server = useTestServer({ maxGraphqlDepth: 8, maxGraphqlBytes: 8 * 1024 });

  it("refuses an operation nested deeper than the depth limit with an error that says so, and serves a shallow one", async () => {
    const s = server();
    const deep = `query Deep { tasks { ${"parent { ".repeat(12)}id${" }".repeat(12)} } }`;
    const result = await s.request(T1, deep);
    expect(result.errors?.map((e) => e.message).join(" ")).toMatch(/deep|depth/i);
    expect(result.data ?? null).toBeNull();
    expect((await s.request(T1, "query Shallow { tasks { parent { id } } }")).errors).toBeUndefined();
  });

  it("refuses a request body over the size limit and keeps serving", async () => {
    const s = server();
    const padding = "#".repeat(16 * 1024);
    const result = await s.request(T1, `query Big { agents { id } }\n${padding}`);
    expect(result.status === 413 || (result.errors?.length ?? 0) > 0, JSON.stringify(result).slice(0, 300)).toBe(true);
    expect(result.data ?? null).toBeNull();
    expect((await fetch(`${s.url}/ht`)).status).toBe(200);
  });
});
