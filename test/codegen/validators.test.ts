/**
 * The generated validators and adapters of the example app, run for real: good wire args pass
 * (defaults applied), bad ones are refused with a PortValueError naming the port; expand/shrink
 * turn references into structures, enum names into members, ISO strings into dates, and back.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { registry } from "../../examples/app/generated/registry.js";
import { Image } from "../../examples/app/src/image.js";
import { ThresholdMode } from "../../examples/app/src/filters.js";
import { decodeGreyPng } from "../../examples/app/src/png.js";
import { File, closeDefaultClient } from "arkitekt-next";
import { startRuntimeServer } from "../fixtures/runtime/harness.js";
import { CALLER_TOKEN } from "../fixtures/runtime/tokens.js";
import type { Port } from "../../src/definition/model.js";
import * as support from "../../src/runtime/structures/support.js";

const entry = (iface: string) => {
  const found = registry.entries[iface];
  if (!found) throw new Error(`no entry ${iface}`);
  return found;
};

/** The port a parse failure names (PortValueError from the package build the example links to). */
function refusedPort(fn: () => unknown): { port: string; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as { name?: string; port?: string; message: string };
    expect(e.name).toBe("PortValueError");
    return { port: e.port ?? "", message: e.message };
  }
  throw new Error("expected the args to be refused");
}

const imageRef = (id: string | null) => ({ __identifier: "@example/image", object: id });
/** An image this process knows under an id (as if stored): expanding its id gives it back without the media store. */
const stored = (width: number, height: number, value: number) => new Image(width, height, new Array<number>(width * height).fill(value), `img-${randomUUID()}`);

describe("generated validators", () => {
  it("accepts good args and applies defaults", () => {
    expect(entry("threshold").parseArgs({ image: imageRef("img-1") })).toEqual({ image: imageRef("img-1"), level: 0.5, mode: "Above" });
    expect(entry("threshold").parseArgs({ image: imageRef("img-1"), level: null, mode: "Below" })).toEqual({ image: imageRef("img-1"), level: 0.5, mode: "Below" });
    expect(entry("gradient").parseArgs({})).toEqual({ width: 8, height: 8 });
    expect(entry("average").parseArgs({ images: [imageRef("a"), imageRef("b")] })).toEqual({ images: [imageRef("a"), imageRef("b")], weights: null });
  });

  it("refuses a value of the wrong type, naming the port", () => {
    expect(refusedPort(() => entry("threshold").parseArgs({ image: imageRef("i"), level: "high" })).port).toBe("level");
  });
  it("refuses a non-integer for an INT port", () => {
    const refused = refusedPort(() => entry("gradient").parseArgs({ width: 1.5 }));
    expect(refused.port).toBe("width");
    expect(refused.message).toMatch(/^port "width": .*int/i);
  });
  it("refuses a value that is not a choice of an ENUM port", () => {
    expect(refusedPort(() => entry("threshold").parseArgs({ image: imageRef("i"), mode: "Sideways" })).port).toBe("mode");
    expect(refusedPort(() => entry("label_images").parseArgs({ names: {}, action: "explode" })).port).toBe("action");
  });
  it("refuses unknown keys", () => {
    const refused = refusedPort(() => entry("gradient").parseArgs({ width: 2, colour: "red" }));
    expect(refused).toEqual({ port: "colour", message: 'port "colour": expected a port of this action (width, height), got the unknown key "colour"' });
  });
  it("refuses a missing non-nullable port", () => {
    expect(refusedPort(() => entry("measure").parseArgs({})).port).toBe("image");
  });
  it("refuses a structure of another identifier, and bad items inside lists", () => {
    expect(refusedPort(() => entry("measure").parseArgs({ image: { __identifier: "@other/thing", object: "x" } })).port).toBe("image.__identifier");
    expect(refusedPort(() => entry("average").parseArgs({ images: [imageRef("a"), { object: "b" }] })).port).toMatch(/^images\[1\]/);
  });
  it("checks UNION as {__use, __value} and DATE as ISO strings", () => {
    const ok = entry("annotate").parseArgs({ image: imageRef("i"), label: { __use: 1, __value: 3 }, takenAt: "2024-05-01T10:00:00" });
    expect(ok).toMatchObject({ label: { __use: 1, __value: 3 }, takenAt: "2024-05-01T10:00:00", tags: [] });
    expect(refusedPort(() => entry("annotate").parseArgs({ image: imageRef("i"), label: { __use: 1, __value: 3.5 } })).port).toMatch(/^label/);
    expect(refusedPort(() => entry("annotate").parseArgs({ image: imageRef("i"), label: "plain" })).port).toMatch(/^label/);
    expect(refusedPort(() => entry("annotate").parseArgs({ image: imageRef("i"), label: { __use: 0, __value: "a" }, takenAt: "yesterday" })).port).toBe("takenAt");
  });
  it("issue 13: the agent refuses ASSIGN args that break a form hint (slider range, validator, comparison), naming the port and the message", () => {
    expect(refusedPort(() => entry("threshold").parseArgs({ image: imageRef("i"), level: 1.5 }))).toMatchObject({
      port: "level",
      message: expect.stringContaining("between 0 and 1 (the slider's range)"),
    });
    expect(refusedPort(() => entry("gradient").parseArgs({ width: 5000 })).message).toContain("at most 4096 pixels wide");
    expect(refusedPort(() => entry("clip").parseArgs({ image: imageRef("i"), low: 0.9, high: 0.1 }))).toMatchObject({
      port: "low",
      message: expect.stringContaining("low must be below high"),
    });
    expect(entry("clip").parseArgs({ image: imageRef("i"), low: 0.1, high: 0.9 })).toMatchObject({ low: 0.1, high: 0.9 });
  });

  it("refuses args that are not an object", () => {
    expect(refusedPort(() => entry("gradient").parseArgs([1, 2])).port).toBe("(args)");
  });
  it("names every port that does not fit at once", () => {
    const refused = refusedPort(() => entry("annotate").parseArgs({ image: { object: "i" }, label: { __use: "1", __value: 3 }, takenAt: "2024-02-30" }));
    expect(refused.message).toBe(
      'port "image.__identifier": expected "@example/image", got nothing; ' +
        'port "label.__use": expected a JSON integer 0..1, the index of the union\'s member, got the string "1"; ' +
        'port "takenAt": expected a date and time that exist (month 1-12, a day of that month, hours 0-23, minutes and seconds 0-59), got the string "2024-02-30"',
    );
  });
});

