/**
 * Issue 10, "one rule per concern: frames": the protocol module (src/protocol/) is the only author of
 * agent-socket frames in both directions. Every encoder's output parses back with the protocol's own
 * parser to the same message; the server and the runtime agent hold no frame literals; the rules
 * (which reports are acknowledged, which are held, which outbox entries survive delivery, log
 * levels) are the protocol's, and the real server follows them.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Node, Project, SyntaxKind } from "ts-morph";
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import {
  ACKED_REPORT_TYPES,
  HELD_REPORT_TYPES,
  KEPT_UNTIL_ANSWERED_TYPES,
  TASK_EVENT_KINDS,
  TASK_REPORT_TYPES,
  TERMINAL_REPORT_TYPES,
  encodeAssign,
  encodeAssignRequest,
  encodeAssignResponse,
  encodeBounce,
  encodeCancel,
  encodeCancelRequest,
  encodeCancelled,
  encodeCollect,
  encodeCompleted,
  encodeControlResponse,
  encodeCritical,
  encodeEventAck,
  encodeFailed,
  encodeHeartbeat,
  encodeHeartbeatAnswer,
  encodeInit,
  encodeInterrupt,
  encodeInterruptRequest,
  encodeInterrupted,
  encodeKick,
  encodeLock,
  encodeLog,
  encodeMirror,
  encodePause,
  encodePauseRequest,
  encodePaused,
  encodeProgress,
  encodeProtocolError,
  encodeRegister,
  encodeResume,
  encodeResumeRequest,
  encodeResumed,
  encodeSessionInit,
  encodeStarted,
  encodeStatePatch,
  encodeStateSnapshot,
  encodeTaskReport,
  encodeUnlock,
  encodeYield,
  fromAgentSchemas,
  isHeldReport,
  keptUntilAnswered,
  mirrorTypeOf,
  normalizeLogLevel,
  parseFromAgent,
  parseToAgent,
  taskReport,
  toAgentSchemas,
  type TaskEventMirror,
} from "../../src/protocol/index.js";
import { STORE_FILE } from "../../src/server/store/store.js";
import type { Frame } from "../server/helpers/agent-socket.js";
import { setupAgent, startTask, implOf, type ImplementationInput } from "../server/helpers/fixture.js";
import { useTestServer } from "../server/helpers/server.js";
import { T1, T2 } from "../server/helpers/tokens.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface Case {
  /** The frame text an encoder wrote. */
  text: string;
  /** The message it must parse back to (every field, defaults included). */
  message: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// one case per frame type, both directions

const TO_AGENT: Case[] = [
  { text: encodeInit({ id: "i1", agent: "3", inquiries: [{ task: "7" }] }), message: { type: "INIT", id: "i1", agent: "3", inquiries: [{ task: "7" }] } },
  (() => {
    const fields = {
      id: "a1",
      task: "7",
      interface: "add",
      args: { a: 1, b: [2.5, "x"], c: null },
      user: "u",
      org: "o",
      action: "hash",
      implementation: "4",
      reference: "ref",
      capture: false,
      step: true,
      resolution: null,
      root: "1",
      parent: "2",
      message: null,
      token: null,
    };
    return { text: encodeAssign(fields), message: { type: "ASSIGN", ...fields } };
  })(),
  { text: encodeCancel({ id: "c1", task: "7" }), message: { type: "CANCEL", id: "c1", task: "7" } },
  { text: encodeInterrupt({ id: "c2", task: "7" }), message: { type: "INTERRUPT", id: "c2", task: "7" } },
  { text: encodePause({ id: "c3", task: "7" }), message: { type: "PAUSE", id: "c3", task: "7" } },
  { text: encodeResume({ id: "c4", task: "7", step: true }), message: { type: "RESUME", id: "c4", task: "7", step: true } },
  { text: encodeCollect({ id: "k1", drawers: ["d1", "d2"] }), message: { type: "COLLECT", id: "k1", drawers: ["d1", "d2"] } },
  { text: encodeBounce({ id: "b1", duration: 5 }), message: { type: "BOUNCE", id: "b1", duration: 5 } },
  { text: encodeKick({ id: "k2", reason: "blocked" }), message: { type: "KICK", id: "k2", reason: "blocked" } },
  { text: encodeHeartbeat({ id: "h1" }), message: { type: "HEARTBEAT", id: "h1" } },
  {
    text: encodeProtocolError({ id: "p1", error: "LOG: unknown task", event: "m1", task: "7" }),
    message: { type: "PROTOCOL_ERROR", id: "p1", error: "LOG: unknown task", event: "m1", task: "7" },
  },
  { text: encodeEventAck({ id: "e1", event: "m1", task: "7", seq: 3 }), message: { type: "EVENT_ACK", id: "e1", event: "m1", task: "7", seq: 3 } },
  {
    text: encodeAssignResponse({ id: "r1", request: "q1", reference: "k", task: "8", created: true, error: null }),
    message: { type: "ASSIGN_RESPONSE", id: "r1", request: "q1", reference: "k", task: "8", created: true, error: null },
  },
  {
    text: encodeControlResponse({ id: "r2", request: "q2", task: "8", accepted: false, error: "already terminal" }),
    message: { type: "CONTROL_RESPONSE", id: "r2", request: "q2", task: "8", accepted: false, error: "already terminal" },
  },
];

