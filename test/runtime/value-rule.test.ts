/**
 * Issue 10, "one rule per concern: whether a value fits its port": the agent's generated entries
 * and the caller's adapter judge values with the same rule as the server (src/definition/values.ts),
 * driven by the shared table of good and bad values (test/fixtures/values/table.ts). Before, the
 * agent's generated zod refused `"2024-01-01"` and `"2024-01-01 10:00:00"` that the server let
 * through (task created, then FAILED), and the caller's adapter did not check returns at all.
 */
import { describe, expect, it } from "vitest";
import { registry as exampleRegistry } from "../../examples/app/generated/registry.js";
import { Image as ExampleImage } from "../../examples/app/src/image.js";
import type { Implementation, Port } from "../../src/definition/model.js";
import { codecAdapter, referenceStructure } from "../../src/runtime/caller/adapter.js";
import { PortValueError } from "../../src/runtime/registry.js";
import { defineEntry } from "../../src/runtime/structures/support.js";
import { PORTS, SAME_IN_FUNCTIONS, VALUE_TABLE, codecOf, titleOf, valueOf, type PortName, type ValueRow } from "../fixtures/values/table.js";

function implementation(iface: string, args: Port[], returns: Port[]): Implementation {
  return {
    interface: iface,
    definition: {
      key: iface, version: "1", name: iface, kind: "FUNCTION", description: iface, collections: [], stateful: false,
      pure: false, idempotent: false, isDev: false, portGroups: [], args, returns, isTestFor: [],
    },
    effect: "NONE", needsToken: false, dependencies: [],
  };
}

/** What `arkitekt-next gen` writes for a function `(x) => x` with the table port as arg and return. */
function entryFor(name: PortName) {
  const port: Port = PORTS[name];
  const codec = codecOf(port, referenceStructure);
  return defineEntry({
    implementation: implementation(name, [port], [{ ...port, key: "return0" }]),
    fn: ((x: unknown) => x) as (...args: never[]) => unknown,
    argCodecs: [["x", codec]],
    returnCodecs: [codec],
  });
}

/** Runs `fn` and returns the PortValueError it throws or rejects with (undefined when it succeeds). */
async function refusal(fn: () => unknown): Promise<{ name: string; port: string; message: string } | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    const e = error as { name: string; port: string; message: string };
    return { name: e.name, port: e.port, message: e.message };
  }
}

function expectVerdict(row: ValueRow, outcome: Awaited<ReturnType<typeof refusal>>, path: string | undefined = row.path): void {
  if (row.fits) expect(outcome).toBeUndefined();
  else expect(outcome).toMatchObject({ name: "PortValueError", port: path });
}

describe("issue 10: the agent's generated entry (defineEntry) checks ASSIGN args with the one value rule", () => {
  for (const row of VALUE_TABLE) {
    it(`${row.fits ? "accepts" : "refuses"} ${titleOf(row)}`, async () => {
      expectVerdict(row, await refusal(() => entryFor(row.port).parseArgs({ x: valueOf(row) })));
    });
  }
});

describe("issue 10: the agent's generated entry checks its function's returns with the same rule", () => {
  for (const row of VALUE_TABLE.filter((r) => SAME_IN_FUNCTIONS.has(r.port))) {
    it(`${row.fits ? "yields" : "fails on"} ${titleOf(row)}`, async () => {
      const outcome = await refusal(() => entryFor(row.port).shrinkReturns(valueOf(row)));
      expectVerdict(row, outcome, row.path?.replace(/^x/, "return0"));
    });
  }
});

