/** Issue 15: the JSON Patch operations the state area applies to a state's current value (RFC 6902). */
import { describe, expect, it } from "vitest";
import { applyPatch } from "../../../src/server/areas/state/json-patch.js";

describe("issue 15: JSON Patch of state values", () => {
  const doc = { count: 1, items: ["a", "b"], nested: { "a/b": 1, "m~n": 2 } };

  it("issue 15: add, remove, replace, move, copy and test apply as RFC 6902 says, leaving the input unchanged", () => {
    const before = structuredClone(doc);
    expect(applyPatch(doc, { op: "add", path: "/items/-", value: "c" })).toEqual({ ok: true, value: { ...doc, items: ["a", "b", "c"] } });
    expect(applyPatch(doc, { op: "add", path: "/items/0", value: "z" })).toEqual({ ok: true, value: { ...doc, items: ["z", "a", "b"] } });
    expect(applyPatch(doc, { op: "remove", path: "/items/0" })).toEqual({ ok: true, value: { ...doc, items: ["b"] } });
    expect(applyPatch(doc, { op: "replace", path: "/nested/a~1b", value: 5 })).toEqual({ ok: true, value: { ...doc, nested: { "a/b": 5, "m~n": 2 } } });
    expect(applyPatch(doc, { op: "replace", path: "/nested/m~0n", value: 6 })).toMatchObject({ ok: true, value: { nested: { "m~n": 6 } } });
    expect(applyPatch(doc, { op: "move", from: "/count", path: "/total" })).toEqual({ ok: true, value: { items: ["a", "b"], nested: doc.nested, total: 1 } });
    expect(applyPatch(doc, { op: "copy", from: "/items/1", path: "/first" })).toMatchObject({ ok: true, value: { first: "b", items: ["a", "b"] } });
    expect(applyPatch(doc, { op: "test", path: "/items", value: ["a", "b"] })).toEqual({ ok: true, value: doc });
    expect(applyPatch(doc, { op: "replace", path: "", value: { fresh: true } })).toEqual({ ok: true, value: { fresh: true } });
    expect(doc).toEqual(before);
  });

  it("issue 15: an operation that does not apply says where and why", () => {
    expect(applyPatch(doc, { op: "replace", path: "/missing", value: 1 })).toEqual({ ok: false, error: "/missing: nothing to replace here" });
    expect(applyPatch(doc, { op: "add", path: "/items/7", value: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/^\/items\/7: "7" is not an index/) });
    expect(applyPatch(doc, { op: "add", path: "/a/b/c", value: 1 })).toEqual({ ok: false, error: "/a/b/c: the parent of this location does not exist" });
    expect(applyPatch(doc, { op: "remove", path: "count" })).toMatchObject({ ok: false, error: expect.stringMatching(/is not a JSON pointer/) });
    expect(applyPatch(doc, { op: "test", path: "/count", value: 2 })).toEqual({ ok: false, error: "/count: test failed" });
    expect(applyPatch(doc, { op: "merge", path: "/count", value: 2 })).toMatchObject({ ok: false, error: expect.stringMatching(/op "merge" is not a JSON Patch operation/) });
  });
});
