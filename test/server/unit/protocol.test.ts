import { describe, expect, it } from "vitest";
import {
  CloseCode,
  FromAgentType,
  ToAgentType,
  jsonDepthExceeds,
  parseFromAgent,
  parseToAgent,
} from "../../../src/protocol/index.js";

describe("parseFromAgent", () => {
  it("parses a REGISTER and fills force=false and a fresh id", () => {
    const result = parseFromAgent('{"type":"REGISTER","token":"t"}');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.type).toBe("REGISTER");
    expect(result.message).toMatchObject({ token: "t", force: false });
    expect(typeof result.message.id).toBe("string");
    expect(result.message.id.length).toBeGreaterThan(0);
  });

  it("accepts the legacy mode field on REGISTER", () => {
    const result = parseFromAgent({ type: "REGISTER", token: "t", force: false, mode: "EXECUTOR" });
    expect(result.ok).toBe(true);
  });

  it("accepts the null seq that released Python agents send on every report", () => {
    for (const type of ["STARTED", "PROGRESS", "YIELD", "COMPLETED"]) {
      const result = parseFromAgent({ type, task: "1", seq: null });
      expect(result.ok, type).toBe(true);
    }
    expect(parseFromAgent({ type: "COMPLETED", task: "1", seq: "7" }).ok).toBe(false);
  });

  it("refuses an unknown REGISTER field and names it", () => {
    const result = parseFromAgent({ type: "REGISTER", token: "t", colour: "red" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: "invalid_field", frameType: "REGISTER", field: "colour" });
    expect(result.error.message).toContain('"colour"');
  });

  it("ignores unknown fields on other messages (they are stripped)", () => {
    const result = parseFromAgent({ type: "COMPLETED", id: "m1", task: "5", seq: 7, extra: true });
    expect(result).toEqual({ ok: true, message: { type: "COMPLETED", id: "m1", task: "5", seq: 7 } });
  });

  it("names frame type, field, expected and received for a wrong field type", () => {
    const result = parseFromAgent('{"type":"PROGRESS","id":"x","task":"1","progress":"lots"}');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: "invalid_field", frameType: "PROGRESS", field: "progress", expected: "number", messageId: "x" });
    expect(result.error.received).toContain("string");
    expect(result.error.message).toMatch(/^PROGRESS\.progress: expected number, received string/);
  });

  it("reports a missing required field", () => {
    const result = parseFromAgent({ type: "FAILED", task: "1" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ frameType: "FAILED", field: "error", expected: "string", received: "nothing" });
  });

  it("separates not-JSON, not-an-object, unknown type and too-deep frames", () => {
    const kind = (raw: unknown) => {
      const r = parseFromAgent(raw);
      return r.ok ? "ok" : r.error.kind;
    };
    expect(kind("not json")).toBe("not_json");
    expect(kind("[1,2]")).toBe("not_an_object");
    expect(kind('{"id":"1"}')).toBe("not_an_object");
    expect(kind('{"type":"NOPE"}')).toBe("unknown_type");
    expect(kind('{"type":"APP_CANCELLED","task":"1"}')).toBe("unknown_type");
    expect(kind(`{"type":"YIELD","task":"1","returns":{"a":${"[".repeat(200)}${"]".repeat(200)}}}`)).toBe("too_deep");
    expect(kind({ type: "YIELD", task: "1", returns: { a: JSON.parse("[".repeat(100) + "]".repeat(100)) } })).toBe("too_deep");
  });

  it("does not count brackets inside strings towards the depth", () => {
    expect(jsonDepthExceeds(JSON.stringify({ s: "[".repeat(500) }), 8)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: 'a\\"[[[[[[[[[[' }), 3)).toBe(false);
    expect(jsonDepthExceeds("[[[[", 3)).toBe(true);
  });

  it("accepts every FromAgent type with its minimal fields", () => {
    const minimal: Record<FromAgentType, Record<string, unknown>> = {
      REGISTER: { token: "t" },
      HEARTBEAT_ANSWER: {},
      STARTED: { task: "1" },
      LOG: { task: "1", message: "m" },
      PROGRESS: { task: "1" },
      YIELD: { task: "1" },
      COMPLETED: { task: "1" },
      FAILED: { task: "1", error: "e" },
      CRITICAL: { task: "1", error: "e" },
      CANCELLED: { task: "1" },
      INTERRUPTED: { task: "1" },
      PAUSED: { task: "1" },
      RESUMED: { task: "1" },
      ASSIGN_REQUEST: { reference: "r" },
      CANCEL_REQUEST: { task: "1" },
      INTERRUPT_REQUEST: { task: "1" },
      PAUSE_REQUEST: { task: "1" },
      RESUME_REQUEST: { task: "1" },
      STATE_PATCH: { session_id: "s", global_rev: 1, state_name: "x", ts: 1, op: "replace", path: "/a" },
      STATE_SNAPSHOT: { session_id: "s", global_rev: 1, snapshots: {} },
      SESSION_INIT: { session_id: "s", states: {} },
      LOCK: { key: "k", task: "1" },
      UNLOCK: { key: "k" },
    };
    for (const type of Object.values(FromAgentType)) {
      const result = parseFromAgent({ type, ...minimal[type] });
      expect(result.ok, `${type}: ${result.ok ? "" : result.error.message}`).toBe(true);
    }
  });

  it("defaults LOG level to INFO and RESUME_REQUEST step to false", () => {
    const log = parseFromAgent({ type: "LOG", task: "1", message: "m" });
    expect(log.ok && log.message.type === "LOG" && log.message.level).toBe("INFO");
    const resume = parseFromAgent({ type: "RESUME_REQUEST", task: "1" });
    expect(resume.ok && resume.message.type === "RESUME_REQUEST" && resume.message.step).toBe(false);
  });
});

