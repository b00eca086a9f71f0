/**
 * Issue 10 #3 (agent half): whole-number FLOAT returns keep their `.0` on the wire, also inside
 * LIST, DICT, MODEL and UNION ports: the released Python caller refuses `2` for a float. The
 * port-aware writer (src/definition/json-writer.ts) and the raw text of the agent's YIELD frames.
 */
import { describe, expect, it } from "vitest";
import { writeFloat, writeReturns, writeValue } from "../../src/definition/json-writer.js";
import type { Port } from "../../src/definition/model.js";
import { AgentSocket } from "../../src/runtime/agent/agent.js";
import { defineEntry } from "../../src/runtime/structures/support.js";
import { buildRegistry, implementation, port } from "../fixtures/runtime/registry.js";
import { ScriptedPlatform } from "../fixtures/runtime/scripted-platform.js";

const float = (key: string, extra: Partial<Port> = {}) => port(key, "FLOAT", extra);
const list = port("l", "LIST", { children: [float("...")] });
const dict = port("d", "DICT", { children: [float("...")] });
const model = port("m", "MODEL", { identifier: "point", children: [float("x"), port("n", "INT")] });
const union = port("u", "UNION", { children: [port("0", "STRING"), float("1")] });
const nested = port("nl", "LIST", { children: [port("...", "DICT", { children: [port("...", "LIST", { children: [float("...")] })] })] });

describe("issue 10 #3: the port-aware JSON writer keeps the float form of whole numbers", () => {
  it("writes whole FLOAT numbers with .0 and leaves every other number as JSON.stringify writes it", () => {
    expect(writeValue(float("f"), 2)).toBe("2.0");
    expect(writeValue(float("f"), -3)).toBe("-3.0");
    expect(writeValue(float("f"), -0)).toBe("-0.0");
    expect(writeValue(float("f"), 2.5)).toBe("2.5");
    expect(writeValue(float("f"), 1e21)).toBe("1e+21");
    expect(writeValue(float("f"), 1e-7)).toBe("1e-7");
    expect(writeValue(float("f", { nullable: true }), null)).toBe("null");
    expect(writeFloat(Number.NaN)).toBe("null");
    expect(writeValue(port("i", "INT"), 2)).toBe("2");
  });

  it("keeps .0 inside LIST, DICT, MODEL and UNION, and in nested containers", () => {
    expect(writeValue(list, [1, 2.5, 3])).toBe("[1.0,2.5,3.0]");
    expect(writeValue(list, [0.5, -0.25, 1e-7])).toBe(JSON.stringify([0.5, -0.25, 1e-7]));
    expect(writeValue(port("l", "LIST", { children: [float("...", { nullable: true })] }), [1, null, 0.5])).toBe("[1.0,null,0.5]");
    expect(writeValue(dict, { a: 3, b: 0.5 })).toBe('{"a":3.0,"b":0.5}');
    expect(writeValue(model, { x: 1, n: 2, __identifier: "point" })).toBe('{"x":1.0,"n":2,"__identifier":"point"}');
    expect(writeValue(union, { __use: 1, __value: 4 })).toBe('{"__use":1,"__value":4.0}');
    expect(writeValue(union, { __use: 0, __value: "4" })).toBe('{"__use":0,"__value":"4"}');
    expect(writeValue(nested, [{ a: [1, 2] }, {}])).toBe('[{"a":[1.0,2.0]},{}]');
  });

  it("writes the same JSON values as JSON.stringify (it only changes how whole floats look)", () => {
    const cases: Array<[Port, unknown]> = [
      [list, [1, 2.5, -0.25, 1e300]],
      [dict, { z: 1, a: 2 }],
      [model, { x: 7, n: 1, __identifier: "point", extra: [1, 2] }],
      [union, { __use: 1, __value: 10 }],
      [nested, [{ k: [0, 1, 2.5] }]],
      [port("s", "STRING"), "a \"quoted\" \u2028 text"],
      [port("st", "STRUCTURE", { identifier: "@x/y" }), { __identifier: "@x/y", object: "1" }],
    ];
    for (const [p, value] of cases) expect(JSON.parse(writeValue(p, value))).toEqual(value);
    // No FLOAT in the ports: byte for byte what JSON.stringify writes.
    const plain = { return0: [1, 2], return1: { a: "b" } };
    expect(writeReturns([port("return0", "LIST", { children: [port("...", "INT")] }), port("return1", "DICT", { children: [port("...", "STRING")] })], plain)).toBe(JSON.stringify(plain));
    // Keys without a port and undefined values behave as in JSON.stringify.
    expect(writeReturns([float("return0")], { return0: 1, other: 2, gone: undefined })).toBe('{"return0":1.0,"other":2}');
  });

  it("writes a value that does not have its port's shape as plain JSON (the writer is not a validator)", () => {
    expect(writeValue(float("f"), "2")).toBe('"2"');
    expect(writeValue(list, { not: "a list" })).toBe('{"not":"a list"}');
    expect(writeValue(union, { __use: "1", __value: 2 })).toBe('{"__use":"1","__value":2}');
  });
});

describe("issue 10 #3: the agent's YIELD frames carry whole FLOAT returns as 2.0", () => {
  it("issue 10 #3: the raw frame text for FLOAT 2, [1, 2.5], {a: 3}, a model with a float field and a union whose variant is float", async () => {
    const returns = [float("return0"), { ...list, key: "return1" }, { ...dict, key: "return2" }, { ...model, key: "return3" }, { ...union, key: "return4" }];
    const floats = defineEntry({
      implementation: implementation("floats", [], returns),
      fn: (() => [2, [1, 2.5], { a: 3 }, { x: 1, n: 2 }, 4]) as (...args: never[]) => unknown,
      argCodecs: [],
      returnCodecs: [
        { kind: "FLOAT" },
        { kind: "LIST", child: { kind: "FLOAT" } },
        { kind: "DICT", child: { kind: "FLOAT" } },
        { kind: "MODEL", identifier: "point", fields: [["x", { kind: "FLOAT" }], ["n", { kind: "INT" }]] },
        { kind: "UNION", children: [{ kind: "STRING" }, { kind: "FLOAT" }] },
      ],
    });
    const platform = await ScriptedPlatform.start();
    const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry: buildRegistry([floats]), sessionId: "floats", closeTimeoutMs: 500 });
    try {
      const started = agent.start();
      const peer = await platform.accept();
      await started;
      const raw: string[] = [];
      peer.ws.on("message", (data) => raw.push(data.toString()));
      peer.send({ type: "ASSIGN", task: "1", interface: "floats", args: {} });
      await peer.next("COMPLETED", "1");
      const frame = raw.find((text) => text.includes('"type":"YIELD"'));
      expect(frame).toBeDefined();
      const text = rawObjectField(frame!, "returns");
      expect(text).toBe(
        '{"return0":2.0,"return1":[1.0,2.5],"return2":{"a":3.0},"return3":{"x":1.0,"n":2,"__identifier":"point"},"return4":{"__use":1,"__value":4.0}}',
      );
      expect(JSON.parse(frame!)).toMatchObject({ type: "YIELD", task: "1", seq: expect.any(Number), id: expect.any(String) });
    } finally {
      await agent.close();
      await platform.close();
    }
  });
});

/** The raw text of an object-valued field of a JSON text (whatever the key order), as it was written. */
function rawObjectField(json: string, key: string): string | undefined {
  const at = json.indexOf(`${JSON.stringify(key)}:{`);
  if (at < 0) return undefined;
  const start = at + JSON.stringify(key).length + 1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return json.slice(start, i + 1);
    }
  }
  return undefined;
}
