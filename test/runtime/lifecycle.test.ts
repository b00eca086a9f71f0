/** Issue 16: the Lifecycle runner's limits (src/runtime/lifecycle.ts), in process. */
import { describe, expect, it } from "vitest";
import { Lifecycle, type DeclaredHook } from "../../src/runtime/lifecycle.js";
import { AgentStoppedError } from "../../src/runtime/agent/errors.js";

const hook = (kind: DeclaredHook["kind"], label: string, fn: DeclaredHook["fn"], deadlineMs?: number): DeclaredHook => ({
  kind,
  label,
  fn,
  ...(deadlineMs !== undefined ? { deadlineMs } : {}),
});

function logger() {
  const lines: string[] = [];
  return { lines, logger: { debug() {}, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) } };
}

describe("issue 16: lifecycle limits", () => {
  it("issue 16: a startup hook over startupTimeoutMs stops the start (its signal is aborted)", async () => {
    let aborted = false;
    const { logger: log } = logger();
    const lifecycle = new Lifecycle({ logger: log, startupTimeoutMs: 50 }, [
      hook("startup", "slow (src/x.ts:1)", ({ signal }) => new Promise<void>((resolve) => signal.addEventListener("abort", () => ((aborted = true), resolve()))))
    ]);
    const error = (await lifecycle.startup().catch((e: unknown) => e)) as AgentStoppedError;
    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(error.code).toBe("ARKITEKT_AGENT_STARTUP");
    expect(error.message).toBe("startup hook slow (src/x.ts:1) did not finish within 50 ms; the agent did not start");
    expect(error.hint).toMatch(/startupTimeoutMs/);
    expect(aborted).toBe(true);
  });

  it("issue 16: a background task that throws is logged and the agent goes on; stop runs shutdown hooks once, in order", async () => {
    const { lines, logger: log } = logger();
    const order: string[] = [];
    const lifecycle = new Lifecycle({ logger: log }, [
      hook("background", "broken (src/x.ts:2)", () => Promise.reject(new Error("sensor gone"))),
      hook("shutdown", "first", () => void order.push("first")),
      hook("shutdown", "throws", () => {
        throw new Error("nope");
      }),
      hook("shutdown", "last", () => void order.push("last")),
    ]);
    lifecycle.serve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines).toContain("error background task broken (src/x.ts:2) failed: sensor gone");
    const [a, b] = await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    expect(a).toBe(b);
    expect(order).toEqual(["first", "last"]);
    expect(a.failed).toEqual(["broken (src/x.ts:2)", "throws"]);
  });

  it("issue 16: a background task that ignores its abort is abandoned after backgroundStopTimeoutMs, never hanging the stop", async () => {
    const { lines, logger: log } = logger();
    const lifecycle = new Lifecycle({ logger: log, backgroundStopTimeoutMs: 30 }, [hook("background", "deaf", () => new Promise(() => undefined))]);
    lifecycle.serve();
    const report = await lifecycle.stop();
    expect(report.abandoned).toEqual(["deaf"]);
    expect(lines.some((l) => l.startsWith("warn background task deaf did not return within 30 ms"))).toBe(true);
  });

  it("issue 16: limits must be whole milliseconds", () => {
    expect(() => new Lifecycle({ logger: logger().logger, shutdownDeadlineMs: 0 }, [])).toThrow(/shutdownDeadlineMs must be a positive whole number/);
    expect(() => new Lifecycle({ logger: logger().logger, startupTimeoutMs: -1 }, [])).toThrow(/startupTimeoutMs/);
  });
});
