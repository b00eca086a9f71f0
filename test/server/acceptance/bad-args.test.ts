/**
 * Acceptance scenario 29 (shared/spec/acceptance.md): `assign` checks args against the action's ports
 * in their wire format (definitions-and-values.md) and refuses a mismatch with a GraphQL error naming
 * the port, creating no task. (The agent-side re-validation belongs to the runtime's tests.)
 */
import { describe, expect, it } from "vitest";
import { ADD, CONFIGURE, INSPECT, INSPECT_ARGS, assign, assignErrors, implOf, listTaskIds, setupAgent } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";

describe("scenario 29: bad args", () => {
  const server = useTestServer();

  const cases: Array<{ title: string; iface: string; args: Record<string, unknown>; port: string }> = [
    { title: "a value of the wrong type", iface: "configure", args: { count: "three", mode: "fast" }, port: "count" },
    { title: "a float for an INT port", iface: "add", args: { a: 1.5, b: 2 }, port: "a" },
    { title: "a missing non-nullable port", iface: "configure", args: { count: 1 }, port: "mode" },
    { title: "null for a non-nullable port", iface: "add", args: { a: 1, b: null }, port: "b" },
    { title: "an unknown port", iface: "configure", args: { count: 1, mode: "fast", colour: "red" }, port: "colour" },
    { title: "a value not in the port's choices", iface: "configure", args: { count: 1, mode: "medium" }, port: "mode" },
  ];

  for (const c of cases) {
    it(`refuses ${c.title} with an error naming the port "${c.port}" and creates no task`, async () => {
      const s = server();
      const fixture = await setupAgent(s, T1, [ADD, CONFIGURE]);
      const { socket } = await s.connectAgent(T1);

      const errors = await assignErrors(s, T2, { implementation: implOf(fixture, c.iface).id, args: c.args });
      expect(errors.join(" ")).toMatch(new RegExp(`\\b${c.port}\\b`));
      expect(await listTaskIds(s, T2)).toEqual([]);
      await socket.expectNoFrame("ASSIGN", 100);
    });
  }

  it("accepts args that fit, including null for a nullable port and an omitted nullable port, and forwards them unchanged", async () => {
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
});

describe("scenario 29 across port kinds: LIST, DICT, UNION, MODEL, STRUCTURE, DATE, BOOL", () => {
  const server = useTestServer();

  const cases: Array<{ title: string; port: keyof typeof INSPECT_ARGS; value: unknown }> = [
    { title: "a LIST with an element of the wrong type", port: "values", value: [1, "two", 3] },
    { title: "a LIST given a single value", port: "values", value: 1 },
    { title: "a DICT with a value of the wrong type", port: "table", value: { a: "x" } },
    { title: "a UNION value without the __use/__value shape", port: "either", value: 3 },
    { title: "a UNION naming a child that does not exist", port: "either", value: { __use: 5, __value: 1 } },
    { title: "a UNION value that does not fit the chosen child", port: "either", value: { __use: 0, __value: "three" } },
    { title: "a MODEL missing a non-nullable field", port: "point", value: { __identifier: "point", x: 1 } },
    { title: "a MODEL with an unknown field", port: "point", value: { __identifier: "point", x: 1, y: 2, z: 3 } },
    { title: "a STRUCTURE given a bare string instead of {__identifier, object}", port: "image", value: "img-1" },
    { title: "a DATE that is not ISO-8601", port: "when", value: "yesterday" },
    { title: "a BOOL given a string", port: "flag", value: "true" },
  ];

  for (const c of cases) {
    it(`refuses ${c.title} with an error naming the port "${c.port}" and creates no task`, async () => {
      const s = server();
      const fixture = await setupAgent(s, T1, [INSPECT]);
      const { socket } = await s.connectAgent(T1);
      const errors = await assignErrors(s, T2, { implementation: implOf(fixture, "inspect").id, args: { ...INSPECT_ARGS, [c.port]: c.value } });
      expect(errors.join(" ")).toMatch(new RegExp(`\\b${c.port}\\b`));
      expect(await listTaskIds(s, T2)).toEqual([]);
      await socket.expectNoFrame("ASSIGN", 50);
    });
  }

  it("accepts args in the wire format of every kind and forwards them unchanged", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [INSPECT]);
    const { socket } = await s.connectAgent(T1);
    const task = await assign(s, T2, { implementation: implOf(fixture, "inspect").id, args: INSPECT_ARGS });
    const frame = await socket.next("ASSIGN");
    expect(frame.task).toBe(task.id);
    expect(frame.args).toEqual(INSPECT_ARGS);
  });
});