describe("parseToAgent", () => {
  it("parses an ASSIGN with nullable routing fields", () => {
    const result = parseToAgent({ type: "ASSIGN", id: "a", task: "1", interface: "add", args: { a: 1 }, parent: null, root: null, token: null });
    expect(result.ok).toBe(true);
    if (!result.ok || result.message.type !== "ASSIGN") throw new Error("not an ASSIGN");
    expect(result.message.args).toEqual({ a: 1 });
  });

  it("parses INIT, EVENT_ACK, mirrors and responses", () => {
    expect(parseToAgent({ type: "INIT", agent: "1", inquiries: [{ task: "2" }] }).ok).toBe(true);
    expect(parseToAgent({ type: "EVENT_ACK", event: "m1", task: "1", seq: 7 }).ok).toBe(true);
    expect(parseToAgent({ type: "PROGRESS_EVENT", task: "1", event: "9", seq: 9, progress: 50 }).ok).toBe(true);
    expect(parseToAgent({ type: "ASSIGN_RESPONSE", request: "r", task: null, created: false, error: "needs parent" }).ok).toBe(true);
    expect(parseToAgent({ type: "CONTROL_RESPONSE", request: "r", task: "1", accepted: true }).ok).toBe(true);
  });

  it("refuses an INIT whose inquiries are not task objects, naming the path", () => {
    const result = parseToAgent({ type: "INIT", agent: "1", inquiries: [{ task: 2 }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.field).toBe("inquiries.0.task");
  });

  it("knows every ToAgent type", () => {
    expect(Object.values(ToAgentType)).toContain("CRITICAL_EVENT");
    expect(parseToAgent({ type: "REGISTER", token: "t" }).ok).toBe(false);
  });
});

describe("CloseCode", () => {
  it("has the platform's codes", () => {
    expect(CloseCode).toMatchObject({
      Normal: 1000,
      GoingAway: 1001,
      MessageTooBig: 1009,
      HeartbeatMissed: 3001,
      NotJson: 3002,
      ProtocolError: 3003,
      Blocked: 4003,
      AlreadyConnected: 4004,
      Replaced: 4005,
    });
  });
});