/** One mirror per task event kind, with the fields of its kind. */
function mirrorCase(kind: (typeof TASK_EVENT_KINDS)[number]): Case {
  const m: TaskEventMirror = { kind, task: "7", event: "42", seq: 42, message: "why", progress: 50, level: "WARN", returns: '{"return0":2.0}' };
  const message: Record<string, unknown> = { type: mirrorTypeOf(kind), id: "e42", task: "7", event: "42", seq: 42 };
  if (kind === "PROGRESS") Object.assign(message, { progress: 50, message: "why" });
  else if (kind === "YIELD") message.returns = { return0: 2 };
  else if (kind === "LOG") Object.assign(message, { message: "why", level: "WARN" });
  else if (kind === "FAILED" || kind === "CRITICAL") message.error = "why";
  else if (kind === "DISCONNECTED" || kind === "QUEUED") message.message = "why";
  return { text: encodeMirror(m), message };
}

const MIRRORS: Case[] = TASK_EVENT_KINDS.map(mirrorCase);

const FROM_AGENT: Case[] = [
  {
    text: encodeRegister({ id: "g1", token: "tok", force: true, session_id: "s1" }),
    message: { type: "REGISTER", id: "g1", token: "tok", force: true, session_id: "s1" },
  },
  { text: encodeHeartbeatAnswer({ id: "h2" }), message: { type: "HEARTBEAT_ANSWER", id: "h2" } },
  { text: encodeStarted({ task: "7", id: "m1", seq: 1 }), message: { type: "STARTED", task: "7", id: "m1", seq: 1 } },
  { text: encodeLog({ task: "7", message: "hi", level: "DEBUG", id: "m2", seq: 2 }), message: { type: "LOG", task: "7", message: "hi", level: "DEBUG", id: "m2", seq: 2 } },
  {
    text: encodeProgress({ task: "7", progress: 50, message: "half", id: "m3", seq: 3 }),
    message: { type: "PROGRESS", task: "7", progress: 50, message: "half", id: "m3", seq: 3 },
  },
  {
    text: encodeYield({ task: "7", id: "m4", seq: 4, returns: '{"return0":2.0,"return1":[1,{"x":"y"}]}' }),
    message: { type: "YIELD", task: "7", id: "m4", seq: 4, returns: { return0: 2, return1: [1, { x: "y" }] } },
  },
  { text: encodeCompleted({ task: "7", id: "m5", seq: 5 }), message: { type: "COMPLETED", task: "7", id: "m5", seq: 5 } },
  { text: encodeFailed({ task: "7", error: "bad", id: "m6", seq: 6 }), message: { type: "FAILED", task: "7", error: "bad", id: "m6", seq: 6 } },
  { text: encodeCritical({ task: "7", error: "boom", id: "m7", seq: 7 }), message: { type: "CRITICAL", task: "7", error: "boom", id: "m7", seq: 7 } },
  { text: encodeCancelled({ task: "7", id: "m8", seq: 8 }), message: { type: "CANCELLED", task: "7", id: "m8", seq: 8 } },
  { text: encodeInterrupted({ task: "7", id: "m9", seq: 9 }), message: { type: "INTERRUPTED", task: "7", id: "m9", seq: 9 } },
  { text: encodePaused({ task: "7", id: "m10", seq: 10 }), message: { type: "PAUSED", task: "7", id: "m10", seq: 10 } },
  { text: encodeResumed({ task: "7", id: "m11", seq: 11 }), message: { type: "RESUMED", task: "7", id: "m11", seq: 11 } },
  (() => {
    const fields = {
      id: "q1",
      reference: "k",
      args: { a: 1 },
      action: null,
      action_hash: "h",
      implementation: "4",
      agent: null,
      interface: "add",
      parent: "2",
      dependency: null,
      method: null,
      resolution: null,
      hooks: [],
      capture: false,
      ephemeral: false,
      step: false,
    };
    return { text: encodeAssignRequest(fields), message: { type: "ASSIGN_REQUEST", ...fields } };
  })(),
  { text: encodeCancelRequest({ id: "q2", task: "8", auto_interrupt: 5 }), message: { type: "CANCEL_REQUEST", id: "q2", task: "8", auto_interrupt: 5 } },
  { text: encodeInterruptRequest({ id: "q3", task: "8" }), message: { type: "INTERRUPT_REQUEST", id: "q3", task: "8" } },
  { text: encodePauseRequest({ id: "q4", task: "8" }), message: { type: "PAUSE_REQUEST", id: "q4", task: "8" } },
  { text: encodeResumeRequest({ id: "q5", task: "8", step: true }), message: { type: "RESUME_REQUEST", id: "q5", task: "8", step: true } },
  (() => {
    const fields = { id: "sp", session_id: "s1", global_rev: 3, state_name: "st", ts: 1.5, op: "replace", path: "/a", value: 2, old_value: 1, task_id: "7" };
    return { text: encodeStatePatch(fields), message: { type: "STATE_PATCH", ...fields } };
  })(),
  {
    text: encodeStateSnapshot({ id: "ss", session_id: "s1", global_rev: 3, snapshots: { st: { a: 2 } } }),
    message: { type: "STATE_SNAPSHOT", id: "ss", session_id: "s1", global_rev: 3, snapshots: { st: { a: 2 } } },
  },
  { text: encodeSessionInit({ id: "si", session_id: "s1", states: { st: {} } }), message: { type: "SESSION_INIT", id: "si", session_id: "s1", states: { st: {} } } },
  { text: encodeLock({ id: "l1", key: "k", task: "7" }), message: { type: "LOCK", id: "l1", key: "k", task: "7" } },
  { text: encodeUnlock({ id: "l2", key: "k" }), message: { type: "UNLOCK", id: "l2", key: "k" } },
];

