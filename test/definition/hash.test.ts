/**
 * Issue 18: the args hash of an assign hashes the args' JSON text as is when it is already canonical
 * (`hashWithText`). It must equal `hashDefinitions` (sha256 of the canonical JSON) for every value:
 * the stored hashes of older tasks, and the `argsHash` filter, depend on it.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson, hashDefinitions, hashWithText } from "../../src/definition/hash.js";
import { prng } from "../server/helpers/prng.js";

const KEYS = ["a", "b", "B", "aa", "z", "10", "9", "0", "é", "key with space", "__proto__", ""];

function randomValue(next: () => number, depth: number): unknown {
  const roll = next();
  if (depth <= 0 || roll < 0.4) {
    const leaf = Math.floor(next() * 8);
    return [null, true, false, Math.floor(next() * 1000) - 500, next() * 10, "text", "ünïcode \u2028 \"quoted\"", undefined][leaf];
  }
  if (roll < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1));
  const object: Record<string, unknown> = {};
  const keys = KEYS.filter(() => next() < 0.4);
  // half the objects list their keys sorted, as most clients send them
  if (next() < 0.5) keys.sort();
  for (const key of keys) Object.defineProperty(object, key, { value: randomValue(next, depth - 1), enumerable: true, writable: true, configurable: true });
  return object;
}

describe("args hash (issue 18)", () => {
  it("issue 18: hashWithText equals hashDefinitions for sorted and unsorted keys, nested values, integer-like keys and undefined members", () => {
    const next = prng(18);
    let reused = 0;
    for (let i = 0; i < 3000; i++) {
      const value = { args: randomValue(next, 4) };
      const text = JSON.stringify(value);
      expect(hashWithText(value, text)).toBe(hashDefinitions(value));
      if (text === canonicalJson(value)) reused++;
    }
    // the fast path was taken for a good share of the values, and skipped for the others
    expect(reused).toBeGreaterThan(300);
    expect(reused).toBeLessThan(2700);
  });

  it("issue 18: values whose JSON text is not canonical fall back to the canonical JSON", () => {
    const date = new Date(0);
    expect(hashWithText({ at: date }, JSON.stringify({ at: date }))).toBe(hashDefinitions({ at: date }));
    expect(hashWithText({ b: 1, a: 2 }, '{"b":1,"a":2}')).toBe(hashDefinitions({ a: 2, b: 1 }));
    const inherited = Object.create({ z: 1 }) as Record<string, unknown>;
    inherited.a = 1;
    expect(hashWithText(inherited, JSON.stringify(inherited))).toBe(hashDefinitions(inherited));
  });
});
