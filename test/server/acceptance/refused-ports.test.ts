/**
 * Issue 13, "Refusals at the field": an `assign` whose args do not fit the action's ports is refused
 * with the same message as before, and the GraphQL error's `extensions` carry each refused port:
 * `{ code: "INVALID_ARGS", ports: [{ path, message }] }`, so a form shows each at its field. Over HTTP,
 * both WebSocket subprotocols, and through our caller (`AssignError.ports`). Real server and sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssignError, createClient, type ArkitektClient } from "../../../src/runtime/caller/index.js";
import { refusedPortsOf } from "../../../src/runtime/caller/errors.js";
import type { AgentSocket } from "../helpers/agent-socket.js";
import { ASSIGN, implOf, listTaskIds, setupAgent, type AgentFixture, type ImplementationInput } from "../helpers/fixture.js";
import { openLegacy, openTransport } from "../helpers/raw-ws.js";
import { useSharedTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";

const POINT = { key: "item", kind: "MODEL", identifier: "point", nullable: false, children: [{ key: "x", kind: "FLOAT", nullable: false }, { key: "y", kind: "FLOAT", nullable: false }] };

/** Ports nested every way a form nests fields: a list of models, a model holding a list, a union, a dict, a scalar. */
const NESTED: ImplementationInput = {
  interface: "nested",
  effect: "NONE",
  definition: {
    key: "nested",
    version: "1",
    name: "Nested",
    kind: "FUNCTION",
    description: "ports nested every way (issue 13 fixture)",
    collections: [],
    args: [
      { key: "points", kind: "LIST", nullable: false, children: [POINT] },
      {
        key: "settings",
        kind: "MODEL",
        identifier: "settings",
        nullable: false,
        children: [
          { key: "threshold", kind: "FLOAT", nullable: false },
          { key: "tags", kind: "LIST", nullable: false, children: [{ key: "item", kind: "STRING", nullable: false }] },
        ],
      },
      {
        key: "label",
        kind: "UNION",
        nullable: false,
        children: [
          { key: "number", kind: "INT", nullable: false },
          { key: "text", kind: "STRING", nullable: false },
        ],
      },
      { key: "weights", kind: "DICT", nullable: false, children: [{ key: "value", kind: "FLOAT", nullable: false }] },
      { key: "count", kind: "INT", nullable: false },
    ],
    returns: [],
  },
};

const GOOD = {
  points: [{ x: 1, y: 2 }],
  settings: { threshold: 0.5, tags: ["a"] },
  label: { __use: 1, __value: "text" },
  weights: { a: 1 },
  count: 3,
};

/** Bad at four nested places and one top-level port. */
const BAD = {
  points: [{ x: 1, y: 2 }, { x: "a", y: 2 }],
  settings: { threshold: 0.5, tags: ["a", 3] },
  label: { __use: 0, __value: "x" },
  weights: { a: 1, b: "heavy" },
  count: 1.5,
};
const BAD_PATHS = ["points[1].x", "settings.tags[1]", "label.__value", "weights.b", "count"];

interface ErrorEntry {
  message: string;
  extensions?: { code?: string; ports?: Array<{ path: string; message: string }>; omitted?: number };
}

