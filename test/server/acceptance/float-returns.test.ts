/**
 * Issue 10 #3 (server half): a whole-number FLOAT return keeps its float text (`2.0`) on every GraphQL
 * output path, also inside LIST, DICT, MODEL and UNION ports. The released Python caller refuses `2`
 * for a float port, so these tests read the RAW TEXT of what the server sends (parsed JSON cannot tell
 * `2.0` from `2`): HTTP `task.events { returns }`, a graphql-transport-ws `next` frame and a legacy
 * graphql-ws `data` frame (live, and from the mytasks replay).
 *
 * The agent is a raw socket that writes its YIELD frame text by hand: once with `2.0` as a Python agent
 * writes it, once with `2` (an agent that lost the `.0`: the server writes the returns on the action's
 * return ports, so it repairs them).
 *
 * Also the issue 9 leftover: variables nested deeper than `maxVariablesDepth` are refused with a GraphQL
 * error on every transport before graphql-js coerces them (30,000 levels overflowed its stack: HTTP 500).
 */
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { assign, implOf, setupAgent, type ImplementationInput, type PortInput } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { RawJson, expandRawJson } from "../../../src/server/graphql/raw-json.js";

const FLOAT = (key: string): PortInput => ({ key, kind: "FLOAT", nullable: false });

/** Returns of every structured kind around FLOAT, and a STRING. */
const MEASURE: ImplementationInput = {
  interface: "measure",
  effect: "NONE",
  definition: {
    key: "measure",
    version: "1",
    name: "Measure",
    kind: "FUNCTION",
    description: "float returns (issue 10 #3)",
    collections: [],
    args: [],
    returns: [
      FLOAT("scalar"),
      { key: "series", kind: "LIST", nullable: false, children: [FLOAT("item")] },
      { key: "weights", kind: "DICT", nullable: false, children: [FLOAT("value")] },
      { key: "point", kind: "MODEL", identifier: "point", nullable: false, children: [FLOAT("x"), { key: "label", kind: "STRING", nullable: false }] },
      { key: "either", kind: "UNION", nullable: false, children: [{ key: "count", kind: "INT", nullable: false }, FLOAT("amount")] },
      { key: "note", kind: "STRING", nullable: false },
    ],
  },
};

/** A STRING return that looks like a marker of the server's raw-JSON output (its NUL first character included), without its nonce. */
const LOOKALIKE = '\u0000arkitekt-raw-json:guessed-nonce:{"evil":1}';

/** The YIELD returns as the agent writes them, with whole numbers written `2.0` (Python) or `2`. */
function returnsText(whole: (n: number) => string): string {
  return (
    `{"scalar":${whole(2)},"series":[${whole(1)},2.5],"weights":{"a":${whole(2)},"b":0.5},` +
    `"point":{"__identifier":"point","x":${whole(3)},"label":"p"},"either":{"__use":1,"__value":${whole(4)}},` +
    `"note":${JSON.stringify(LOOKALIKE)}}`
  );
}

/** What every output path must carry, byte for byte. */
const EXPECTED = returnsText((n) => `${n}.0`);

