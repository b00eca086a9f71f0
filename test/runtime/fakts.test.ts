/**
 * Issue 17, client side: connect() and createClient() log in to a deployment with fakts. The
 * deployment is a FAKE (test/fixtures/fakts/fake-deployment.ts: fakts and OAuth2 only, nothing
 * auto-approved) whose rekuest instance is a real embedded server, so nothing here leans on our
 * server's shortcuts.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { FaktsError, faktsLogin, type FaktsOptions } from "../../src/runtime/fakts.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";
import { registry } from "../fixtures/runtime/registry.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { fakeTokens, startFakeDeployment, type FakeDeployment, type FakeDeploymentOptions } from "../fixtures/fakts/fake-deployment.js";

const AGENT_APP = { identifier: "fakts-agent", version: "1.0.0" };
const CALLER_APP = { identifier: "fakts-caller", version: "1.0.0" };

let server: RuntimeServer;
let cacheDir: string;
const open: Array<{ close(): Promise<void> }> = [];
const fakes: FakeDeployment[] = [];

beforeAll(async () => {
  server = await startRuntimeServer({ tokens: fakeTokens([AGENT_APP.identifier, CALLER_APP.identifier]) as never });
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close().catch(() => undefined);
  for (const fake of fakes.splice(0)) await fake.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});
afterAll(async () => {
  await server?.close();
});

async function fake(options: Partial<FakeDeploymentOptions> = {}): Promise<FakeDeployment> {
  const started = await startFakeDeployment({ rekuestUrl: server.url, ...options });
  fakes.push(started);
  cacheDir = await mkdtemp(join(tmpdir(), "arkitekt-fakts-"));
  return started;
}

function login(extra: Partial<FaktsOptions> = {}): Omit<FaktsOptions, "url" | "app"> {
  return { cacheDir, headless: true, pollIntervalMs: 20, env: {}, onApprovalUrl: () => undefined, ...extra };
}

async function serveAndCall(url: string, extra: Partial<FaktsOptions> = {}): Promise<{ agent: AgentHandle; client: ArkitektClient; result: unknown }> {
  const agent = await connect({ url, registry, app: AGENT_APP, fakts: login(extra), devTokenFile: false, reconnect: { initialDelayMs: 50 } });
  open.push(agent);
  const client = createClient({ url, app: CALLER_APP, fakts: login(extra), devTokenFile: false });
  open.push(client);
  const result = await client.call(agent.implementations.add!.actionHash, { a: 40 });
  return { agent, client, result };
}

describe("fakts login against a fake deployment", () => {
  it("issue 17: a bare URL goes through device-code approval, claim and token to serve and call", async () => {
    const deployment = await fake();
    const urls: string[] = [];
    const { result } = await serveAndCall(deployment.url, { onApprovalUrl: (url) => urls.push(url) });
    expect(result).toEqual({ return0: 42 });
    // one approval per app, printed as the deployment's configure page
    expect(urls).toEqual([`${deployment.url}/f/configure/code-1`, `${deployment.url}/f/configure/code-2`]);
    const manifest = deployment.manifests[0]!;
    expect(manifest).toMatchObject({ identifier: "fakts-agent", version: "1.0.0", scopes: ["openid"] });
    expect(manifest.requirements).toEqual([
      expect.objectContaining({ key: "rekuest", service: "live.arkitekt.rekuest", optional: false }),
      expect.objectContaining({ key: "s3", service: "live.arkitekt.s3", optional: true }),
    ]);
    expect(manifest.node_id).toMatch(/^[0-9a-f]{32}$/);
    expect(deployment.manifests[1]!.node_id).toBe(manifest.node_id);
    expect(deployment.count("/f/claim/")).toBe(2);
    expect(deployment.issued.length).toBeGreaterThanOrEqual(2);
  });

  it("issue 17: a deployment that approves at once is not announced (no approval URL printed, no browser opened)", async () => {
    const deployment = await fake({ approveAtOnce: true });
    const { result } = await serveAndCall(deployment.url, { onApprovalUrl: () => expect.fail("nothing to approve"), openBrowser: () => expect.fail("no browser") });
    expect(result).toEqual({ return0: 42 });
    expect(deployment.count("/f/start/")).toBe(2);
  });

  it("issue 17: a restart reuses the cached claim without a new approval; the cache is 0600 and holds no access token", async () => {
    const deployment = await fake();
    await serveAndCall(deployment.url);
    for (const item of open.splice(0).reverse()) await item.close();
    expect(deployment.count("/f/start/")).toBe(2);
    const file = join(cacheDir, ".arkitekt/fakts/fakts-agent-1.0.0.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // review: the claim holds the client secret, so its folder ignores itself in git
    expect(await readFile(join(dirname(file), ".gitignore"), "utf8")).toMatch(/^\*$/m);
    const text = await readFile(file, "utf8");
    expect(JSON.parse(text)).toMatchObject({ deployment: deployment.url.toLowerCase(), config: { auth: { client_id: expect.any(String) } } });
    for (const token of deployment.issued) expect(text).not.toContain(token);

    const { result } = await serveAndCall(deployment.url, { onApprovalUrl: () => expect.fail("no approval on a restart") });
    expect(result).toEqual({ return0: 42 });
    expect(deployment.count("/f/start/")).toBe(2);
    expect(deployment.count("/.well-known/fakts")).toBe(2);
  });

  it("issue 17: tokens that expire mid-run are replaced (no refresh token: the grant runs again)", async () => {
    const deployment = await fake({ expiresIn: 1 });
    const { agent, client } = await serveAndCall(deployment.url);
    const before = deployment.issued.length;
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await expect(client.call(agent.implementations.add!.actionHash, { a: 1, b: 1 })).resolves.toEqual({ return0: 2 });
    expect(deployment.issued.length).toBeGreaterThan(before);
    expect(agent.connected).toBe(true);
  });

  it("issue 17: a redeem token logs in without a browser or approval", async () => {
    const deployment = await fake({ redeemTokens: ["redeem-me"] });
    const { result } = await serveAndCall(deployment.url, { env: { ARKITEKT_REDEEM_TOKEN: "redeem-me" }, onApprovalUrl: () => expect.fail("no approval with a redeem token") });
    expect(result).toEqual({ return0: 42 });
    expect(deployment.count("/f/start/")).toBe(0);
    expect(deployment.count("/f/redeem/")).toBe(2);
    const wrong = await faktsLogin({ url: deployment.url, app: AGENT_APP, ...login({ redeemToken: "wrong", fresh: true }) }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(FaktsError);
    expect((wrong as FaktsError).problem).toBe("REFUSED");
    expect((wrong as FaktsError).message).toContain("Invalid redeem token");
  });

  it("issue 17: a denied and an expired device code give clear errors", async () => {
    const denied = await fake({ decide: () => "deny" });
    const error = (await faktsLogin({ url: denied.url, app: AGENT_APP, ...login() }).catch((e: unknown) => e)) as FaktsError;
    expect(error).toBeInstanceOf(FaktsError);
    expect(error.problem).toBe("DENIED");
    expect(error.message).toContain(`was denied on ${denied.url}/f/configure/code-1`);
    expect(error.hint).toMatch(/Approve/);
    const expired = await fake({ decide: () => "expire" });
    const late = (await faktsLogin({ url: expired.url, app: AGENT_APP, ...login() }).catch((e: unknown) => e)) as FaktsError;
    expect(late.problem).toBe("EXPIRED");
    expect(late.message).toContain("in time");
    expect(late.hint).toContain("--redeem-token");
  });

  it("issue 17: unreachable, not a fakts endpoint, rekuest not granted: each a clear error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = (await faktsLogin({ url: `http://127.0.0.1:${port}`, app: AGENT_APP, ...login({ cacheDir: false }) }).catch((e: unknown) => e)) as FaktsError;
    expect(unreachable.problem).toBe("UNREACHABLE");
    expect(unreachable.message).toContain("ECONNREFUSED");
    // our embedded server of this branch may or may not speak fakts: a plain http server does not
    const plain = createServer((_req, res) => res.writeHead(404).end("nope"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      const notFakts = (await faktsLogin({ url, app: AGENT_APP, ...login({ cacheDir: false }) }).catch((e: unknown) => e)) as FaktsError;
      expect(notFakts.problem).toBe("NOT_FAKTS");
      expect(notFakts.message).toContain(`${url}/.well-known/fakts answered HTTP 404`);
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
    const withoutRekuest = await fake({ omitRekuest: true });
    const notGranted = (await faktsLogin({ url: withoutRekuest.url, app: AGENT_APP, ...login() }).catch((e: unknown) => e)) as FaktsError;
    expect(notGranted.problem).toBe("NOT_GRANTED");
    expect(notGranted.message).toContain("did not grant the rekuest service (live.arkitekt.rekuest: denied)");
  });

  it("issue 17: invalid_client for a cached client runs the login once more", async () => {
    const deployment = await fake();
    const first = await faktsLogin({ url: deployment.url, app: AGENT_APP, ...login() });
    expect(first.cached).toBe(false);
    deployment.removed.add(first.config.auth.client_id);
    const second = await faktsLogin({ url: deployment.url, app: AGENT_APP, ...login() });
    expect(second.cached).toBe(false);
    expect(second.config.auth.client_id).not.toBe(first.config.auth.client_id);
    expect(deployment.count("/f/start/")).toBe(2);
    // and a later start uses the new cache
    const third = await faktsLogin({ url: deployment.url, app: AGENT_APP, ...login() });
    expect(third.cached).toBe(true);
  });

  it("issue 17: a refused token (HTTP 401/403) is replaced once by a token function", async () => {
    const seen: Array<string | undefined> = [];
    const api = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok = req.headers.authorization === "Bearer fresh";
      res.writeHead(ok ? 200 : 403, { "content-type": "application/json" }).end(JSON.stringify(ok ? { data: { x: 1 } } : { errors: [{ message: "forbidden" }] }));
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    try {
      const asked: Array<string | undefined> = [];
      const gql = createGraphQLClient({
        url: `http://127.0.0.1:${(api.address() as AddressInfo).port}/graphql`,
        token: (info) => {
          asked.push(info?.rejected);
          return info?.rejected ? "fresh" : "stale";
        },
      });
      await expect(gql.request({ document: "{ x }", operationName: "X" })).resolves.toEqual({ x: 1 });
      expect(seen).toEqual(["Bearer stale", "Bearer fresh"]);
      expect(asked).toEqual([undefined, "stale"]);
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });
});

describe("the agent socket and a token function", () => {
  it("issue 17: a REGISTER refused before INIT (3003) is tried once more with a new token ({rejected}), then stops", async () => {
    const { WebSocketServer } = await import("ws");
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    const registered: string[] = [];
    wss.on("connection", (ws) => {
      ws.on("message", (data) => {
        registered.push((JSON.parse(data.toString()) as { token: string }).token);
        ws.close(3003, "invalid token");
      });
    });
    const { AgentSocket } = await import("../../src/runtime/agent/index.js");
    const asked: Array<string | undefined> = [];
    const socket = new AgentSocket({
      agiUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/agi`,
      registry,
      token: (info) => {
        asked.push(info?.rejected);
        return info?.rejected ? "fresh" : "stale";
      },
      reconnect: { initialDelayMs: 10 },
    });
    try {
      const error = await socket.start().catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("ARKITEKT_AGENT_REFUSED");
      expect(registered).toEqual(["stale", "fresh"]);
      expect(asked).toEqual([undefined, "stale"]);
    } finally {
      await socket.close().catch(() => undefined);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });
});
