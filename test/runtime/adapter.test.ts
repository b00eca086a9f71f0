/** The caller's codec adapter: same wire values as the shared codec walkers, fast paths included; errors name the port. */
import { describe, expect, it } from "vitest";
import { codecAdapter, StructureReference, referenceStructure } from "../../src/runtime/caller/index.js";
import { PortValueError } from "../../src/runtime/registry.js";
import { expandValue, shrinkValue, type Codec } from "../../src/runtime/structures/support.js";
import { Color, Image, roundtripCodecs } from "../fixtures/runtime/registry.js";

const floats: Codec = { kind: "LIST", child: { kind: "FLOAT" } };
const maybeInts: Codec = { kind: "DICT", child: { kind: "INT", nullable: true } };

describe("codecAdapter", () => {
  it("encodes like shrinkValue for every kind (fast paths included)", async () => {
    const args = {
      s: "x", f: 1.5, flag: false, when: new Date("2024-01-02T03:04:05.000Z"), color: Color.Red, numbers: [1, 2.5],
      scores: { a: 1 }, either: 3, point: { x: 1, y: 2 }, image: new Image("i"), images: [new Image("j")], maybe: null,
    };
    const adapter = codecAdapter({ args: roundtripCodecs, returns: [] });
    const viaAdapter = await adapter.encodeArgs(args);
    const viaWalkers = Object.fromEntries(
      await Promise.all(roundtripCodecs.map(async ([key, codec]) => [key, await shrinkValue(codec, (args as Record<string, unknown>)[key], key)])),
    );
    expect(viaAdapter).toEqual(viaWalkers);
  });

  it("decodes like expandValue, and refuses values that do not fit naming the element", async () => {
    const adapter = codecAdapter<{ xs: number[]; d: Record<string, number | null> }, [number[], Record<string, number | null>]>({
      args: [["xs", floats], ["d", maybeInts]],
      returns: [floats, maybeInts],
    });
    const wire = { return0: [1, 2.5], return1: { a: 1, b: null } };
    expect(await adapter.decodeReturns(wire)).toEqual([await expandValue(floats, wire.return0, "return0"), await expandValue(maybeInts, wire.return1, "return1")]);
    await expect(adapter.encodeArgs({ xs: [1, Number.NaN], d: {} })).rejects.toThrow(PortValueError);
    await expect(adapter.encodeArgs({ xs: [1, Number.NaN], d: {} })).rejects.toThrow(/port "xs\[1\]"/);
    await expect(adapter.encodeArgs({ xs: [], d: { a: 1.5 } })).rejects.toThrow(/port "d\.a"/);
    await expect(adapter.encodeArgs({ xs: [], d: { a: null } })).resolves.toEqual({ xs: [], d: { a: null } });
    await expect(adapter.encodeArgs({ xs: [], d: {}, extra: 1 } as never)).rejects.toThrow(/port "extra"/);
  });

  it("unmapped structures come back as StructureReference and go out again as references", async () => {
    const codec: Codec = { kind: "STRUCTURE", identifier: "@lab/blob", cls: referenceStructure("@lab/blob") };
    const adapter = codecAdapter<{ blob: StructureReference }, StructureReference>({ args: [["blob", codec]], returns: [codec] });
    const back = await adapter.decodeReturns({ return0: { __identifier: "@lab/blob", object: "b-1" } });
    expect(back).toBeInstanceOf(StructureReference);
    expect(back.reference).toBe("b-1");
    expect(await adapter.encodeArgs({ blob: back })).toEqual({ blob: { __identifier: "@lab/blob", object: "b-1" } });
  });
});
