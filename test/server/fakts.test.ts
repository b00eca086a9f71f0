/**
 * Issue 17, the embedded platform's side: the fakts endpoints and OAuth2 client credentials, so the
 * released Python client (arkitect-next 1.4 with fakts-next 4.1) connects unchanged. Requests are
 * made exactly as fakts-next makes them (`grants/remote/*`, `fakts.py`: aiohttp JSON bodies,
 * oauthlib's form body plus HTTP Basic), against the real server with a dev identity.
 */
import { request as httpRequest } from "node:http";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServer, type ServerHandle, type ServerOptions } from "../../src/server/index.js";
import { AgentSocket } from "./helpers/agent-socket.js";
import { TEST_TIMING } from "./helpers/server.js";

let dir = "";
const handles: ServerHandle[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "arkitekt-fakts-"));
});
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: Partial<ServerOptions> = {}): Promise<ServerHandle> {
  const handle = await startServer({ host: "127.0.0.1", port: 0, ...TEST_TIMING, ...options, dataDir: dir });
  handles.push(handle);
  return handle;
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, any>;
}

/** One HTTP request with full control of the headers (`Host` included; nothing added but what node:http must). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> });
      });
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** aiohttp's `session.post(url, json=...)`. */
function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  return raw(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** `Manifest(...).model_dump()` of an arkitekt-next 1.4 app with rekuest-next 2.1 (requirements sorted by key). */
function pythonManifest(identifier = "python-app", version = "0.1.0"): Record<string, unknown> {
  return {
    version,
    identifier,
    scopes: ["openid"],
    logo: null,
    requirements: [
      { key: "rekuest", service: "live.arkitekt.rekuest", optional: false, description: "An instance of ArkitektNext Rekuest to assign to actions" },
      { key: "s3", service: "live.arkitekt.s3", optional: false, description: "An instance of ArkitektNext Rekuest to assign to actions" },
    ],
    node_id: "3f2a9c",
    public_sources: [],
    description: null,
  };
}

/** DeviceCodeDemander.arequest_code's body. */
const startBody = (manifest = pythonManifest(), expiration = 300) => ({ manifest, expiration_time_seconds: expiration, redirect_uris: [], requested_client_kind: "development" });

/** fakts.py `_afetch_token`: oauthlib's client-credentials body, the secret also as HTTP Basic. */
function tokenRequest(tokenUrl: string, auth: { client_id: string; client_secret: string; scopes: string[] }, how: "both" | "basic" | "form" = "both"): Promise<Raw> {
  const form = new URLSearchParams({ grant_type: "client_credentials", scope: auth.scopes.join(" ") });
  if (how !== "basic") {
    form.set("client_secret", auth.client_secret);
    form.set("client_id", auth.client_id);
  }
  const headers: Record<string, string> = { accept: "application/json", "content-type": "application/x-www-form-urlencoded;charset=UTF-8" };
  if (how !== "form") headers.authorization = `Basic ${Buffer.from(`${auth.client_id}:${auth.client_secret}`).toString("base64")}`;
  return raw(tokenUrl, { method: "POST", headers, body: form.toString() });
}

const AGENT_QUERY = "mutation ($input: AgentInput!) { ensureAgent(input: $input) { id app { identifier } release { version } user { sub } organization { slug } } }";

function graphql(handle: ServerHandle, token: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<Raw> {
  return postJson(handle.graphqlUrl, { query, variables }, token ? { authorization: `Bearer ${token}` } : {});
}

/** discover, start (auto-approved locally), challenge, claim: the config, as fakts-next gets it. */
async function claimConfig(handle: ServerHandle, manifest = pythonManifest()): Promise<Record<string, any>> {
  const wellKnown = (await raw(`${handle.url}/.well-known/fakts`, { headers: { "user-agent": "Fakts/0.1", accept: "application/json" } })).json();
  const started = (await postJson(`${wellKnown.base_url}start/`, startBody(manifest))).json();
  const granted = (await postJson(`${wellKnown.base_url}challenge/`, { code: started.code })).json();
  const claimed = (await postJson(`${wellKnown.base_url}claim/`, { token: granted.token, secure: false })).json();
  return claimed.config as Record<string, any>;
}

describe("issue 17: fakts on the embedded platform", () => {
  it("issue 17: the released Python client's sequence (discover, start, challenge, claim, token, then GraphQL and /agi) works with its exact JSON shapes", async () => {
    const handle = await start();
    const port = handle.port;
    // 1. discover (WellKnownDiscovery: `{url}/.well-known/fakts`)
    const wk = await raw(`${handle.url}/.well-known/fakts`, { headers: { "user-agent": "Fakts/0.1", accept: "application/json" } });
    expect(wk.status).toBe(200);
    expect(wk.json()).toEqual({
      name: "arkitekt-next dev platform",
      version: "1",
      protocol_version: "1",
      description: expect.any(String),
      claim: `${handle.url}/f/claim/`,
      base_url: `${handle.url}/f/`,
      frontend_url: `${handle.url}/`,
      configure_url: `${handle.url}/configure/`,
    });
    const base = wk.json().base_url as string;
    // 2. start: a local CLI (loopback, no Origin) is approved at once
    const started = await postJson(`${base}start/`, startBody());
    expect(started.status).toBe(200);
    expect(started.json()).toEqual({ status: "granted", code: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/) });
    // 3. challenge
    const challenged = (await postJson(`${base}challenge/`, { code: started.json().code })).json();
    expect(challenged).toEqual({ status: "granted", token: expect.any(String) });
    // 4. claim (ClaimEndpointClaimer: {token, secure})
    const claimed = await postJson(`${base}claim/`, { token: challenged.token, secure: false });
    const alias = (id: string, path: string | null) => ({ id, host: "127.0.0.1", port, ssl: false, path, challenge: "ht" });
    expect(claimed.json()).toEqual({
      status: "granted",
      config: {
        self: { deployment_name: "arkitekt-next dev platform", alias: alias("self", "lok") },
        auth: {
          client_token: challenged.token,
          client_id: expect.any(String),
          client_secret: expect.any(String),
          scopes: ["openid"],
          token_url: `${handle.url}/o/token/`,
          report_url: `${handle.url}/f/report/`,
        },
        instances: {
          rekuest: { service: "live.arkitekt.rekuest", identifier: "rekuest", aliases: [alias("rekuest", null)] },
          s3: { service: "live.arkitekt.s3", identifier: "s3", aliases: [alias("s3", null)] },
        },
        statuses: { rekuest: "granted", s3: "granted" },
      },
    });
    const config = claimed.json().config as Record<string, any>;
    // alias challenges (Alias.challenge_path) and the self alias' probe answer 200
    expect((await raw(`http://127.0.0.1:${port}/ht`, { headers: { accept: "application/json" } })).status).toBe(200);
    expect((await raw(`http://127.0.0.1:${port}/lok/ht`)).status).toBe(200);
    // the alias report (Fakts._areport_aliases)
    const reported = await postJson(config.auth.report_url, {
      token: config.auth.client_token,
      alias_reports: { rekuest: { alias_id: "rekuest", reason: null, valid: true }, s3: { alias_id: "s3", reason: null, valid: true } },
      functional: true,
    });
    expect(reported.json()).toEqual({ status: "reported", message: expect.any(String) });
    // 5. token: the requested scope echoed, no refresh token
    const token = await tokenRequest(config.auth.token_url, config.auth);
    expect(token.status).toBe(200);
    expect(token.headers["cache-control"]).toBe("no-store");
    expect(token.json()).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 3600, scope: "openid" });
    const accessToken = token.json().access_token as string;
    // 6. GraphQL at `{alias}/graphql`: the token is the dev user in the dev organisation, as the app of the manifest
    const graphqlUrl = `http://${config.instances.rekuest.aliases[0].host}:${config.instances.rekuest.aliases[0].port}/graphql`;
    const agent = await postJson(graphqlUrl, { query: AGENT_QUERY, variables: { input: { name: "python-app:0.1.0" } } }, { authorization: `Bearer ${accessToken}` });
    expect(agent.status).toBe(200);
    const ensured = agent.json().data.ensureAgent;
    expect(ensured).toMatchObject({ app: { identifier: "python-app" }, release: { version: "0.1.0" } });
    const dev = (await graphql(handle, handle.devToken, AGENT_QUERY, { input: {} })).json().data.ensureAgent;
    expect(ensured.user).toEqual(dev.user);
    expect(ensured.organization).toEqual(dev.organization);
    expect(ensured.id).not.toBe(dev.id); // its own client, so its own agent
    // 7. /agi at `{alias}/agi` with the same token
    const socket = await AgentSocket.open(`ws://127.0.0.1:${port}/agi`);
    try {
      const init = await socket.register(accessToken);
      expect(init.type).toBe("INIT");
      expect(String(init.agent)).toBe(String(ensured.id));
    } finally {
      await socket.terminate();
    }
  });

  it("issue 17: a browser-origin start waits for one click on /configure/<code>, which refuses a form without its approval key or from another origin", async () => {
    const handle = await start();
    const own = handle.url;
    const started = await postJson(`${own}/f/start/`, startBody(), { origin: own });
    expect(started.headers["access-control-allow-origin"]).toBe(own);
    const code = started.json().code as string;
    expect((await postJson(`${own}/f/challenge/`, { code })).json()).toEqual({ status: "pending", message: expect.any(String) });
    // the approval link (with its key) is the server's: on the handle and in its log
    const link = handle.approvalLinks().find((l) => l.includes(`/configure/${code}?key=`))!;
    expect(link).toBeTruthy();
    const pageResponse = await raw(link);
    expect(pageResponse.status).toBe(200);
    expect(pageResponse.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(pageResponse.text).toContain("python-app");
    const csrf = /name="key" value="([^"]+)"/.exec(pageResponse.text)?.[1];
    expect(csrf).toBe(new URL(link).searchParams.get("key"));
    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      raw(`${own}/configure/${code}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() });
    expect((await form({ decision: "approve" }, { origin: own })).status).toBe(403);
    expect((await form({ decision: "approve", key: "guess" }, { origin: own })).status).toBe(403);
    expect((await form({ decision: "approve", key: csrf! }, { origin: "http://evil.example" })).status).toBe(403);
    expect((await form({ decision: "approve", key: csrf! }, { origin: own, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await postJson(`${own}/f/challenge/`, { code })).json().status).toBe("pending");
    const approved = await form({ decision: "approve", key: csrf! }, { origin: own, "sec-fetch-site": "same-origin" });
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toBe(`/configure/${code}`);
    expect((await postJson(`${own}/f/challenge/`, { code })).json()).toEqual({ status: "granted", token: expect.any(String) });
    expect((await raw(`${own}/configure/${code}`)).text).toContain("approved");
    // the page where fakts-next says to type the code by hand
    expect((await raw(`${own}/device`)).text).toContain('name="code"');
    expect((await raw(`${own}/device?code=${code}`)).headers.location).toBe(`/configure/${code}`);
    // clients deriving the page from base_url (`{base_url}configure/<code>`) are sent to it
    const derived = await raw(`${own}/f/configure/${code}`);
    expect(derived.status).toBe(302);
    expect(derived.headers.location).toBe(`/configure/${code}`);
  });

  it("issue 17: a start from a foreign browser origin is refused, and a local request that went through a proxy is not approved at once", async () => {
    const handle = await start();
    expect((await postJson(`${handle.url}/f/start/`, startBody(), { origin: "http://evil.example" })).status).toBe(403);
    const proxied = await postJson(`${handle.url}/f/start/`, startBody(), { "x-forwarded-for": "203.0.113.9" });
    expect((await postJson(`${handle.url}/f/challenge/`, { code: proxied.json().code })).json().status).toBe("pending");
    const direct = await postJson(`${handle.url}/f/start/`, startBody());
    expect((await postJson(`${handle.url}/f/challenge/`, { code: direct.json().code })).json().status).toBe("granted");
  });

  it("issue 17: with autoApproveLocal false even a local CLI's code waits for the click", async () => {
    const handle = await start({ autoApproveLocal: false });
    const code = (await postJson(`${handle.url}/f/start/`, startBody())).json().code as string;
    expect((await postJson(`${handle.url}/f/challenge/`, { code })).json().status).toBe("pending");
  });

  it("issue 17: a denied code answers denied once, then the code is gone", async () => {
    const handle = await start();
    const code = (await postJson(`${handle.url}/f/start/`, startBody(), { origin: handle.url })).json().code as string;
    const link = handle.approvalLinks().find((l) => l.includes(`/configure/${code}?key=`))!;
    const key = /name="key" value="([^"]+)"/.exec((await raw(link)).text)![1]!;
    const denied = await raw(`${handle.url}/configure/${code}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: handle.url }, body: `decision=deny&key=${encodeURIComponent(key)}` });
    expect(denied.status).toBe(303);
    expect((await postJson(`${handle.url}/f/challenge/`, { code })).json()).toEqual({ status: "denied", message: "The user has denied the request" });
    expect((await postJson(`${handle.url}/f/challenge/`, { code })).json()).toEqual({ status: "error", error: "Challenge does not exist" });
  });

  it("issue 17: an expired code answers expired once, then the code is gone; its page says so", async () => {
    const handle = await start({ maxDeviceCodeSeconds: 1 });
    // a browser's start (needs the click), asking for longer than the server allows
    const code = (await postJson(`${handle.url}/f/start/`, startBody(pythonManifest(), 300), { origin: handle.url })).json().code as string;
    expect((await postJson(`${handle.url}/f/challenge/`, { code })).json().status).toBe("pending");
    await new Promise((r) => setTimeout(r, 1100));
    expect((await raw(`${handle.url}/configure/${code}`)).status).toBe(404);
    expect((await postJson(`${handle.url}/f/challenge/`, { code })).json()).toEqual({ status: "expired", message: expect.any(String) });
    expect((await postJson(`${handle.url}/f/challenge/`, { code })).json().status).toBe("error");
  });

  it("issue 17: the dev redeem token is on the handle and in redeem-token.json beside dev-token.json, and redeems headless; an unknown one is refused", async () => {
    const lines: string[] = [];
    const handle = await start({ logger: { debug() {}, info: (m) => lines.push(m), warn() {}, error() {} } });
    expect(handle.redeemToken).toMatch(/^redeem-/);
    // printed at start
    expect(lines.some((line) => line.includes(handle.redeemToken!) && line.includes("redeem-token.json"))).toBe(true);
    const file = join(dir, "redeem-token.json");
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ url: handle.url, redeemToken: handle.redeemToken });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // RedeemDemander: {manifest, token}, from anywhere (no approval)
    const redeemed = await postJson(`${handle.url}/f/redeem/`, { manifest: pythonManifest(), token: handle.redeemToken }, { "x-forwarded-for": "203.0.113.9" });
    expect(redeemed.json()).toEqual({ status: "granted", token: expect.any(String) });
    const claimed = (await postJson(`${handle.url}/f/claim/`, { token: redeemed.json().token, secure: false })).json();
    expect(claimed.status).toBe("granted");
    // the same app, version and machine is one client
    expect((await postJson(`${handle.url}/f/redeem/`, { manifest: pythonManifest(), token: handle.redeemToken })).json().token).toBe(redeemed.json().token);
    expect((await postJson(`${handle.url}/f/redeem/`, { manifest: pythonManifest(), token: "redeem-nope" })).json()).toEqual({ status: "error", message: "Invalid redeem token" });
    expect((await postJson(`${handle.url}/f/claim/`, { token: "nope", secure: false })).json()).toEqual({ status: "error", message: "No Client found for this token" });
  });

  it("issue 17: an unknown or expired token on /graphql gets 403 (no token: 401), and the static dev token keeps working", async () => {
    const handle = await start({ accessTokenSeconds: 1 });
    const config = await claimConfig(handle);
    const token = (await tokenRequest(config.auth.token_url, config.auth)).json();
    expect(token.expires_in).toBe(1);
    expect((await graphql(handle, token.access_token, "query { __typename }")).status).toBe(200);
    expect((await graphql(handle, "not-a-token", "query { __typename }")).status).toBe(403);
    expect((await graphql(handle, undefined, "query { __typename }")).status).toBe(401);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await graphql(handle, token.access_token, "query { __typename }");
    expect(expired.status).toBe(403);
    expect(expired.json().errors[0].message).toMatch(/unknown or has expired/);
    expect((await graphql(handle, handle.devToken, "query { __typename }")).status).toBe(200);
    // a fresh token from the same client works again (what the Python client does on 403)
    const again = (await tokenRequest(config.auth.token_url, config.auth)).json();
    expect((await graphql(handle, again.access_token, "query { __typename }")).status).toBe(200);
  });

  it("issue 17: clients, claim tokens and access tokens survive a restart: the same access token still works", async () => {
    const first = await start();
    const config = await claimConfig(first);
    const accessToken = (await tokenRequest(config.auth.token_url, config.auth)).json().access_token as string;
    const redeem = first.redeemToken;
    await first.close();
    handles.splice(0);
    const second = await start();
    expect(second.redeemToken).toBe(redeem);
    expect((await graphql(second, accessToken, AGENT_QUERY, { input: {} })).json().data.ensureAgent.app).toEqual({ identifier: "python-app" });
    const claimed = (await postJson(`${second.url}/f/claim/`, { token: config.auth.client_token, secure: false })).json();
    expect(claimed.config.auth.client_id).toBe(config.auth.client_id);
    expect(claimed.config.auth.token_url).toBe(`${second.url}/o/token/`);
  });

  it("issue 17: requests to a host the server does not answer to are refused; addresses follow the Host used", async () => {
    const handle = await start();
    const evil = await raw(`${handle.url}/.well-known/fakts`, { headers: { host: `evil.example:${handle.port}` } });
    expect(evil.status).toBe(400);
    expect(evil.text).toContain("does not answer to the host");
    const config = await claimConfig(handle);
    expect((await postJson(`${handle.url}/f/claim/`, { token: config.auth.client_token, secure: false }, { host: "evil.example" })).status).toBe(400);
    expect((await raw(`${handle.url}/configure/x`, { headers: { host: `rebound.example:${handle.port}` } })).status).toBe(400);
    // another loopback name of the same server: its own addresses
    const local = await raw(`${handle.url}/.well-known/fakts`, { headers: { host: `localhost:${handle.port}` } });
    expect(local.json().base_url).toBe(`http://localhost:${handle.port}/f/`);
    const viaLocalhost = (await postJson(`${handle.url}/f/claim/`, { token: config.auth.client_token, secure: false }, { host: `localhost:${handle.port}` })).json();
    expect(viaLocalhost.config.instances.rekuest.aliases[0]).toMatchObject({ host: "localhost", port: handle.port });
    expect(viaLocalhost.config.auth.token_url).toBe(`http://localhost:${handle.port}/o/token/`);
  });

  it("issue 17: /o/token/ takes Basic or form credentials, echoes the scope, and answers OAuth2 errors", async () => {
    const handle = await start();
    const config = await claimConfig(handle, { ...pythonManifest(), scopes: ["openid", "profile"] });
    const auth = config.auth as { client_id: string; client_secret: string; scopes: string[]; token_url: string };
    expect((await tokenRequest(auth.token_url, auth, "basic")).json().scope).toBe("openid profile");
    expect((await tokenRequest(auth.token_url, { ...auth, scopes: ["profile"] }, "form")).json().scope).toBe("profile");
    const wrong = await tokenRequest(auth.token_url, { ...auth, client_secret: "wrong" }, "both");
    expect(wrong.status).toBe(401);
    expect(wrong.json().error).toBe("invalid_client");
    expect(wrong.headers["www-authenticate"]).toContain("Basic");
    expect((await tokenRequest(auth.token_url, { ...auth, client_id: "nobody" }, "form")).json().error).toBe("invalid_client");
    const scope = await tokenRequest(auth.token_url, { ...auth, scopes: ["admin"] });
    expect([scope.status, scope.json().error]).toEqual([400, "invalid_scope"]);
    const grant = await raw(auth.token_url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=password&username=a&password=b" });
    expect([grant.status, grant.json().error]).toEqual([400, "unsupported_grant_type"]);
  });

  it("issue 17: a required service the platform lacks is refused at start, naming it; an optional one is unavailable", async () => {
    const handle = await start();
    const manifest = pythonManifest();
    const mikro = { key: "mikro", service: "live.arkitekt.mikro", optional: false, description: null };
    const refusedStart = (await postJson(`${handle.url}/f/start/`, startBody({ ...manifest, requirements: [...(manifest.requirements as unknown[]), mikro] }))).json();
    expect(refusedStart.status).toBe("error");
    expect(refusedStart.error).toContain('live.arkitekt.mikro (key "mikro")');
    const config = await claimConfig(handle, { ...manifest, requirements: [...(manifest.requirements as unknown[]), { ...mikro, optional: true }] });
    expect(config.statuses).toEqual({ rekuest: "granted", s3: "granted", mikro: "unavailable" });
    expect(Object.keys(config.instances)).toEqual(["rekuest", "s3"]);
    const malformed = (await postJson(`${handle.url}/f/start/`, { manifest: { identifier: "a/b", version: "1" } })).json();
    expect(malformed.status).toBe("error");
    expect(malformed.error).toMatch(/manifest\.identifier/);
  });

  it("issue 17: the limits hold: pending device codes (maxPendingDeviceCodes), tokens per client (maxTokensPerClient), body size (maxFaktsBodyBytes)", async () => {
    const handle = await start({ maxPendingDeviceCodes: 2, maxTokensPerClient: 2, maxFaktsBodyBytes: 4096 });
    for (let i = 0; i < 2; i++) expect((await postJson(`${handle.url}/f/start/`, startBody(), { origin: handle.url })).json().status).toBe("granted");
    const third = (await postJson(`${handle.url}/f/start/`, startBody(), { origin: handle.url })).json();
    expect(third.status).toBe("error");
    expect(third.error).toContain("maxPendingDeviceCodes 2");
    // a local CLI's start is approved at once, so it waits for nobody and is not refused
    const config = await claimConfig(handle);
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push((await tokenRequest(config.auth.token_url, config.auth)).json().access_token as string);
    expect((await graphql(handle, tokens[0], "query { __typename }")).status).toBe(403);
    expect((await graphql(handle, tokens[1], "query { __typename }")).status).toBe(200);
    expect((await graphql(handle, tokens[2], "query { __typename }")).status).toBe(200);
    const big = await postJson(`${handle.url}/f/start/`, { ...startBody(), padding: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.json().error).toContain("maxFaktsBodyBytes");
  });
});
