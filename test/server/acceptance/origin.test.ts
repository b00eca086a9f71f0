/**
 * Issue 13, "Built with": same-origin by default. Browsers apply no same-origin policy to WebSockets,
 * so the server checks `Origin` on every socket path (`/graphql` with graphql-transport-ws and with the
 * legacy graphql-ws, and `/agi`) and answers CORS on HTTP `/graphql` only for allowed origins. Requests
 * without an Origin (CLIs, agents, the Python client) are not affected. Real server, real sockets.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { runServer } from "../../../src/cli/commands/server.js";
import type { Logger } from "../../../src/server/index.js";
import { RawSocket } from "../helpers/raw-ws.js";
import { startTestServer, useSharedTestServer, type TestServer } from "../helpers/server.js";
import { T1 } from "../helpers/tokens.js";

const FOREIGN = "http://evil.example";
const ALLOWED = "http://localhost:5173";

/** A logger that keeps every line, to assert what the server logged. */
function recordingLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, logger: { debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") } };
}

interface SocketPath {
  name: string;
  url: (s: TestServer) => string;
  protocol?: string;
}

/** The three WebSocket endpoints: the agent socket and both GraphQL subprotocols. */
const PATHS: SocketPath[] = [
  { name: "/agi", url: (s) => s.agiUrl },
  { name: "/graphql graphql-transport-ws", url: (s) => s.graphqlWsUrl, protocol: "graphql-transport-ws" },
  { name: "/graphql legacy graphql-ws", url: (s) => s.graphqlWsUrl, protocol: "graphql-ws" },
];

/** Opens a socket with `origin` (none when undefined) and an optional Host header; resolves "open" or the refusal status. */
function tryOpen(url: string, options: { protocol?: string; origin?: string; host?: string }): Promise<{ status: "open" } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocol ? [options.protocol] : [], {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.host ? { headers: { host: options.host } } : {}),
    });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", (error) => reject(error));
    ws.once("open", () => {
      ws.terminate();
      resolve({ status: "open" });
    });
  });
}

