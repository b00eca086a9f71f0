/**
 * Issue 18: the server checks the two reports of every task (YIELD, COMPLETED) by hand instead of
 * through zod (src/protocol/parse.ts, `reportFastPath`). Differential: over valid and invalid frames,
 * `parseFromAgent` answers what the zod schema answers (the same message, or the same error).
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { fromAgentSchemas } from "../../src/protocol/messages.js";
import { jsonDepthExceeds, parseFromAgent } from "../../src/protocol/parse.js";

/** What zod alone makes of a frame's value (the reference). */
function zodAnswer(value: Record<string, unknown>): { ok: boolean; data?: unknown } {
  const schema = (fromAgentSchemas as unknown as Record<string, z.ZodType>)[value.type as string]!;
  const result = schema.safeParse(value);
  return result.success ? { ok: true, data: result.data } : { ok: false };
}

const IDS: unknown[] = [undefined, "y1", "", null, 7, {}];
const TASKS: unknown[] = ["123", "", undefined, null, 123, ["1"]];
const SEQS: unknown[] = [undefined, null, 0, 5, -3, 2 ** 53 - 1, 2 ** 53, 1.5, "4", true];
const RETURNS: unknown[] = [
  undefined,
  null,
  {},
  { return0: 2 },
  { b: 1, a: { x: [1, 2] }, 2: "two" },
  [],
  "text",
  3,
  JSON.parse('{"__proto__":{"polluted":1},"a":1}'),
];
const EXTRA: Array<Record<string, unknown>> = [{}, { unknownField: 1 }, { returns: { r: 1 }, error: "x" }];

function frames(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const type of ["YIELD", "COMPLETED"]) {
    for (const id of IDS)
      for (const task of TASKS)
        for (const seq of SEQS.slice(0, type === "YIELD" ? SEQS.length : 6))
          for (const returns of type === "YIELD" ? RETURNS : [undefined, { r: 1 }])
            for (const extra of EXTRA.slice(0, 2)) {
              const frame: Record<string, unknown> = { type, ...extra };
              if (id !== undefined) frame.id = id;
              if (task !== undefined) frame.task = task;
              if (seq !== undefined) frame.seq = seq;
              if (returns !== undefined) frame.returns = returns;
              out.push(frame);
            }
  }
  return out;
}

describe("issue 18: YIELD and COMPLETED parsed without zod", () => {
  it("issue 18: a YIELD or COMPLETED frame parses to what its zod schema gives, or fails as it does", () => {
    let accepted = 0;
    let refused = 0;
    for (const frame of frames()) {
      // through the text, as the server receives it
      const text = JSON.stringify(frame);
      const expected = zodAnswer(JSON.parse(text) as Record<string, unknown>);
      const got = parseFromAgent(text);
      expect(got.ok, text).toBe(expected.ok);
      if (got.ok && expected.ok) {
        accepted++;
        const message = got.message as Record<string, unknown>;
        const reference = expected.data as Record<string, unknown>;
        if (!("id" in JSON.parse(text))) {
          // a fresh uuid on both sides: compare the rest, and that it is one
          expect(message.id).toMatch(/^[0-9a-f-]{36}$/);
          message.id = reference.id;
        }
        expect(message, text).toEqual(reference);
        // the same keys in the same order (zod's: the schema's order, unknown keys left out)
        expect(JSON.stringify(message), text).toBe(JSON.stringify(reference));
      } else if (!got.ok) {
        refused++;
        expect(got.error.kind).toBe("invalid_field");
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it("issue 18: a parsed YIELD's returns is a copy of the frame's object, as zod's record makes it", () => {
    const value = { type: "YIELD", id: "y1", task: "1", seq: 1, returns: { a: { deep: 1 } } };
    const got = parseFromAgent(value);
    expect(got.ok).toBe(true);
    const returns = (got as { message: { returns: Record<string, unknown> } }).message.returns;
    expect(returns).not.toBe(value.returns);
    expect(returns).toEqual(value.returns);
    expect(returns.a).toBe(value.returns.a);
  });

  it("issue 18: the depth check that counts brackets first answers as the character walk does", () => {
    /** The walk alone (the check before issue 18's bracket count). */
    const walk = (text: string, limit: number): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === "\\") i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "{" || c === "[") {
          if (++depth > limit) return true;
        } else if (c === "}" || c === "]") depth--;
      }
      return false;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pieces = ["{", "}", "[", "]", '"', '"{[', "\\", '\\"', ",", "1", ":"];
    let deep = 0;
    for (let n = 0; n < 3000; n++) {
      const limit = 1 + Math.floor(next() * 6);
      let text = "";
      const length = Math.floor(next() * 30);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
      const expected = walk(text, limit);
      if (expected) deep++;
      expect(jsonDepthExceeds(text, limit), `${JSON.stringify(text)} / ${limit}`).toBe(expected);
    }
    expect(deep).toBeGreaterThan(100);
    // brackets inside a string do not make a shallow frame deep, whatever their number
    expect(jsonDepthExceeds(JSON.stringify({ type: "LOG", message: "[".repeat(200) }), 64)).toBe(false);
    expect(jsonDepthExceeds("[".repeat(65) + "]".repeat(65), 64)).toBe(true);
  });
});
