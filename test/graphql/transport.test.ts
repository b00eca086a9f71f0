import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agent,
  agentsQuery,
  assign,
  brokenTicks,
  ensureAgent,
  failing,
  overview,
  slow,
  ticks,
} from "../fixtures/graphql/small/generated/client.js";
import {
  createGraphQLClient,
  GraphQLRequestError,
  GraphQLTransportError,
  type GraphQLClient,
} from "../../src/runtime/transport/index.js";
import { closedPort, startFixtureServer, TOKEN, type FixtureServer } from "./helpers.js";

let server: FixtureServer;
let client: GraphQLClient;

beforeAll(async () => {
  server = await startFixtureServer();
  client = createGraphQLClient({ url: server.url, token: TOKEN, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("generated functions over HTTP (graphql-yoga)", () => {
  it("sends the bearer token and returns the unwrapped mutation result", async () => {
    const created = await ensureAgent(client, { input: { name: "worker", tags: ["gpu"] } });
    expect(created).toEqual({ id: "1", name: "worker", kind: "WEBSOCKET", lastSeen: "2026-01-01T00:00:00Z" });
    expect(server.authorizations.at(-1)).toBe(`Bearer ${TOKEN}`);
    const again = await agent(client, { id: created.id });
    expect(again.tags).toEqual(["gpu"]);
    expect(await agentsQuery(client)).toHaveLength(1);
  });

  it("returns the whole data when an operation selects two root fields", async () => {
    expect(await overview(client)).toEqual({ whoami: TOKEN, agents: [{ id: "1" }] });
  });

  it("carries custom scalars as JSON (ActionHash in, Args round trip)", async () => {
    const task = await assign(client, { hash: "abc123", args: { a: 1, nested: { list: [1, "x", null] } } });
    expect(task.hash).toBe("abc123");
    expect(task.args).toEqual({ a: 1, nested: { list: [1, "x", null] } });
  });

  it("throws GraphQLRequestError with operation name, message, path and extensions", async () => {
    const error = await failing(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    const requestError = error as GraphQLRequestError;
    expect(requestError.operationName).toBe("Failing");
    expect(requestError.message).toBe("Failing at failing: this always fails");
    expect(requestError.remoteMessage).toBe("this always fails");
    expect(requestError.path).toEqual(["failing"]);
    expect(requestError.extensions).toMatchObject({ code: "BROKEN", detail: 42 });
  });

  it("reports a missing token as the server's error, not as a crash", async () => {
    const anonymous = createGraphQLClient({ url: server.url });
    const error = await agent(anonymous, { id: "1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).extensions).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(server.authorizations.at(-1)).toBeNull();
  });

  it("aborts a request in flight with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = slow(client, { ms: 2000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 50);
    const started = Date.now();
    await expect(pending).rejects.toThrow("user gave up");
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("names the operation and the URL when the server is unreachable", async () => {
    const port = await closedPort();
    const dead = createGraphQLClient({ url: `http://127.0.0.1:${port}/graphql`, token: TOKEN });
    const error = await overview(dead).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLTransportError);
    expect((error as Error).message).toBe(`Overview: could not reach http://127.0.0.1:${port}/graphql: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe("issue 18: the HTTP requests' client in node", () => {
  it("issue 18: in node requests go through undici's request, not the global fetch (a fifth of its CPU per request)", async () => {
    const globalFetch = globalThis.fetch;
    let fetched = 0;
    globalThis.fetch = (() => {
      fetched++;
      throw new Error("the global fetch was used");
    }) as typeof fetch;
    try {
      const fresh = createGraphQLClient({ url: server.url, token: TOKEN });
      expect(await overview(fresh)).toEqual({ whoami: TOKEN, agents: expect.any(Array) });
      await fresh.close();
    } finally {
      globalThis.fetch = globalFetch;
    }
    expect(fetched).toBe(0);
  });

  it("issue 18: a fetch given in the options is used for every request", async () => {
    const seen: string[] = [];
    const given: typeof fetch = (input, init) => {
      seen.push(String(init?.method));
      return globalThis.fetch(input, init);
    };
    const custom = createGraphQLClient({ url: server.url, token: TOKEN, fetch: given });
    expect(await overview(custom)).toEqual({ whoami: TOKEN, agents: expect.any(Array) });
    await custom.close();
    expect(seen).toEqual(["POST"]);
  });

  it("issue 18: an HTTP error status with a JSON body names the status", async () => {
    const proxy = createServer((_request, response) => {
      response.writeHead(502, { "content-type": "application/json" });
      response.end("{}");
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const { port } = proxy.address() as AddressInfo;
    try {
      const behind = createGraphQLClient({ url: `http://127.0.0.1:${port}/graphql`, token: TOKEN });
      const error = await overview(behind).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphQLTransportError);
      expect((error as Error).message).toBe(`Overview: HTTP 502 from http://127.0.0.1:${port}/graphql`);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe("generated subscriptions over graphql-ws", () => {
  it("yields every unwrapped payload and ends when the server completes", async () => {
    const seen: number[] = [];
    for await (const tick of ticks(client, { count: 3, intervalMs: 1 })) seen.push(tick.index);
    expect(seen).toEqual([0, 1, 2]);
  });

  it("closes the server-side subscription when the loop breaks", async () => {
    const before = server.finished.length;
    const seen: number[] = [];
    for await (const tick of ticks(client, { count: 1000, intervalMs: 5 })) {
      seen.push(tick.index);
      if (tick.index === 2) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    await waitFor(() => server.finished.length > before, "the server generator's finally");
  });

  it("ends the loop cleanly and closes the server side when the signal aborts mid-stream", async () => {
    const before = server.finished.length;
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const tick of ticks(client, { count: 1000, intervalMs: 5 }, { signal: controller.signal })) {
      seen.push(tick.index);
      if (tick.index === 3) controller.abort();
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    await waitFor(() => server.finished.length > before, "the server generator's finally");
  });

  it("does not start when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const before = server.started.length;
    const iterator = ticks(client, { count: 3 }, { signal: controller.signal });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(server.started.length).toBe(before);
  });

  it("throws GraphQLRequestError after the payloads that arrived before a failure", async () => {
    const seen: number[] = [];
    const error = await (async () => {
      for await (const tick of brokenTicks(client)) seen.push(tick.index);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0]);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).message).toBe("BrokenTicks: the tick source broke");
  });

  it("sends the token in connection_init and fails fast when the server refuses it", async () => {
    const wrong = createGraphQLClient({ url: server.url, token: "wrong" });
    const error = await ticks(wrong, { count: 1 }).next().catch((e: unknown) => e);
    await wrong.close();
    expect(error).toBeInstanceOf(GraphQLTransportError);
    expect((error as GraphQLTransportError).status).toBe(4403);
    expect((error as Error).message).toMatch(/^Ticks: subscription socket ws:\/\/127\.0\.0\.1:\d+\/graphql closed: 4403 Forbidden/);
  });

  it("reconnects after the socket drops, resubscribes and reports the reconnect", async () => {
    const connects: boolean[] = [];
    const local = createGraphQLClient({
      url: server.url,
      token: TOKEN,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      onConnected: ({ reconnected }) => connects.push(reconnected),
    });
    const before = server.started.length;
    const iterator = ticks(local, { count: 1000, intervalMs: 20 });
    const first = await iterator.next();
    expect(first.done).toBe(false);
    server.dropSockets();
    // the subscription starts again on the new socket and keeps yielding
    await waitFor(() => server.started.length >= before + 2, "a second subscription after the reconnect");
    const after = await iterator.next();
    expect(after.done).toBe(false);
    expect(connects).toEqual([false, true]);
    await iterator.return?.();
    await local.close();
  });

  it("ends open subscriptions when the client closes", async () => {
    const local = createGraphQLClient({ url: server.url, token: TOKEN });
    const iterator = ticks(local, { count: 1000, intervalMs: 5 });
    expect((await iterator.next()).done).toBe(false);
    const pending = iterator.next().then(() => iterator.next());
    await local.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it("closes without error while the subscription socket is still connecting", async () => {
    const local = createGraphQLClient({ url: server.url, token: TOKEN });
    const iterator = ticks(local, { count: 1000, intervalMs: 5 });
    const first = iterator.next();
    await iterator.return?.();
    await expect(local.close()).resolves.toBeUndefined();
    expect(await first).toEqual({ value: undefined, done: true });
  });
});
