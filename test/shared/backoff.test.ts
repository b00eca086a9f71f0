import { describe, expect, it } from "vitest";
import { backoffDelay, compileBackoff, sleep } from "../../src/shared/backoff.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";

describe("the one backoff (src/shared/backoff.ts)", () => {
  it("doubles from the first delay up to the bound, a jitter share of each delay random", () => {
    const b = compileBackoff({ initialDelayMs: 100, maxDelayMs: 1000 });
    expect(b).toEqual({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 });
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, b, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, b, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoffDelay(2, compileBackoff({ initialDelayMs: 100, jitter: 0 }), Math.random)).toBe(400);
  });

  it("defaults to 250 ms doubling to 10 s, half jittered", () => {
    expect(compileBackoff()).toEqual({ initialDelayMs: 250, maxDelayMs: 10_000, factor: 2, jitter: 0.5 });
  });

  it("refuses options that cannot work, naming them", () => {
    expect(() => compileBackoff({ initialDelayMs: -1 })).toThrow("reconnect.initialDelayMs must be >= 0");
    expect(() => compileBackoff({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow("reconnect.maxDelayMs must be >= reconnect.initialDelayMs");
    expect(() => compileBackoff({ factor: 0.5 })).toThrow("reconnect.factor must be >= 1");
    expect(() => compileBackoff({ jitter: 2 })).toThrow("reconnect.jitter must be in [0, 1]");
  });

  it("is the GraphQL transport's backoff too: its reconnect options are compiled by it", () => {
    expect(() => createGraphQLClient({ url: "http://127.0.0.1:1/graphql", reconnect: { jitter: 2 } })).toThrow("reconnect.jitter must be in [0, 1]");
    expect(() => createGraphQLClient({ url: "http://127.0.0.1:1/graphql", reconnect: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20, factor: 3 } })).not.toThrow();
  });

  it("sleep ends early when its signal aborts, never rejects, and works without a signal", async () => {
    // a 60 s sleep that did not end on abort would outlive the test's timeout
    const abort = new AbortController();
    const slept = sleep(60_000, abort.signal);
    abort.abort();
    await expect(slept).resolves.toBeUndefined();
    await expect(sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
