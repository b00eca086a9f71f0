/**
 * `drain()` and the handover `run dev` makes on a reload (issue 12), against the real server over
 * real sockets: the old agent stops taking tasks and finishes its in-flight one while it stays
 * live; the new one connects with the same session and `force`, takes over the connection, and
 * serves the task the old one left to the platform. Nothing is refused, lost or DISCONNECTED.
 */
import { afterEach, describe, expect, it } from "vitest";
import { taskEvents } from "../../generated/api/rekuest.js";
import { connect, type TaskEnd } from "../../src/runtime/agent/index.js";
import { createClient } from "../../src/runtime/caller/index.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";
import { startRuntimeServer } from "../fixtures/runtime/harness.js";
import { registry } from "../fixtures/runtime/registry.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("drain and handover", () => {
  it("issue 12: a drained agent finishes its task and stays live; a forced connection of the same session takes over and serves what it left", async () => {
    const server = await startRuntimeServer({ graceMs: 60_000 });
    cleanups.push(() => server.close());
    const ended: Array<{ by: string } & TaskEnd> = [];
    const old = await connect({
      url: server.url,
      token: AGENT_TOKEN,
      registry,
      sessionId: "dev-session",
      onTaskEnd: (end) => ended.push({ by: "old", ...end }),
    });
    cleanups.push(() => old.close());
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());
    const hash = old.implementations.slow!.actionHash;

    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const inFlight = client.call(hash, { ms: 600 }, { onEvent: (e) => e.kind === "STARTED" && started() });
    await isStarted;
    const draining = old.drain();
    // assigned while the old agent drains: accepted by the platform (the agent is live), left there
    let leftId: string | undefined;
    const left = client.call(hash, { ms: 1 }, { onAssigned: (id) => (leftId = id) });
    await draining;
    expect(old.connected).toBe(true);
    expect(ended.map((e) => [e.by, e.status])).toEqual([["old", "COMPLETED"]]);
    expect(ended[0]!.interface).toBe("slow");
    expect(ended[0]!.durationMs).toBeGreaterThanOrEqual(500);

    const next = await connect({
      url: server.url,
      token: AGENT_TOKEN,
      registry,
      sessionId: "dev-session",
      force: true,
      onTaskEnd: (end) => ended.push({ by: "new", ...end }),
    });
    cleanups.push(() => next.close());
    await expect(inFlight).resolves.toEqual({ return0: "slept 600" });
    await expect(left).resolves.toEqual({ return0: "slept 1" });
    expect(ended.map((e) => [e.by, e.status])).toEqual([
      ["old", "COMPLETED"],
      ["new", "COMPLETED"],
    ]);
    const stop = await old.closed;
    expect(stop.error?.code).toBe("ARKITEKT_AGENT_REPLACED");
    const gql = createGraphQLClient({ url: server.handle.graphqlUrl, token: CALLER_TOKEN });
    cleanups.push(() => gql.close());
    const kinds = (await taskEvents(gql, { task: leftId! })).events.map((e) => e.kind);
    expect(kinds).not.toContain("DISCONNECTED");
    expect(kinds.filter((k) => k === "COMPLETED")).toHaveLength(1);
  });
});
