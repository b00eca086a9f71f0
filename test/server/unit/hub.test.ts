import { describe, expect, it } from "vitest";
import { Hub, MAX_BUFFERED, type HubEvent } from "../../../src/server/hub.js";
import type { AgentRow } from "../../../src/server/store/store.js";

const agentEvent = (id: number): HubEvent => ({ type: "agentUpdate", agent: { id } as AgentRow });

describe("Hub", () => {
  it("delivers mapped events in order and skips the ones mapped to undefined", async () => {
    const hub = new Hub();
    const it = hub.subscribe((e) => (e.type === "agentUpdate" && e.agent.id % 2 === 0 ? e.agent.id : undefined));
    for (let i = 1; i <= 6; i++) hub.publish(agentEvent(i));
    expect([(await it.next()).value, (await it.next()).value, (await it.next()).value]).toEqual([2, 4, 6]);
    await it.return!();
    expect(hub.size).toBe(0);
  });

  it("ends a subscription on abort and one that stops reading past the buffer limit", async () => {
    const hub = new Hub();
    const controller = new AbortController();
    const aborted = hub.subscribe((e) => e, controller.signal);
    const pending = aborted.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });

    const stuck = hub.subscribe((e) => e);
    for (let i = 0; i <= MAX_BUFFERED; i++) hub.publish(agentEvent(i));
    expect(hub.size).toBe(0);
    expect(await stuck.next()).toEqual({ value: undefined, done: true });
  });

  it("a subscription whose signal is already aborted ends at once and leaves no listener behind", async () => {
    const hub = new Hub();
    const it = hub.subscribe((e) => e, AbortSignal.abort());
    hub.publish(agentEvent(1));
    expect(hub.size).toBe(0);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
