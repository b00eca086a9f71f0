/**
 * Acceptance scenario 29 (shared/spec/acceptance.md): `assign` checks args against the action's ports
 * in their wire format (definitions-and-values.md) and refuses a mismatch with a GraphQL error naming
 * the port, creating no task. (The agent-side re-validation belongs to the runtime's tests.)
 */
import { describe, expect, it } from "vitest";
import { ADD, CONFIGURE, assign, assignErrors, implOf, listTaskIds, setupAgent } from "../helpers/fixture.js";
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
