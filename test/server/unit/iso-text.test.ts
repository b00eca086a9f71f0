/**
 * Issue 18: the GraphQL layer formats stored timestamps without a Date for the usual range
 * (src/server/graphql/core/scope.ts `isoText`); every text must be the one `toISOString` writes.
 */
import { describe, expect, it } from "vitest";
import { isoText } from "../../../src/server/graphql/core/scope.js";

/** `toISOString`, or its error's message. */
function reference(ms: number): string {
  try {
    return new Date(ms).toISOString();
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}
function ours(ms: number): string {
  try {
    return isoText(ms);
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

describe("issue 18: timestamps formatted without a Date", () => {
  it("issue 18: isoText writes what toISOString writes, at the edges of days, years and its range, and for 100,000 spread values", () => {
    const edges = [
      0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000, 86_399_999, 86_400_000, 86_400_001,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1),
      253_402_300_799_999, 253_402_300_800_000, 8.64e15, -1, -86_400_001, 1.5, 0.25, Number.NaN, Number.POSITIVE_INFINITY,
    ];
    // a fixed linear congruential sequence over 1970-9999, and runs of consecutive milliseconds (the kept day)
    let state = 7;
    const spread: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      spread.push(Math.floor((state / 2 ** 31) * 253_402_300_800_000));
    }
    for (let i = 0; i < 2_000; i++) spread.push(Date.UTC(2026, 10, 29) - 1_000 + i * 997);
    const wrong = [...edges, ...spread].filter((ms) => ours(ms) !== reference(ms)).map((ms) => `${ms}: ${ours(ms)} instead of ${reference(ms)}`);
    expect(wrong).toEqual([]);
  });
});