describe("issue 10 frames: every encoder's output parses back to the same message", () => {
  it("there is a round-trip case for every frame type of both directions", () => {
    const toAgent = new Set([...TO_AGENT, ...MIRRORS].map((c) => c.message.type));
    const fromAgent = new Set(FROM_AGENT.map((c) => c.message.type));
    expect([...toAgent].sort()).toEqual(Object.keys(toAgentSchemas).sort());
    expect([...fromAgent].sort()).toEqual(Object.keys(fromAgentSchemas).sort());
  });

  for (const c of [...TO_AGENT, ...MIRRORS]) {
    it(`server -> agent ${String(c.message.type)}`, () => {
      const parsed = parseToAgent(c.text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      expect(parsed.message).toEqual(c.message);
      // no field the parser drops: the frame carries exactly the message
      expect(JSON.parse(c.text)).toEqual(c.message);
    });
  }

  for (const c of FROM_AGENT) {
    it(`agent -> server ${String(c.message.type)}`, () => {
      const parsed = parseFromAgent(c.text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      expect(parsed.message).toEqual(c.message);
      expect(JSON.parse(c.text)).toEqual(c.message);
    });
  }

  it("a missing id is a fresh uuid; optional fields left out are not written", () => {
    const a = JSON.parse(encodeHeartbeat()) as { id: string };
    const b = JSON.parse(encodeHeartbeat()) as { id: string };
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
    expect(encodeProtocolError({ id: "p", error: "bad" })).toBe('{"type":"PROTOCOL_ERROR","id":"p","error":"bad"}');
    expect(encodeProgress({ task: "7", progress: 0, id: "m", seq: 1 })).toBe('{"type":"PROGRESS","task":"7","progress":0,"id":"m","seq":1}');
  });

  it("keeps the field order the wire had before the encoders (reports end with id and seq)", () => {
    expect(encodeEventAck({ id: "x", event: "m", task: "1", seq: 3 })).toBe('{"type":"EVENT_ACK","id":"x","event":"m","task":"1","seq":3}');
    expect(encodeRegister({ id: "g", token: "t", force: false, session_id: "s" })).toBe('{"type":"REGISTER","id":"g","token":"t","force":false,"session_id":"s"}');
    expect(encodeTaskReport(taskReport("FAILED", { task: "1", error: "e" }), "m", 2)).toBe('{"type":"FAILED","task":"1","error":"e","id":"m","seq":2}');
    expect(encodeMirror({ kind: "LOG", task: "1", event: "5", seq: 5, message: "m", level: "INFO" })).toBe(
      '{"type":"LOG_EVENT","id":"e5","task":"1","event":"5","seq":5,"message":"m","level":"INFO"}',
    );
    expect(encodeCancel({ id: "c", task: "1" })).toBe('{"type":"CANCEL","id":"c","task":"1"}');
  });
});

describe("issue 10 frames: returns text is spliced in as it is", () => {
  it('the YIELD_EVENT mirror of a stored returns text {"return0":2.0} carries 2.0 on the socket', () => {
    const text = encodeMirror({ kind: "YIELD", task: "7", event: "42", seq: 42, returns: '{"return0":2.0}' });
    expect(text).toBe('{"type":"YIELD_EVENT","id":"e42","task":"7","event":"42","seq":42,"returns":{"return0":2.0}}');
    expect(encodeMirror({ kind: "YIELD", task: "7", event: "43", seq: 43, returns: null })).toBe(
      '{"type":"YIELD_EVENT","id":"e43","task":"7","event":"43","seq":43,"returns":null}',
    );
  });

  it("a YIELD report carries the returns text it was given (2.0 stays 2.0)", () => {
    expect(encodeYield({ task: "7", id: "m", seq: 1, returns: '{"return0":2.0}' })).toBe('{"type":"YIELD","task":"7","id":"m","seq":1,"returns":{"return0":2.0}}');
    expect(encodeTaskReport(taskReport("YIELD", { task: "7", returns: { return0: 2 } }), "m", 1, '{"return0":2.0}')).toContain('"returns":{"return0":2.0}}');
  });
});

describe("issue 10 frames: the protocol's rules", () => {
  it("agree with each other: held reports other than YIELD are acknowledged; every terminal report is held", () => {
    for (const type of HELD_REPORT_TYPES) if (type !== "YIELD") expect(ACKED_REPORT_TYPES.has(type as never), type).toBe(true);
    for (const type of TERMINAL_REPORT_TYPES) expect(isHeldReport(type), type).toBe(true);
    for (const type of ACKED_REPORT_TYPES) expect(TASK_REPORT_TYPES.has(type), type).toBe(true);
    expect([...ACKED_REPORT_TYPES].sort()).toEqual(["CANCELLED", "COMPLETED", "CRITICAL", "FAILED", "INTERRUPTED", "PAUSED", "RESUMED", "STARTED"]);
    expect(["LOG", "PROGRESS", "YIELD"].some((t) => ACKED_REPORT_TYPES.has(t as never))).toBe(false);
    for (const type of KEPT_UNTIL_ANSWERED_TYPES) expect(Object.keys(toAgentSchemas)).toContain(type);
    expect(["ASSIGN", "CANCEL", "INTERRUPT", "PAUSE", "RESUME"].every(keptUntilAnswered)).toBe(true);
    expect(["KICK", "BOUNCE", "HEARTBEAT", "EVENT_ACK", "COMPLETED_EVENT"].some(keptUntilAnswered)).toBe(false);
  });

  it("normalise log levels the way the server stores them", () => {
    expect(normalizeLogLevel("warning")).toBe("WARN");
    expect(normalizeLogLevel("debug")).toBe("DEBUG");
    expect(normalizeLogLevel("CRITICAL")).toBe("CRITICAL");
    expect(normalizeLogLevel("loud")).toBe("INFO");
    expect(normalizeLogLevel(undefined)).toBe("INFO");
    expect(normalizeLogLevel(3)).toBe("INFO");
  });
});

describe("issue 10 frames: the real server follows the protocol's rules", () => {
  const server = useTestServer();

  it("acknowledges exactly the report types of ACKED_REPORT_TYPES", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1);
    const { socket } = await s.connectAgent(T1);
    const { task } = await startTask(s, socket, T2, implOf(fixture, "add").id, { a: 1, b: 2 });
    const sent = [
      socket.report("LOG", task.id, { message: "hi", level: "INFO" }),
      socket.report("PROGRESS", task.id, { progress: 10 }),
      socket.report("PAUSED", task.id),
      socket.report("RESUMED", task.id),
      socket.report("YIELD", task.id, { returns: { return0: 3 } }),
      socket.report("COMPLETED", task.id),
    ];
    const last = sent.at(-1)!;
    await socket.next((f) => f.type === "EVENT_ACK" && f.event === last.id);
    // acks go out in order after each commit: the one for COMPLETED comes last
    const acked = new Set(socket.seen("EVENT_ACK").map((f) => f.event));
    const expected = sent.filter((f) => ACKED_REPORT_TYPES.has(f.type as never)).map((f) => f.id);
    expect(sent.filter((f) => acked.has(f.id)).map((f) => f.id)).toEqual(expected);
    expect(expected.length).toBe(3);
  });

  it("a YIELD_EVENT mirror carries the stored returns text byte for byte", async () => {
    const s = server();
    const HALF: ImplementationInput = {
      interface: "half",
      effect: "NONE",
      definition: {
        key: "half",
        version: "1",
        name: "Half",
        kind: "FUNCTION",
        collections: [],
        args: [],
        returns: [{ key: "return0", kind: "FLOAT", nullable: false }],
      },
    };
    const fixtureA = await setupAgent(s, T1);
    const fixtureB = await setupAgent(s, T2, [HALF]);
    const { socket: a } = await s.connectAgent(T1);
    const { socket: b } = await s.connectAgent(T2);
    const { task: parent } = await startTask(s, a, T2, implOf(fixtureA, "add").id, { a: 1, b: 2 });
    const raw: string[] = [];
    a.ws.on("message", (data: WebSocket.RawData) => raw.push(String(data)));
    a.send(encodeAssignRequest({ id: "r1", reference: "k", implementation: implOf(fixtureB, "half").id, parent: parent.id, args: {} }));
    const child = String((await a.next((f: Frame) => f.type === "ASSIGN_RESPONSE" && f.request === "r1")).task);
    await b.next((f: Frame) => f.type === "ASSIGN" && f.task === child);
    await b.reportAcked("STARTED", child);
    b.send(encodeYield({ task: child, id: "y1", seq: 2, returns: '{"return0":2.0}' }));
    const mirror = await a.next((f: Frame) => f.type === "YIELD_EVENT" && f.task === child);

    // the server holds its store exclusively: read what it stored once it is down
    await s.handle.close();
    const db = new Database(join(s.dataDir, STORE_FILE), { readonly: true, fileMustExist: true });
    let stored: { id: number; returns: string };
    try {
      stored = db.prepare("SELECT id, returns FROM task_event WHERE task_id = ? AND kind = 'YIELD'").get(Number(child)) as { id: number; returns: string };
    } finally {
      db.close();
    }
    expect(mirror.event).toBe(String(stored.id));
    const text = raw.find((t) => t.includes('"YIELD_EVENT"'));
    expect(text).toBe(`{"type":"YIELD_EVENT","id":"e${stored.id}","task":"${child}","event":"${stored.id}","seq":${stored.id},"returns":${stored.returns}}`);
  });
});