/** A WebSocket that keeps every text frame as received (raw text, not parsed). */
class TextSocket {
  readonly texts: string[] = [];
  private wake: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.texts.push(String(data));
      this.wake?.();
    });
    ws.on("error", () => undefined);
  }

  static async open(url: string, protocol: string, token: string): Promise<TextSocket> {
    const ws = new WebSocket(url, [protocol]);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const socket = new TextSocket(ws);
    socket.send({ type: "connection_init", payload: { token } });
    await socket.next((frame) => frame.type === "connection_ack");
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The raw text of the first frame (from the start) whose parsed form matches. */
  async next(match: (frame: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.texts.find((text) => match(JSON.parse(text) as Record<string, unknown>));
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${this.texts.join("\n").slice(0, 1000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

const MYTASKS = "subscription { mytasks { event { id task kind returns } } }";

/** The `mytasks` YIELD event frame of `task` (its payload nests data.mytasks.event). */
function isYieldFrame(task: string) {
  return (frame: Record<string, unknown>): boolean => {
    const event = (frame.payload as { data?: { mytasks?: { event?: { task: string; kind: string } | null } } } | undefined)?.data?.mytasks?.event;
    return event?.task === task && event.kind === "YIELD";
  };
}

/** Subscribes `mytasks` and waits for a query over the same socket, so the subscription is in place. */
async function subscribeMyTasks(socket: TextSocket, protocol: "graphql-transport-ws" | "graphql-ws"): Promise<void> {
  const [subscribe, done] = protocol === "graphql-transport-ws" ? ["subscribe", "next"] : ["start", "data"];
  socket.send({ type: subscribe, id: "mytasks", payload: { query: MYTASKS } });
  socket.send({ type: subscribe, id: "ready", payload: { query: "query { __typename }" } });
  await socket.next((frame) => frame.type === done && frame.id === "ready");
}

/** The raw HTTP response text of `task.events { returns }`. */
async function httpEventsText(s: TestServer, task: string): Promise<string> {
  const response = await fetch(s.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${T2}` },
    body: JSON.stringify({ query: "query Task($id: ID!) { task(id: $id) { events { kind returns } } }", variables: { id: task } }),
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe("issue 10 #3: whole-number FLOAT returns keep their .0 on every GraphQL output path", () => {
  const server = useTestServer();

  for (const [agentWrites, whole] of [
    ["2.0 (as a Python agent writes it)", (n: number) => `${n}.0`],
    ["2 (the server repairs it on the return ports)", (n: number) => String(n)],
  ] as const) {
    it(`issue 10 #3: an agent that sends ${agentWrites}: HTTP task.events, graphql-transport-ws next and legacy graphql-ws data frames carry 2.0`, async () => {
      const s = server();
      const fixture = await setupAgent(s, T1, [MEASURE]);
      const { socket: agent } = await s.connectAgent(T1);
      const transport = await TextSocket.open(s.graphqlWsUrl, "graphql-transport-ws", T2);
      const legacy = await TextSocket.open(s.graphqlWsUrl, "graphql-ws", T2);
      try {
        await subscribeMyTasks(transport, "graphql-transport-ws");
        await subscribeMyTasks(legacy, "graphql-ws");

        const task = await assign(s, T2, { implementation: implOf(fixture, "measure").id, args: {} });
        await agent.next((f) => f.type === "ASSIGN" && f.task === task.id);
        agent.send(`{"type":"YIELD","id":"y-${task.id}","task":"${task.id}","seq":1,"returns":${returnsText(whole)}}`);
        await agent.reportAcked("COMPLETED", task.id);

        const next = await transport.next((f) => f.type === "next" && isYieldFrame(task.id)(f));
        expect(next).toContain(`"returns":${EXPECTED}`);
        const data = await legacy.next((f) => f.type === "data" && isYieldFrame(task.id)(f));
        expect(data).toContain(`"returns":${EXPECTED}`);
        const http = await httpEventsText(s, task.id);
        expect(http).toContain(`{"kind":"YIELD","returns":${EXPECTED}}`);

        // the mytasks replay (a subscriber that opens after the task is done) serves the same text
        const late = await TextSocket.open(s.graphqlWsUrl, "graphql-ws", T2);
        try {
          late.send({ type: "start", id: "late", payload: { query: MYTASKS } });
          const replayed = await late.next((f) => f.type === "data" && isYieldFrame(task.id)(f));
          expect(replayed).toContain(`"returns":${EXPECTED}`);
        } finally {
          late.close();
        }
      } finally {
        transport.close();
        legacy.close();
      }
    });
  }

  it("issue 10 #3: a STRING return that looks like a raw-JSON marker (without the server's nonce) is served as a plain string", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [MEASURE]);
    const { socket: agent } = await s.connectAgent(T1);
    const task = await assign(s, T2, { implementation: implOf(fixture, "measure").id, args: {} });
    await agent.next((f) => f.type === "ASSIGN" && f.task === task.id);
    agent.report("YIELD", task.id, { returns: { scalar: 1.5, series: [], weights: {}, point: { __identifier: "point", x: 0.5, label: "" }, either: { __use: 0, __value: 1 }, note: LOOKALIKE } });
    await agent.reportAcked("COMPLETED", task.id);
    const text = await httpEventsText(s, task.id);
    expect(text).toContain(`"note":${JSON.stringify(LOOKALIKE)}`);
    const parsed = JSON.parse(text) as { data: { task: { events: Array<{ kind: string; returns: Record<string, unknown> | null }> } } };
    expect(parsed.data.task.events.find((e) => e.kind === "YIELD")?.returns?.note).toBe(LOOKALIKE);
  });

  it("issue 10 #3: a raw-JSON marker that cannot be expanded never leaks the server's nonce", () => {
    const marker = JSON.stringify({ a: new RawJson("[1.0]") });
    const nonce = /arkitekt-raw-json:([^:]+):/.exec(marker)?.[1];
    expect(nonce).toBeTruthy();
    // issue 18: the marker is written in printable ASCII, so a frame that carries one stays a one-byte string
    expect(marker).toMatch(/^[\x20-\x7e]*$/);
    expect(expandRawJson(marker)).toBe('{"a":[1.0]}');
    // cut before its closing quote: left as a string, without the prefix and nonce
    const broken = expandRawJson(marker.slice(0, -2));
    expect(broken).not.toContain(nonce);
    expect(expandRawJson('{"a":"arkitekt-raw-json:other:1"}')).toBe('{"a":"arkitekt-raw-json:other:1"}');
  });
});