function preflight(s: TestServer, origin: string): Promise<Response> {
  return fetch(s.graphqlUrl, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
}

describe("issue 13: same-origin by default on /graphql and /agi", () => {
  const recorder = recordingLogger();
  const server = useSharedTestServer({ allowedOrigins: [ALLOWED], logger: recorder.logger });

  for (const path of PATHS) {
    it(`issue 13: a foreign origin is refused 403 on ${path.name}`, async () => {
      const s = server();
      const result = await tryOpen(path.url(s), { origin: FOREIGN, ...(path.protocol ? { protocol: path.protocol } : {}) });
      expect(result).toMatchObject({ status: 403 });
      expect((result as { body: string }).body).toContain("--allow-origin");
    });

    it(`issue 13: the server's own origin (127.0.0.1, localhost, [::1] at its port) is allowed on ${path.name}`, async () => {
      const s = server();
      for (const origin of [`http://127.0.0.1:${s.handle.port}`, `http://localhost:${s.handle.port}`, `http://[::1]:${s.handle.port}`]) {
        expect(await tryOpen(path.url(s), { origin, ...(path.protocol ? { protocol: path.protocol } : {}) })).toEqual({ status: "open" });
      }
    });

    it(`issue 13: no Origin (CLIs, agents, the Python client) is allowed on ${path.name}`, async () => {
      const s = server();
      expect(await tryOpen(path.url(s), path.protocol ? { protocol: path.protocol } : {})).toEqual({ status: "open" });
    });

    it(`issue 13: an allowlisted origin is allowed on ${path.name}`, async () => {
      const s = server();
      expect(await tryOpen(path.url(s), { origin: ALLOWED, ...(path.protocol ? { protocol: path.protocol } : {}) })).toEqual({ status: "open" });
    });
  }

  it("issue 13: the server's own scheme, host and port only: another port, https, or a null origin is foreign", async () => {
    const s = server();
    const port = s.handle.port;
    for (const origin of [`http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, "null", `http://127.0.0.1.evil.example:${port}`]) {
      expect(await tryOpen(s.agiUrl, { origin }), origin).toMatchObject({ status: 403 });
    }
  });

  it("issue 13: bound to loopback, a page whose name resolves to 127.0.0.1 (DNS rebinding) is foreign even when Host matches its origin", async () => {
    const s = server();
    const host = `rebound.example:${s.handle.port}`;
    expect(await tryOpen(s.graphqlWsUrl, { origin: `http://${host}`, host, protocol: "graphql-ws" })).toMatchObject({ status: 403 });
  });

  it("issue 13: a refused origin is logged once, naming the origin and --allow-origin", async () => {
    const s = server();
    const origin = "http://logged-once.example";
    for (let i = 0; i < 3; i++) expect(await tryOpen(s.agiUrl, { origin })).toMatchObject({ status: 403 });
    const lines = recorder.lines.filter((l) => l.includes(origin));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn refused a WebSocket on \/agi from the browser origin "http:\/\/logged-once\.example"/);
    expect(lines[0]).toContain(`--allow-origin "${origin}"`);
    expect(lines[0]).toContain("ARKITEKT_ALLOW_ORIGINS");
  });

  it("issue 13: CORS preflight from a foreign origin gets 403 and no allow header; a POST from it is refused without CORS headers", async () => {
    const s = server();
    const foreign = await preflight(s, FOREIGN);
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("access-control-allow-credentials")).toBeNull();
    const post = await fetch(s.graphqlUrl, {
      method: "POST",
      headers: { origin: FOREIGN, "content-type": "application/json", authorization: `Bearer ${T1}` },
      body: JSON.stringify({ query: "query { agents { id } }" }),
    });
    expect(post.status).toBe(403);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
    const body = (await post.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe("FORBIDDEN_ORIGIN");
    expect(body.errors[0]!.message).toContain("--allow-origin");
  });

  it("issue 13: CORS answers the server's own and allowlisted origins with that origin, never *", async () => {
    const s = server();
    for (const origin of [`http://127.0.0.1:${s.handle.port}`, ALLOWED]) {
      const answer = await preflight(s, origin);
      expect(answer.status, origin).toBeLessThan(300);
      expect(answer.headers.get("access-control-allow-origin")).toBe(origin);
      const post = await fetch(s.graphqlUrl, {
        method: "POST",
        headers: { origin, "content-type": "application/json", authorization: `Bearer ${T1}` },
        body: JSON.stringify({ query: "query { agents { id } }" }),
      });
      expect(post.status).toBe(200);
      expect(post.headers.get("access-control-allow-origin")).toBe(origin);
    }
    // no Origin: no CORS headers at all (and certainly no "*")
    const plain = await fetch(s.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${T1}` },
      body: JSON.stringify({ query: "query { agents { id } }" }),
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("issue 13: a server bound off loopback and the CLI's allow-list", () => {
  it("issue 13: bound to 0.0.0.0, a page served under the Host the request names is the server's own; other origins stay foreign", async () => {
    const s = await startTestServer({ host: "0.0.0.0" });
    try {
      const host = `mybox.local:${s.handle.port}`;
      for (const path of PATHS) {
        const protocol = path.protocol ? { protocol: path.protocol } : {};
        expect(await tryOpen(path.url(s), { origin: `http://${host}`, host, ...protocol }), path.name).toEqual({ status: "open" });
        expect(await tryOpen(path.url(s), { origin: FOREIGN, host, ...protocol }), path.name).toMatchObject({ status: 403 });
      }
      expect(await tryOpen(s.agiUrl, { origin: `http://localhost:${s.handle.port}` })).toEqual({ status: "open" });
    } finally {
      await s.close();
    }
  });

  it("issue 13: ARKITEKT_ALLOW_ORIGINS (comma-separated) adds to --allow-origin", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-origin-env-"));
    const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const handle = await runServer({ host: "127.0.0.1", port: 0, data: dataDir, allowOrigin: ["http://flag.example:3000"] }, silent, {
      ARKITEKT_ALLOW_ORIGINS: "http://env-one.example:4000, http://env-two.example:5000",
    });
    try {
      for (const origin of ["http://flag.example:3000", "http://env-one.example:4000", "http://env-two.example:5000"]) {
        expect(await tryOpen(handle.agiUrl, { origin }), origin).toEqual({ status: "open" });
      }
      await expect(RawSocket.open(handle.agiUrl, { origin: "http://third.example:6000" })).rejects.toThrow(/403/);
    } finally {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("issue 13: a wildcard or malformed allowed origin is refused at start with what to write instead", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-origin-bad-"));
    try {
      for (const bad of ["*", "localhost:5173"]) {
        await expect(startTestServer({ allowedOrigins: [bad] }), bad).rejects.toThrow(/allowedOrigins: ".*" is not an origin/);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