describe("generated adapters", () => {
  it("expands structure references (concurrently over lists) and enum names into members", async () => {
    const a = stored(2, 2, 0.2);
    const b = stored(2, 2, 0.8);
    const parsed = entry("threshold").parseArgs({ image: imageRef(a.id), mode: "Below" });
    const args = await entry("threshold").expandArgs(parsed);
    expect(args).toEqual([a, 0.5, ThresholdMode.Below]);
    expect(args[0]).toBe(a);
    const listArgs = await entry("average").expandArgs(entry("average").parseArgs({ images: [imageRef(a.id), imageRef(b.id)] }));
    expect(listArgs[0]).toEqual([a, b]);
  });
  it("reports a reference that cannot be expanded, naming the port", async () => {
    const parsed = entry("average").parseArgs({ images: [imageRef("missing")] });
    await expect(entry("average").expandArgs(parsed)).rejects.toMatchObject({ name: "PortValueError", port: "images[0]" });
  });
  it("reads dates without an offset as UTC and unions by their member", async () => {
    const img = stored(1, 1, 1);
    const args = await entry("annotate").expandArgs(
      entry("annotate").parseArgs({ image: imageRef(img.id), label: { __use: 1, __value: 7 }, takenAt: "2024-05-01T10:00:00" }),
    );
    expect(args[1]).toBe(7);
    expect((args[2] as Date).toISOString()).toBe("2024-05-01T10:00:00.000Z");
  });
  it("shrinks returns: structures to references, models with __identifier, dates to ISO, unions to {__use, __value}", async () => {
    const img = stored(1, 1, 1);
    const returns = await entry("annotate").shrinkReturns({ image: img, takenAt: new Date("2024-05-01T10:00:00Z"), label: 4, tags: ["x"] });
    expect(returns).toEqual({
      return0: {
        image: { __identifier: "@example/image", object: img.id },
        takenAt: "2024-05-01T10:00:00.000Z",
        label: { __use: 1, __value: 4 },
        tags: ["x"],
        __identifier: "note",
      },
    });
  });
  it("shrinks tuples to return0..n and refuses returns that do not fit", async () => {
    expect(await entry("label_images").shrinkReturns([["a"], 1])).toEqual({ return0: ["a"], return1: 1 });
    await expect(entry("label_images").shrinkReturns([["a"], "many"])).rejects.toMatchObject({ port: "return1" });
    await expect(entry("measure").shrinkReturns({ min: 0, max: 1, mean: 0.5, count: 2.5 })).rejects.toMatchObject({ port: "return0.count" });
  });
  it("issue 14: runs a whole call: parse, expand, call, shrink (the image goes to the media store as a PNG)", async () => {
    const server = await startRuntimeServer();
    const saved = { url: process.env.ARKITEKT_URL, token: process.env.ARKITEKT_TOKEN };
    // The example's Image uploads through the default client (ARKITEKT_URL / ARKITEKT_TOKEN).
    process.env.ARKITEKT_URL = server.url;
    process.env.ARKITEKT_TOKEN = CALLER_TOKEN;
    try {
      const e = entry("gradient");
      const args = await e.expandArgs(e.parseArgs({ width: 3, height: 2 }));
      const result = await (e.fn as (...a: unknown[]) => unknown)(...args);
      const returns = await e.shrinkReturns(result);
      expect(returns.return0).toMatchObject({ __identifier: "@example/image", object: (result as Image).id });
      const file = await File.fromId((result as Image).id!);
      expect(file.contentType).toBe("image/png");
      expect(decodeGreyPng(await file.bytes()).pixels).toEqual((result as Image).pixels.map((v) => Math.round(v * 65535) / 65535));
    } finally {
      await closeDefaultClient();
      for (const [key, value] of [["ARKITEKT_URL", saved.url], ["ARKITEKT_TOKEN", saved.token]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await server.close();
    }
  });
});

describe("codec fast path (plain scalars and lists/dicts of them convert without a promise per element)", () => {
  const { defineEntry, expandValue, shrinkValue } = support;
  const floats: support.Codec = { kind: "LIST", child: { kind: "FLOAT" } };
  const grid: support.Codec = { kind: "LIST", child: { kind: "LIST", child: { kind: "INT" } } };
  const counts: support.Codec = { kind: "DICT", child: { kind: "INT", nullable: true } };
  const port = (key: string): Port => ({ key, kind: "LIST", nullable: false, children: [{ key: "0", kind: "FLOAT", nullable: false }] });
  const listEntry = defineEntry({
    implementation: {
      interface: "echo",
      definition: {
        key: "echo", version: "1", name: "echo", kind: "FUNCTION", description: "echo", collections: [], stateful: false,
        pure: true, idempotent: true, isDev: false, portGroups: [], args: [port("xs")], returns: [port("return0"), port("return1")], isTestFor: [],
      },
      effect: "NONE", needsToken: false, dependencies: [],
    },
    fn: ((xs: number[]) => [xs, xs]) as (...args: never[]) => unknown,
    argCodecs: [["xs", floats]],
    returnCodecs: [floats, floats],
  });
  const xs = Array.from({ length: 10_000 }, (_, i) => i / 3);

  it("round-trips a 10,000-element list through expandArgs and shrinkReturns with the same values", async () => {
    const args = await listEntry.expandArgs(listEntry.parseArgs({ xs }));
    expect(args).toHaveLength(1);
    expect(args[0]).toEqual(xs);
    expect(args[0]).not.toBe(xs); // a fresh array, as the general walker gives
    const returns = await listEntry.shrinkReturns((listEntry.fn as (a: number[]) => unknown)(args[0] as number[]));
    expect(returns).toEqual({ return0: xs, return1: xs });
    expect(JSON.stringify(returns.return0)).toBe(JSON.stringify(xs));
    // Through the example app's generated entry too (weights?: number[] | null next to structures).
    const img = stored(1, 1, 0.5);
    const expanded = await entry("average").expandArgs(entry("average").parseArgs({ images: [imageRef(img.id)], weights: xs }));
    expect(expanded).toEqual([[img], xs]);
  });

  it("still names every element that does not fit, in order", async () => {
    const bad = xs.slice();
    bad[7_321] = Number.NaN;
    await expect(listEntry.shrinkReturns([xs, bad])).rejects.toMatchObject({ name: "PortValueError", port: "return1[7321]" });
    await expect(listEntry.shrinkReturns([xs, bad])).rejects.toThrow('port "return1[7321]": expected a finite number, got NaN');
    const worse = bad.slice();
    (worse as unknown[])[12] = "12";
    await expect(listEntry.shrinkReturns([worse, bad])).rejects.toMatchObject({ port: "return0[12]" });
    const paths = (error: unknown) => (error as { problems: Array<{ path: string }> }).problems.map((p) => p.path);
    expect(paths(await listEntry.shrinkReturns([worse, bad]).catch((e: unknown) => e))).toEqual(["return0[12]", "return0[7321]", "return1[7321]"]);
    expect(paths(await shrinkValue(grid, [[1, 2.5], 3], "g").catch((e: unknown) => e))).toEqual(["g[0][1]", "g[1]"]);
    await expect(shrinkValue(grid, [[1], [2, 2.5]], "g")).rejects.toMatchObject({ port: "g[1][1]" });
    await expect(shrinkValue(counts, { a: 1, b: null, c: "x" }, "d")).rejects.toMatchObject({ port: "d.c" });
    // Structures inside a list still expand, and a bad one is named by its index.
    await expect(entry("average").expandArgs(entry("average").parseArgs({ images: [imageRef(stored(1, 1, 0).id), imageRef("missing")], weights: xs }))).rejects.toMatchObject({ port: "images[1]" });
  });

  it("converts nulls and dicts like the general walker", async () => {
    expect(await shrinkValue(counts, { a: 1, b: null }, "d")).toEqual({ a: 1, b: null });
    expect(await expandValue({ kind: "LIST", child: { kind: "INT", nullable: true, nullAsUndefined: true } }, [1, null], "l")).toEqual([1, undefined]);
    expect(await expandValue(counts, { a: 1, b: null }, "d")).toEqual({ a: 1, b: null });
    await expect(shrinkValue(floats, null, "l")).rejects.toThrow('port "l": expected a list (the port is not nullable and has no default), got null');
  });
});
