/**
 * The one value rule (src/definition/values.ts), driven by the shared table of good and bad
 * values (test/fixtures/values/table.ts), plus what only the rule itself shows: every problem
 * reported at once, the words of its messages, defaults, and that it stays browser-safe.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Port } from "../../src/definition/model.js";
import { checkArgs, checkPorts, checkValue, formatProblems, readDate, withDefaults } from "../../src/definition/values.js";
import { PORTS, VALUE_TABLE, titleOf, valueOf } from "../fixtures/values/table.js";

const port = (key: string, kind: Port["kind"], extra: Partial<Port> = {}): Port => ({ key, kind, nullable: false, ...extra });

describe("the value table, through the rule itself", () => {
  for (const row of VALUE_TABLE) {
    it(`${row.fits ? "accepts" : "refuses"} ${titleOf(row)}`, () => {
      const check = checkArgs([PORTS[row.port]], { x: valueOf(row) });
      if (row.fits) {
        expect(check.problems).toEqual([]);
        expect(check.ok).toBe(true);
      } else {
        expect(check.ok).toBe(false);
        expect(check.problems[0]?.path).toBe(row.path);
      }
      if (row.reads) expect(readDate(valueOf(row) as string)?.toISOString()).toBe(row.reads);
    });
  }
});

describe("issue 10: one value rule reports every bad port at once, in the project's words", () => {
  const ports = [
    port("a", "INT"),
    port("when", "DATE"),
    port("u", "UNION", { children: [port("0", "STRING"), port("1", "INT")] }),
    port("img", "STRUCTURE", { identifier: "@mikro/image" }),
    port("xs", "LIST", { children: [port("...", "FLOAT")] }),
  ];

  it("names each port with what it expected and what came", () => {
    const check = checkArgs(ports, JSON.parse(
      '{"a": 9007199254740993, "when": "2024-02-30", "u": {"__use": "1", "__value": 3}, "img": {"object": "7"}, "xs": [1, 1e400, "2"], "colour": "red"}',
    ));
    expect(check.problems.map((p) => p.path)).toEqual(["colour", "a", "when", "u.__use", "img.__identifier", "xs[1]", "xs[2]"]);
    expect(formatProblems(check)).toBe(
      [
        'port "colour": expected a port of this action (a, when, u, img, xs), got the unknown key "colour"',
        'port "a": expected an integer between -(2^53 - 1) and 2^53 - 1, got the number 9007199254740992',
        'port "when": expected a date and time that exist (month 1-12, a day of that month, hours 0-23, minutes and seconds 0-59), got the string "2024-02-30"',
        'port "u.__use": expected a JSON integer 0..1, the index of the union\'s member, got the string "1"',
        'port "img.__identifier": expected "@mikro/image", got nothing',
        'port "xs[1]": expected a finite number, got Infinity',
        'port "xs[2]": expected a finite number, got the string "2"',
      ].join("; "),
    );
  });

  it("says what is missing and what may not be null", () => {
    const check = checkArgs([port("a", "INT"), port("b", "STRING"), port("c", "BOOL", { nullable: true })], { b: null });
    expect(formatProblems(check)).toBe(
      'port "a": expected an integer between -(2^53 - 1) and 2^53 - 1 (the port is not nullable and has no default), got nothing (the key is missing); ' +
        'port "b": expected a string (the port is not nullable and has no default), got null',
    );
  });

  it("counts the problems beyond maxProblems instead of listing them", () => {
    const xs = Array.from({ length: 1000 }, () => "no");
    const check = checkArgs([port("xs", "LIST", { children: [port("...", "FLOAT")] })], { xs }, { maxProblems: 3 });
    expect(check.problems.map((p) => p.path)).toEqual(["xs[0]", "xs[1]", "xs[2]"]);
    expect(check.omitted).toBe(997);
    expect(formatProblems(check)).toMatch(/; and 997 more$/);
    expect(checkArgs([port("xs", "LIST", { children: [port("...", "FLOAT")] })], { xs }).problems).toHaveLength(20);
  });

  it("refuses args that are not an object, and keys read from Object.prototype are no ports", () => {
    expect(formatProblems(checkArgs([], [1]))).toBe('port "(args)": expected an object keyed by port key, got a list of 1 item');
    expect(checkArgs([], null).ok).toBe(false);
    expect(checkArgs([], {}).ok).toBe(true);
    expect(checkArgs([port("constructor", "INT")], {}).problems[0]?.got).toBe("nothing (the key is missing)");
  });

  it("restricts scalar ports with choices to them, and checks one value on its own", () => {
    const choices = [{ value: "low", label: "Low" }, { value: "high", label: "High" }];
    expect(checkValue(port("mode", "STRING", { choices }), "medium").problems[0]).toEqual({ path: "mode", expected: 'one of "low", "high"', got: 'the string "medium"' });
    expect(checkValue(port("mode", "STRING", { choices }), "low").ok).toBe(true);
    expect(checkValue(port("n", "INT"), 1.5, { path: "items[3].n" }).problems[0]?.path).toBe("items[3].n");
  });

  it("leaves absent keys alone when told to (a caller leaving defaults to the agent) and ignores unknown keys when told to", () => {
    expect(checkPorts([port("a", "INT")], {}, { missing: "allow" }).ok).toBe(true);
    expect(checkPorts([port("a", "INT")], { a: 1, b: 2 }, { unknownKeys: "ignore" }).ok).toBe(true);
  });
});

describe("defaults", () => {
  it("fills missing and null values with the port's default, else null, also inside models and lists", () => {
    const ports = [
      port("n", "INT", { nullable: true, default: 3 }),
      port("m", "STRING", { nullable: true }),
      port("s", "MODEL", { identifier: "settings", children: [port("sigma", "FLOAT"), port("k", "INT", { nullable: true, default: 5 })] }),
      port("l", "LIST", { children: [port("...", "INT", { nullable: true, default: 0 })] }),
    ];
    const args = { s: { sigma: 1.5 }, l: [1, null], n: null };
    expect(checkArgs(ports, args).ok).toBe(true);
    expect(withDefaults(ports, args)).toEqual({ n: 3, m: null, s: { sigma: 1.5, k: 5 }, l: [1, 0] });
    expect(args).toEqual({ s: { sigma: 1.5 }, l: [1, null], n: null }); // not modified
  });
});

describe("readDate", () => {
  it("is the one reader of DATE values: UTC unless an offset says otherwise, impossible dates refused", () => {
    expect(readDate("2024-01-01")?.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(readDate("0099-03-01T00:00:00Z")?.toISOString()).toBe("0099-03-01T00:00:00.000Z");
    expect(readDate("2024-01-01T10:00:00+05")?.toISOString()).toBe("2024-01-01T05:00:00.000Z");
    expect(readDate("2100-02-29")).toBeUndefined();
    expect(readDate("2000-02-29")?.toISOString()).toBe("2000-02-29T00:00:00.000Z");
    expect(readDate("2024-04-31")).toBeUndefined();
    expect(readDate("2024-01-01T10:00:00+24:00")).toBeUndefined();
    expect(readDate("0000-01-01")).toBeUndefined();
  });
});

describe("the rule is browser-safe", () => {
  it("imports nothing but the model's types, the form hints (issue 13) and re2js, and no node: module", () => {
    const source = readFileSync(new URL("../../src/definition/values.ts", import.meta.url), "utf8");
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports).toEqual(["./hints.js", "./model.js"]);
    expect(source).toMatch(/^import type \{[^}]*\} from "\.\/model\.js";$/m);
    const hints = readFileSync(new URL("../../src/definition/hints.ts", import.meta.url), "utf8");
    // re2js (a pure-JS RE2, browser-safe) checks patterns in linear time (issue 13 review).
    expect([...hints.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[0])).toEqual([
      'import { RE2JS } from "re2js";',
      expect.stringMatching(/^import type \{[^}]*\} from "\.\/model\.js";$/),
    ]);
  });
});