describe("issue 10: the example app's generated registry judges like the server", () => {
  const image = { __identifier: "@example/image", object: "img" };
  const label = { __use: 0, __value: "a" };
  // Where the table's ports appear in the example app: interface, the arg, and the other args.
  const places: Partial<Record<PortName, { iface: string; key: string; rest: Record<string, unknown> }>> = {
    // Ports without form hints (issue 13): hints narrow what a port takes beyond the table.
    int: { iface: "gradient", key: "height", rest: {} },
    float: { iface: "clip", key: "high", rest: { image } },
    date: { iface: "annotate", key: "takenAt", rest: { image, label } },
    either: { iface: "annotate", key: "label", rest: { image } },
    image: { iface: "annotate", key: "image", rest: { label } },
  };
  for (const row of VALUE_TABLE.filter((r) => places[r.port] && r.json !== "null")) {
    const place = places[row.port]!;
    it(`${place.iface}.${place.key} ${row.fits ? "accepts" : "refuses"} ${titleOf(row)}`, async () => {
      const entry = exampleRegistry.entries[place.iface]!;
      const outcome = await refusal(() => entry.parseArgs({ ...place.rest, [place.key]: valueOf(row) }));
      expectVerdict(row, outcome, row.path?.replace(/^x/, place.key));
    });
  }

  it("reads every accepted DATE form as the instant the rule says", async () => {
    const entry = exampleRegistry.entries.annotate!;
    // An image this process knows under an id (as if stored): it expands without the media store (issue 14).
    const img = new ExampleImage(1, 1, [0], "img-date-forms");
    for (const row of VALUE_TABLE.filter((r) => r.port === "date" && r.fits)) {
      const args = await entry.expandArgs(entry.parseArgs({ image: { ...image, object: img.id }, label, takenAt: valueOf(row) }));
      expect((args[2] as Date).toISOString(), row.json).toBe(row.reads);
    }
  });
});

describe("issue 10: the caller's adapter checks the returns it receives with the one value rule", () => {
  for (const row of VALUE_TABLE) {
    it(`${row.fits ? "accepts" : "refuses"} ${titleOf(row)}`, async () => {
      const codec = codecOf(PORTS[row.port], referenceStructure);
      const adapter = codecAdapter<Record<string, unknown>, unknown>({ args: [["x", codec]], returns: [codec] });
      const outcome = await refusal(() => adapter.decodeReturns({ return0: valueOf(row) }));
      expectVerdict(row, outcome, row.path?.replace(/^x/, "return0"));
    });
  }
});

describe("issue 10: the caller's adapter checks the args it sends with the one value rule", () => {
  for (const row of VALUE_TABLE.filter((r) => SAME_IN_FUNCTIONS.has(r.port) && r.json !== "null")) {
    it(`${row.fits ? "sends" : "refuses"} ${titleOf(row)}`, async () => {
      const codec = codecOf(PORTS[row.port], referenceStructure);
      const adapter = codecAdapter<Record<string, unknown>, unknown>({ args: [["x", codec]], returns: [codec] });
      let sent: Record<string, unknown> | undefined;
      const outcome = await refusal(async () => {
        sent = await adapter.encodeArgs({ x: valueOf(row) });
      });
      expectVerdict(row, outcome);
      if (row.fits) expect(sent).toEqual({ x: valueOf(row) });
    });
  }

  it("names every bad arg at once, conversion failures included", async () => {
    const adapter = codecAdapter<Record<string, unknown>, unknown>({
      args: [
        ["n", { kind: "INT" }],
        ["when", { kind: "DATE" }],
        ["img", { kind: "STRUCTURE", identifier: "@example/image", cls: ExampleImage }],
        ["u", { kind: "UNION", children: [{ kind: "STRING" }, { kind: "INT" }] }],
      ],
      returns: [],
    });
    const error = await Promise.resolve()
      .then(() => adapter.encodeArgs({ n: 2 ** 53, when: new Date(Number.NaN), img: "not an image", u: 1.5, extra: 1 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortValueError);
    expect((error as PortValueError).problems.map((p) => p.path).sort()).toEqual(["extra", "img", "n", "u", "when"]);
    expect((error as PortValueError).message).toContain('port "n": expected an integer between -(2^53 - 1) and 2^53 - 1, got the number 9007199254740992');
    expect((error as PortValueError).message).toContain('port "img": expected a @example/image structure (an object with shrink()), got the string "not an image"');
  });
});
