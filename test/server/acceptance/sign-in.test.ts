/**
 * Issue 13, "Sign-in": `arkitekt-next server` (and `run dev`, through the same helper) prints a
 * one-click local URL with the dev token in the URL fragment (`http://127.0.0.1:PORT/#token=...`),
 * which a browser never sends to the server; and the server logs no token, whatever a request line holds.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { serverBanner } from "../../../src/cli/commands/server.js";
import { signInUrl, startServer, tokenFromFragment, type Logger, type ServerHandle } from "../../../src/server/index.js";
import { AgentSocket } from "../helpers/agent-socket.js";
import { CliServer, runCli } from "../helpers/cli-server.js";
import { ensureAgent } from "../helpers/fixture.js";
import { graphqlData, graphqlErrors } from "../helpers/graphql.js";
import { startTestServer } from "../helpers/server.js";

function recordingLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, logger: { debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") } };
}

/** Starts a server with a dev identity (no `tokens`) in a fresh data dir; `done` closes it and removes the dir. */
async function devServer(logger?: Logger): Promise<{ handle: ServerHandle; dataDir: string; done: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-sign-in-"));
  const handle = await startServer({ host: "127.0.0.1", port: 0, dataDir, ...(logger ? { logger } : {}) });
  return {
    handle,
    dataDir,
    done: async () => {
      await handle.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a WebSocket and resolves when it opened or was refused (any status). */
function knock(url: string, origin?: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ["graphql-transport-ws"], origin ? { origin } : {});
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    ws.once("error", () => resolve());
    ws.once("open", () => {
      ws.terminate();
      resolve();
    });
  });
}

describe("issue 13: the sign-in link", () => {
  it("issue 13: signInUrl puts the token in the fragment of the server's root, and tokenFromFragment reads it back", () => {
    expect(signInUrl("http://127.0.0.1:8080", "abc123")).toBe("http://127.0.0.1:8080/#token=abc123");
    expect(signInUrl("http://127.0.0.1:8080/", "abc123")).toBe("http://127.0.0.1:8080/#token=abc123");
    // a proxy prefix stays; a query does not carry over (it would reach the server)
    expect(signInUrl("https://lab.example/arkitekt?x=1", "t")).toBe("https://lab.example/arkitekt/#token=t");
    const odd = "a+b/c=d&e#f g";
    const url = signInUrl("http://localhost:9000", odd);
    expect(new URL(url).search).toBe("");
    expect(tokenFromFragment(new URL(url).hash)).toBe(odd);
    expect(tokenFromFragment("token=plain")).toBe("plain");
    expect(tokenFromFragment("#view=tasks&token=xyz")).toBe("xyz");
    expect(tokenFromFragment("")).toBeUndefined();
    expect(tokenFromFragment("#token=")).toBeUndefined();
    expect(tokenFromFragment("#/actions/3")).toBeUndefined();
  });

  it("issue 13: a server with a dev identity hands out its sign-in URL; its token works and its page answers", async () => {
    const { handle, done } = await devServer();
    try {
      expect(handle.signInUrl).toBe(`${handle.url}/#token=${encodeURIComponent(handle.devToken!)}`);
      // what a browser requests from the link: the page, without the fragment
      const page = await fetch(handle.signInUrl!);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const token = tokenFromFragment(new URL(handle.signInUrl!).hash)!;
      const data = await graphqlData<{ agents: unknown[] }>(handle.graphqlUrl, token, "query { agents { id } }");
      expect(data.agents).toEqual([]);
    } finally {
      await done();
    }
  });

  it("issue 13: a server with a static token map has no sign-in URL (there is no dev token to hand out)", async () => {
    const s = await startTestServer();
    try {
      expect(s.handle.signInUrl).toBeUndefined();
      expect(serverBanner(s.handle, { data: s.dataDir, tokens: "tokens.json" })).not.toContain("Sign in");
    } finally {
      await s.close();
    }
  });

  it("issue 13: the server banner prints the one-click sign-in URL next to the UI", async () => {
    const { handle, dataDir, done } = await devServer();
    try {
      const banner = serverBanner(handle, { data: dataDir });
      expect(banner).toContain(`  UI            ${handle.url}/\n`);
      expect(banner).toContain(`  Sign in       ${handle.url}/#token=${handle.devToken}\n`);
    } finally {
      await done();
    }
  });

  it("issue 13: the server logs no token: not the dev token in use, not a token put in a request's query", async () => {
    const { lines, logger } = recordingLogger();
    const { handle, done } = await devServer(logger);
    const planted = "planted-secret-4711";
    try {
      const token = handle.devToken!;
      // the dev token at work: GraphQL over HTTP, a refused request, an agent registering
      await graphqlData(handle.graphqlUrl, token, "query { agents { id } }");
      await fetch(handle.graphqlUrl, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer wrong-token-0815" }, body: "{}" });
      await ensureAgent({ gql: (t, q, v) => graphqlData(handle.graphqlUrl, t, q, v), gqlErrors: (t, q, v) => graphqlErrors(handle.graphqlUrl, t, q, v) }, token);
      const agent = await AgentSocket.open(handle.agiUrl);
      await agent.register(token, {});
      await agent.terminate();
      // tokens in request lines, as a mistaken link or client might send them
      for (const path of ["/", "/graphql", "/nowhere", "/schema", "/ht"]) await fetch(`${handle.url}${path}?token=${planted}`);
      await knock(`ws://127.0.0.1:${handle.port}/graphql?token=${planted}`, "http://foreign.example");
      await knock(`ws://127.0.0.1:${handle.port}/agi?token=${planted}`);
      await knock(`ws://127.0.0.1:${handle.port}/elsewhere?token=${planted}`);
      await handle.close();
      // the refused origin was logged (so logging did happen), and no line holds a token
      expect(lines.some((l) => l.includes("http://foreign.example"))).toBe(true);
      for (const secret of [token, planted, "wrong-token-0815"]) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    } finally {
      await done();
    }
  });

  it("issue 13: `arkitekt-next server` prints the sign-in URL, and the token it carries is the one in dev-token.json", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-sign-in-cli-"));
    const server = await CliServer.start({ dataDir, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 5_000, staleAfterMs: 30_000, graceMs: 0 });
    try {
      const line = /^ {2}Sign in {7}(\S+)$/m.exec(server.stdout);
      expect(line, server.stdout).not.toBeNull();
      const url = new URL(line![1]!);
      expect(url.origin).toBe(server.url);
      expect(url.pathname).toBe("/");
      const token = tokenFromFragment(url.hash)!;
      const stored = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(join(dataDir, "dev-token.json"), "utf8"))) as { token: string };
      expect(token).toBe(stored.token);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await server.stop("SIGTERM");
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("issue 13: `arkitekt-next server --help` shows examples, the sign-in link and how to allow an origin", async () => {
    const help = await runCli(["server", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain('"Sign in" link');
    expect(help.stdout).toContain("arkitekt-next server --allow-origin http://localhost:5173");
    expect(help.stdout).toContain("ARKITEKT_ALLOW_ORIGINS");
  });
});