// ---------------------------------------------------------------------------------------------
// no frame literals outside the protocol

/**
 * Frame literals, as `file:line TYPE`: object literals with a `type:` property whose value is a frame
 * type name (or a mirror type computed with `mirrorTypeOf`), and object literals with a `type:`
 * property that are serialised or sent (`JSON.stringify(...)`, `.send(...)`, `.enqueue(...)`,
 * directly or through a variable of the same file), whatever their `type` holds.
 */
function frameLiterals(folders: string[]): string[] {
  const names = new Set([...Object.keys(toAgentSchemas), ...Object.keys(fromAgentSchemas)]);
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  for (const folder of folders) project.addSourceFilesAtPaths(join(root, folder, "**/*.ts"));
  const found: string[] = [];
  for (const file of project.getSourceFiles()) {
    const where = (node: Node, what: string) => found.push(`${relative(root, file.getFilePath())}:${node.getStartLineNumber()} ${what}`);
    // names of variables that are serialised or sent in this file
    const written = new Set<string>();
    const writes: Node[] = [];
    for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const callee = call.getExpression().getText();
      if (callee === "JSON.stringify" || /\.(send|enqueue)$/.test(callee)) {
        for (const arg of call.getArguments()) {
          if (Node.isIdentifier(arg)) written.add(arg.getText());
          writes.push(arg);
        }
      }
    }
    for (const literal of file.getDescendantsOfKind(SyntaxKind.ObjectLiteralExpression)) {
      const property = literal.getProperty("type");
      if (!property || !Node.isPropertyAssignment(property)) continue;
      const value = property.getInitializer();
      if (!value) continue;
      if ((Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) && names.has(value.getLiteralValue())) {
        where(literal, value.getLiteralValue());
        continue;
      }
      if (Node.isCallExpression(value) && value.getExpression().getText() === "mirrorTypeOf") {
        where(literal, "*_EVENT");
        continue;
      }
      const parent = literal.getParent();
      const variable = Node.isVariableDeclaration(parent) ? parent.getName() : undefined;
      if (writes.includes(literal) || (variable !== undefined && written.has(variable))) where(literal, `type: ${value.getText()}`);
    }
  }
  return found;
}

describe("issue 10 frames: the protocol is the only author of frames", () => {
  it("issue 10 frames: src/server/ and src/runtime/agent/ hold no frame literal (an object with `type:` set to a frame type name, or one they serialise or send)", () => {
    expect(frameLiterals(["src/server", "src/runtime/agent"])).toEqual([]);
  });

  it("the check finds frame literals where they are (protocol/frames.ts writes them)", () => {
    const inProtocol = frameLiterals(["src/protocol"]);
    expect(inProtocol.some((f) => f.startsWith("src/protocol/frames.ts") && f.endsWith(" EVENT_ACK"))).toBe(true);
    // and frames.ts has an encoder per frame type: its literals name every type but the mirrors (one encoder)
    const written = new Set(inProtocol.map((f) => f.split(" ")[1]));
    const mirrors = new Set(TASK_EVENT_KINDS.map(mirrorTypeOf) as string[]);
    for (const type of [...Object.keys(toAgentSchemas), ...Object.keys(fromAgentSchemas)]) {
      if (!mirrors.has(type)) expect(written.has(type), type).toBe(true);
    }
    expect(readFileSync(join(root, "src/protocol/frames.ts"), "utf8")).toContain("export function encodeMirror");
  });
});
