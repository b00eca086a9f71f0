/**
 * Issue 10 #5: a graceful server restart closes every socket 1012 (service restart). Our agent and our
 * caller treat it as "reconnect with backoff": after a restart on the same port and data folder the agent
 * registers again and serves, and the caller's calls work again, with no user action.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "../../src/runtime/agent/index.js";
import { createClient } from "../../src/runtime/caller/index.js";
import { startServer, type ServerHandle } from "../../src/server/index.js";
import { FAST_TIMING, waitFor } from "../fixtures/runtime/harness.js";
import { registry } from "../fixtures/runtime/registry.js";
import { AGENT_TOKEN, CALLER_TOKEN, RUNTIME_TOKENS } from "../fixtures/runtime/tokens.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("issue 10 #5: service restart", () => {
  it("issue 10 #5: a connected agent of ours gets 1012 on shutdown and serves again after a restart on the same port and dataDir, within its backoff", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-service-restart-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const options = { host: "127.0.0.1", tokens: RUNTIME_TOKENS, ...FAST_TIMING, dataDir };
    let server: ServerHandle = await startServer({ ...options, port: 0 });
    cleanups.push(() => server.close());
    const port = server.port;

    const lines: string[] = [];
    const push = (m: string) => void lines.push(m);
    const logger = { debug: push, info: push, warn: push, error: push };
    const agent = await connect({ url: server.url, token: AGENT_TOKEN, registry, logger, reconnect: { initialDelayMs: 50, maxDelayMs: 250 } });
    cleanups.push(() => agent.close());
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());
    const add = agent.implementations.add!.actionHash;
    await expect(client.call(add, { a: 1, b: 2 })).resolves.toEqual({ return0: 3 });

    let stopped = false;
    void agent.closed.then(() => (stopped = true));
    await server.close();
    await waitFor("the agent to log the 1012 close", () => lines.some((l) => /closed \(1012/.test(l)), 3000);
    server = await startServer({ ...options, port });
    await waitFor("the agent to register again", () => lines.filter((l) => l.includes("registered (session")).length >= 2, 5000);
    expect(stopped).toBe(false);
    await expect(client.call(add, { a: 2, b: 3 })).resolves.toEqual({ return0: 5 });
  });
});
