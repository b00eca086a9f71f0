/**
 * Issue 9 #9: the server checks `assign` args with the same value rule as the agent
 * (src/definition/values.ts), so a value the agent would refuse is refused at assign, naming the
 * port, and no task is created; a value that fits is forwarded unchanged. Driven by the shared
 * table of good and bad values (test/fixtures/values/table.ts), sent as raw JSON text (so that
 * `1e400` and `9007199254740993` reach the server as a peer would send them).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AgentSocket } from "../helpers/agent-socket.js";
import { ASSIGN, implOf, listTaskIds, setupAgent, type AgentFixture, type ImplementationInput } from "../helpers/fixture.js";
import { useSharedTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { PORTS, VALUE_TABLE, titleOf, valueOf, type PortName } from "../../fixtures/values/table.js";

/** One action per port of the table, with that port as its only arg `x`. */
const IMPLEMENTATIONS: ImplementationInput[] = Object.entries(PORTS).map(([name, port]) => ({
  interface: name,
  definition: { key: name, version: "1", name, kind: "FUNCTION", collections: [], args: [port], returns: [] },
}));

/** `assign` with the args spliced in as raw JSON text. */
async function assignRaw(server: TestServer, implementation: string, argsJson: string): Promise<{ data?: { assign: { id: string } } | null; errors?: Array<{ message: string }> }> {
  const body = `{"query": ${JSON.stringify(ASSIGN)}, "variables": {"input": {"implementation": ${JSON.stringify(implementation)}, "args": ${argsJson}}}}`;
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${T2}` },
    body,
  });
  return (await response.json()) as { data?: { assign: { id: string } } | null; errors?: Array<{ message: string }> };
}

describe("issue 9 #9: server-side arg validation is the agent's rule: a bad value is refused at assign with no task created", () => {
  const server = useSharedTestServer();
  let fixture: AgentFixture;
  let executor: AgentSocket;

  beforeAll(async () => {
    fixture = await setupAgent(server(), T1, IMPLEMENTATIONS);
    executor = (await server().connectAgent(T1)).socket;
  });

  const implementation = (name: PortName): string => implOf(fixture, name).id;

  for (const row of VALUE_TABLE.filter((r) => !r.fits)) {
    it(`refuses ${titleOf(row)}, naming "${row.path}", and creates no task`, async () => {
      const before = await listTaskIds(server(), T2);
      const result = await assignRaw(server(), implementation(row.port), `{"x": ${row.json}}`);
      expect(result.data?.assign ?? null).toBeNull();
      const message = (result.errors ?? []).map((e) => e.message).join(" | ");
      expect(message).toContain(`Invalid args for action "${row.port}": port "${row.path}": expected `);
      expect(await listTaskIds(server(), T2)).toEqual(before);
      await executor.expectNoFrame("ASSIGN", 20);
    });
  }

  for (const row of VALUE_TABLE.filter((r) => r.fits)) {
    it(`accepts ${titleOf(row)} and forwards it unchanged`, async () => {
      const result = await assignRaw(server(), implementation(row.port), `{"x": ${row.json}}`);
      expect(result.errors).toBeUndefined();
      const frame = await executor.next("ASSIGN");
      expect(frame.task).toBe(result.data?.assign.id);
      expect(frame.args).toEqual({ x: valueOf(row) });
    });
  }

  it("names every bad port of one assign in one error", async () => {
    const both: ImplementationInput = {
      interface: "both",
      definition: { key: "both", version: "1", name: "both", kind: "FUNCTION", collections: [], args: [{ ...PORTS.int, key: "n" }, { ...PORTS.image, key: "img" }], returns: [] },
    };
    const two = await setupAgent(server(), T1, [...IMPLEMENTATIONS, both]);
    const result = await assignRaw(server(), implOf(two, "both").id, '{"n": 9007199254740993, "img": {"__identifier": "@other/thing", "object": "1"}}');
    const message = (result.errors ?? []).map((e) => e.message).join(" | ");
    expect(message).toContain('port "n": expected an integer between -(2^53 - 1) and 2^53 - 1, got the number 9007199254740992');
    expect(message).toContain('port "img.__identifier": expected "@example/image", got the string "@other/thing"');
  });
});