/** `implementAgent` variables whose one arg port nests `levels` LIST ports deep (built as text: JSON.stringify would recurse). */
function deepImplementAgent(levels: number): { query: string; variablesText: string } {
  const open = '{"key":"p","kind":"LIST","nullable":false,"children":[';
  const leaf = '{"key":"p","kind":"INT","nullable":false}';
  const port = open.repeat(levels) + leaf + "]}".repeat(levels);
  const definition = `{"key":"deep","version":"1","name":"Deep","kind":"FUNCTION","collections":[],"args":[${port}],"returns":[]}`;
  return {
    query: "mutation ImplementAgent($input: ImplementAgentInput!) { implementAgent(input: $input) { id } }",
    variablesText: `{"input":{"implementations":[{"interface":"deep","effect":"NONE","definition":${definition}}]}}`,
  };
}

describe("issue 9 (leftover): variables nested too deep are refused before graphql-js coerces them", () => {
  const server = useTestServer();
  const LIMIT_NAMED = /maxVariablesDepth/;

  it("issue 9: implementAgent with port children nested 30,000 deep in the variables answers a GraphQL error naming the limit, over HTTP and both WebSocket protocols", async () => {
    const s = server();
    await setupAgent(s, T1, []);
    const { query, variablesText } = deepImplementAgent(30_000);

    const response = await fetch(s.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${T1}` },
      body: `{"query":${JSON.stringify(query)},"variables":${variablesText}}`,
    });
    const body = (await response.json()) as { errors?: Array<{ message: string }> };
    expect(body.errors?.[0]?.message).toMatch(LIMIT_NAMED);
    // it names where: the arg port's children
    expect(body.errors?.[0]?.message).toContain("variables.input.implementations[0].definition.args[0].children[0]");

    const transport = await TextSocket.open(s.graphqlWsUrl, "graphql-transport-ws", T1);
    try {
      transport.send(`{"type":"subscribe","id":"deep","payload":{"query":${JSON.stringify(query)},"variables":${variablesText}}}`);
      const error = await transport.next((f) => f.id === "deep" && (f.type === "error" || f.type === "next"));
      expect(error).toMatch(LIMIT_NAMED);
      expect(transport.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      transport.close();
    }

    const legacy = await TextSocket.open(s.graphqlWsUrl, "graphql-ws", T1);
    try {
      legacy.send(`{"type":"start","id":"deep","payload":{"query":${JSON.stringify(query)},"variables":${variablesText}}}`);
      const data = await legacy.next((f) => f.id === "deep" && (f.type === "data" || f.type === "error"));
      expect(data).toMatch(LIMIT_NAMED);
      expect(legacy.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      legacy.close();
    }
  });

  it("issue 9: a port tree nested 25 port levels deep (50 JSON levels of children) is still accepted", async () => {
    const s = server();
    await setupAgent(s, T1, []);
    const { query, variablesText } = deepImplementAgent(25);
    const response = await fetch(s.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${T1}` },
      body: `{"query":${JSON.stringify(query)},"variables":${variablesText}}`,
    });
    const body = (await response.json()) as { data?: { implementAgent: { id: string } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.implementAgent.id).toBeTruthy();
  });
});
