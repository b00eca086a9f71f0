/**
 * Issue 16 review (agent state): values a state refuses or mangles (src/runtime/state.ts).
 *
 * 1. An own "__proto__" key (what JSON.parse makes of a caller's DICT/args `{"__proto__": {...}}`)
 *    is copied by `frozenCopy` with `out[key] = ...`, which sets the copy's prototype instead of a
 *    key: `get()` then answers the attacker's fields through the prototype (`get().admin === true`)
 *    while the platform is sent a value without them, and the patch degrades to a root replace.
 * 2. A cyclic value (or a very deep one) overflows the stack in frozenCopy: a RangeError without a
 *    hint instead of a StateValueError naming the state and the location.
 */
import { describe, expect, it } from "vitest";
import { MAX_STATE_BYTES, StateValueError, defineState, type StateChange } from "../../src/runtime/state.js";

describe("issue 16 review: state values with prototype keys, cycles and depth", () => {
  it("issue 16 review: an own __proto__ key is kept as data (or refused), never turned into the value's prototype", () => {
    const state = defineState("proto", { count: 0 } as Record<string, unknown>);
    const changes: StateChange[] = [];
    state.subscribe((c) => changes.push(c));
    const fromCaller = JSON.parse('{"count":1,"__proto__":{"admin":true}}') as Record<string, unknown>;
    let refused: unknown;
    try {
      state.set(fromCaller);
    } catch (error) {
      refused = error;
    }
    if (refused !== undefined) {
      expect(refused).toBeInstanceOf(StateValueError);
      return;
    }
    const value = state.get() as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value.admin).toBeUndefined();
    // what the agent reads and what the platform is sent agree
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    expect(changes.at(-1)?.ops.some((op) => op.path === "")).toBe(false);
  });

  it("issue 16 review: a cyclic value is refused with a StateValueError naming the location, not a stack overflow", () => {
    const state = defineState("cyclic", { a: 1 } as Record<string, unknown>);
    const cyclic: Record<string, unknown> = { a: 2 };
    cyclic.self = cyclic;
    let error: unknown;
    try {
      state.set(cyclic);
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).toBeInstanceOf(StateValueError);
    expect((error as StateValueError).message).toMatch(/\/self/);
    expect(state.get()).toEqual({ a: 1 });
  });

  it("issue 16 review: a value nested 20000 deep is refused with a StateValueError (a hint), not a RangeError", () => {
    const state = defineState("deep", { x: null } as Record<string, unknown>);
    const root: Record<string, unknown> = {};
    let at = root;
    for (let i = 0; i < 20_000; i++) at = at.x = {} as Record<string, unknown>;
    let error: unknown;
    try {
      state.set(root);
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).toBeInstanceOf(StateValueError);
  });

  it("issue 16 review: a value over MAX_STATE_BYTES is refused in the task that sets it (it would close the agent's socket 1009 and stop the agent)", () => {
    const state = defineState("big", { data: "" });
    expect(() => state.set({ data: "x".repeat(MAX_STATE_BYTES) })).toThrow(StateValueError);
    expect(() => state.set({ data: "x".repeat(MAX_STATE_BYTES) })).toThrow(/over the limit of 8388608/);
    expect(state.get()).toEqual({ data: "" });
    state.set({ data: "x".repeat(1000) });
    expect(state.get().data).toHaveLength(1000);
  });
});
