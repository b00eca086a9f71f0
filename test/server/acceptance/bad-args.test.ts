/**
 * Acceptance scenario 29 (shared/spec/acceptance.md): `assign` checks args against the action's ports
 * in their wire format (definitions-and-values.md) and refuses a mismatch with a GraphQL error naming
 * the port, creating no task. (The agent-side re-validation belongs to the runtime's tests.)
 * Refusals leave no state, so they share one server and one live executor; acceptance gets its own.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AgentSocket } from "../helpers/agent-socket.js";
import { CONFIGURE, INSPECT, INSPECT_ARGS, assign, assignErrors, implOf, listTaskIds, setupAgent, type AgentFixture } from "../helpers/fixture.js";
import { useSharedTestServer, useTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";

interface Refusal {
  title: string;
  iface: string;
  args: Record<string, unknown>;
  port: string;
}

const SCENARIO_CASES: Refusal[] = [
  { title: "a value of the wrong type", iface: "configure", args: { count: "three", mode: "fast" }, port: "count" },
  { title: "a float for an INT port", iface: "configure", args: { count: 1.5, mode: "fast" }, port: "count" },
  { title: "a missing non-nullable port", iface: "configure", args: { count: 1 }, port: "mode" },
  { title: "null for a non-nullable port", iface: "configure", args: { count: null, mode: "fast" }, port: "count" },
  { title: "an unknown port", iface: "configure", args: { count: 1, mode: "fast", colour: "red" }, port: "colour" },
  { title: "a value not in the port's choices", iface: "configure", args: { count: 1, mode: "medium" }, port: "mode" },
];

const KIND_CASES: Refusal[] = (
  [
    ["a LIST with an element of the wrong type", "samples", [1, "two", 3]],
    ["a LIST given a single value", "samples", 1],
    ["a DICT with a value of the wrong type", "weights", { a: "x" }],
    ["a UNION value without the __use/__value shape", "either", 3],
    ["a UNION naming a child that does not exist", "either", { __use: 5, __value: 1 }],
    ["a UNION value that does not fit the chosen child", "either", { __use: 0, __value: "three" }],
    ["a MODEL missing a non-nullable field", "origin", { __identifier: "point", x: 1 }],
    ["a MODEL with an unknown field", "origin", { __identifier: "point", x: 1, y: 2, z: 3 }],
    ["a STRUCTURE given a bare string instead of {__identifier, object}", "image", "img-1"],
    ["a DATE that is not ISO-8601", "taken_at", "yesterday"],
    ["a BOOL given a string", "enabled", "true"],
  ] as const
).map(([title, port, value]) => ({ title, iface: "inspect", args: { ...INSPECT_ARGS, [port]: value }, port }));

describe("scenario 29: bad args are refused naming the port, and no task is created", () => {
  const server = useSharedTestServer();
  let fixture: AgentFixture;
  let executor: AgentSocket;

  beforeAll(async () => {
    fixture = await setupAgent(server(), T1, [CONFIGURE, INSPECT]);
    executor = (await server().connectAgent(T1)).socket;
  });

  for (const c of [...SCENARIO_CASES, ...KIND_CASES]) {
    it(`refuses ${c.title} with an error naming the port "${c.port}"`, async () => {
      const s = server();
      const errors = await assignErrors(s, T2, { implementation: implOf(fixture, c.iface).id, args: c.args });
      expect(errors.join(" ")).toMatch(new RegExp(`\\b${c.port}\\b`));
      expect(await listTaskIds(s, T2)).toEqual([]);
      await executor.expectNoFrame("ASSIGN", 50);
    });
  }
});

describe("scenario 29: args that fit are accepted", () => {
  const server = useTestServer();

  it("accepts null for a nullable port and an omitted nullable port, and forwards args unchanged", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [CONFIGURE]);
    const { socket } = await s.connectAgent(T1);
    const configure = implOf(fixture, "configure").id;

    const first = await assign(s, T2, { implementation: configure, args: { count: 1, mode: "fast", note: null } });
    expect(await socket.next("ASSIGN")).toMatchObject({ task: first.id, args: { count: 1, mode: "fast", note: null } });
    const second = await assign(s, T2, { implementation: configure, args: { count: 2, mode: "slow" } });
    const frame = await socket.next("ASSIGN");
    expect(frame).toMatchObject({ task: second.id });
    expect(frame.args).toEqual({ count: 2, mode: "slow" });
  });

  it("accepts args in the wire format of every kind (LIST, DICT, UNION, MODEL, STRUCTURE, DATE, BOOL) and forwards them unchanged", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [INSPECT]);
    const { socket } = await s.connectAgent(T1);
    const task = await assign(s, T2, { implementation: implOf(fixture, "inspect").id, args: INSPECT_ARGS });
    const frame = await socket.next("ASSIGN");
    expect(frame.task).toBe(task.id);
    expect(frame.args).toEqual(INSPECT_ARGS);
  });
});