describe("issue 13: assign refusals carry the refused ports in extensions", () => {
  const server = useSharedTestServer();
  let fixture: AgentFixture;
  let executor: AgentSocket;

  beforeAll(async () => {
    fixture = await setupAgent(server(), T1, [NESTED]);
    executor = (await server().connectAgent(T1)).socket;
  });

  const input = (args: unknown) => ({ implementation: implOf(fixture, "nested").id, args });

  it("issue 13: over HTTP, INVALID_ARGS names each bad port (nested list, model, union, dict paths) in extensions.ports, and the message stays", async () => {
    const s = server();
    expect(executor).toBeDefined();
    const response = await s.request<unknown>(T2, ASSIGN, { input: input(BAD) });
    const error = response.errors?.[0] as ErrorEntry;
    expect(error.extensions?.code).toBe("INVALID_ARGS");
    expect(error.extensions?.ports?.map((p) => p.path)).toEqual(BAD_PATHS);
    expect(error.extensions?.ports?.[0]).toEqual({ path: "points[1].x", message: 'expected a finite number, got the string "a"' });
    expect(error.extensions?.ports?.[1]?.message).toMatch(/^expected a string, got the number 3$/);
    expect(error.extensions?.omitted).toBeUndefined();
    // the message is as before: every problem in words, naming the action
    expect(error.message).toMatch(/^Invalid args for action "nested": port "points\[1\]\.x": expected a finite number, got the string "a"; port "settings\.tags\[1\]"/);
    expect(await listTaskIds(s, T2)).toEqual([]);
    // and good args still make a task
    const ok = await s.request<{ assign: { id: string } }>(T2, ASSIGN, { input: input(GOOD) });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.assign.id).toMatch(/^\d+$/);
  });

  it("issue 13: a missing port and an unknown port are refused at their own paths", async () => {
    const s = server();
    const { count: _count, ...withoutCount } = GOOD;
    const response = await s.request<unknown>(T2, ASSIGN, { input: input({ ...withoutCount, colour: "red" }) });
    const ports = (response.errors?.[0] as ErrorEntry).extensions?.ports ?? [];
    expect(ports.map((p) => p.path).sort()).toEqual(["colour", "count"]);
    expect(ports.find((p) => p.path === "count")?.message).toMatch(/missing/);
  });

  it("issue 13: more problems than the check reports: extensions.omitted counts the rest", async () => {
    const s = server();
    const many = { ...GOOD, points: Array.from({ length: 30 }, () => ({ x: "no", y: 0 })) };
    const response = await s.request<unknown>(T2, ASSIGN, { input: input(many) });
    const error = response.errors?.[0] as ErrorEntry;
    expect(error.extensions?.code).toBe("INVALID_ARGS");
    expect(error.extensions?.ports).toHaveLength(20);
    expect(error.extensions?.ports?.[19]?.path).toBe("points[19].x");
    expect(error.extensions?.omitted).toBe(10);
    expect(error.message).toContain("and 10 more");
  });

  it("issue 13: args nested past maxJsonDepth are refused at the port that is too deep", async () => {
    const s = server();
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    const response = await s.request<unknown>(T2, ASSIGN, { input: input({ ...GOOD, points: deep }) });
    const error = response.errors?.[0] as ErrorEntry;
    expect(error.extensions?.code).toBe("INVALID_ARGS");
    expect(error.extensions?.ports).toHaveLength(1);
    expect(error.extensions?.ports?.[0]?.path).toMatch(/^points\[0\]\[0\]/);
    expect(error.extensions?.ports?.[0]?.message).toMatch(/nested deeper than 64 levels/);
    expect(error.message).toMatch(/^Invalid args for action "nested": port "points\[0\]/);
  });

  it("issue 13: over the legacy graphql-ws socket, the refusal carries the same extensions", async () => {
    const s = server();
    const socket = await openLegacy(s.graphqlWsUrl, T2);
    try {
      socket.send({ type: "start", id: "a1", payload: { query: ASSIGN, variables: { input: input(BAD) } } });
      const frame = await socket.next((f) => f.type === "data" && f.id === "a1");
      const error = (frame.payload as { errors: ErrorEntry[] }).errors[0]!;
      expect(error.extensions?.code).toBe("INVALID_ARGS");
      expect(error.extensions?.ports?.map((p) => p.path)).toEqual(BAD_PATHS);
    } finally {
      socket.terminate();
    }
  });

  it("issue 13: over graphql-transport-ws, the refusal carries the same extensions", async () => {
    const s = server();
    const socket = await openTransport(s.graphqlWsUrl, T2);
    try {
      socket.send({ type: "subscribe", id: "a1", payload: { query: ASSIGN, variables: { input: input(BAD) } } });
      const frame = await socket.next((f) => f.type === "next" && f.id === "a1");
      const error = (frame.payload as { errors: ErrorEntry[] }).errors[0]!;
      expect(error.extensions?.code).toBe("INVALID_ARGS");
      expect(error.extensions?.ports?.map((p) => p.path)).toEqual(BAD_PATHS);
    } finally {
      socket.terminate();
    }
  });

  describe("our caller", () => {
    let client: ArkitektClient;
    beforeAll(() => {
      client = createClient({ url: server().url, token: T2 });
    });
    afterAll(async () => {
      await client.close();
    });

    it("issue 13: a refused call throws AssignError with the platform's message and the refused ports", async () => {
      const refused = await client.call({ implementation: implOf(fixture, "nested").id }, BAD).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AssignError);
      const error = refused as AssignError;
      expect(error.message).toMatch(/Invalid args for action "nested": port "points\[1\]\.x"/);
      expect(error.ports?.map((p) => p.path)).toEqual(BAD_PATHS);
    });
  });

  it("issue 13: refusedPortsOf reads only INVALID_ARGS extensions and skips malformed entries", () => {
    expect(refusedPortsOf(undefined)).toBeUndefined();
    expect(refusedPortsOf({ code: "NOT_FOUND", ports: [{ path: "a", message: "m" }] })).toBeUndefined();
    expect(refusedPortsOf({ code: "INVALID_ARGS", ports: [{ path: "a", message: "m" }, { path: 1 }, null, "x"] })).toEqual([{ path: "a", message: "m" }]);
    expect(refusedPortsOf({ code: "INVALID_ARGS", ports: [] })).toEqual([]);
  });
});
