/**
 * `DependencyClient.iterate` (a leftover of issue 16's review, untested until now): a generator
 * called through a dependency streams its values as a child of the calling task, with the task's
 * signal, explains an assign failure as a DependencyError, hands `return()` to the inner stream,
 * and refuses once the task has ended. The platform client is a stand-in recording its calls.
 */
import { describe, expect, it } from "vitest";
import type { AgentDependency } from "../../src/definition/model.js";
import type { ArkitektClient } from "../../src/runtime/caller/client.js";
import { AssignError } from "../../src/runtime/caller/errors.js";
import { DependencyError, dependencyClient } from "../../src/runtime/dependencies.js";

const seg: AgentDependency = { key: "seg", optional: false, actionDependencies: [], autoResolvable: true };

function streamingClient(values: unknown[], failWith?: Error) {
  const calls: Array<{ target: unknown; args: unknown; options: { signal?: AbortSignal; parent?: string | null } }> = [];
  let returned = 0;
  const client = {
    iterate(target: unknown, args: unknown, options: { signal?: AbortSignal; parent?: string | null } = {}) {
      calls.push({ target, args, options });
      return {
        [Symbol.asyncIterator]() {
          let at = 0;
          return {
            next: async () => {
              if (at < values.length) return { done: false, value: values[at++] };
              if (failWith) throw failWith;
              return { done: true, value: undefined };
            },
            return: async () => {
              returned++;
              return { done: true, value: undefined };
            },
          };
        },
      };
    },
  };
  return { calls, returned: () => returned, client: client as unknown as ArkitektClient };
}

describe("DependencyClient.iterate", () => {
  it("issue 16: iterate streams the dependency's values as a child of the calling task, with the task's signal", async () => {
    const { calls, client } = streamingClient([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const task = { signal: new AbortController().signal, over: () => false };
    const dep = dependencyClient("seg", [seg], () => client, "41", task);
    const seen: unknown[] = [];
    for await (const value of dep.iterate({ dependency: "seg", method: "count" }, { to: 3 })) seen.push(value);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.target).toEqual({ dependency: "seg", method: "count" });
    expect(calls[0]!.args).toEqual({ to: 3 });
    expect(calls[0]!.options.parent).toBe("41");
    expect(calls[0]!.options.signal).toBe(task.signal);
  });

  it("issue 16: an assign failure while iterating becomes a DependencyError naming the dependency and method", async () => {
    const { client } = streamingClient([{ n: 1 }], new AssignError("dependency \"seg\" method \"count\"", "no implementation is resolved"));
    const dep = dependencyClient("seg", [seg], () => client, "41");
    const seen: unknown[] = [];
    const failure = await (async () => {
      try {
        for await (const value of dep.iterate({ dependency: "seg", method: "count" }, {})) seen.push(value);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(seen).toEqual([{ n: 1 }]);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as DependencyError).message).toBe('dependency "seg" (method "count") cannot be called: no implementation is resolved');
    expect((failure as DependencyError).cause).toBeInstanceOf(AssignError);
  });

  it("issue 16: breaking out of the loop returns the inner stream", async () => {
    const { client, returned } = streamingClient([1, 2, 3, 4]);
    const dep = dependencyClient("seg", [seg], () => client, "41");
    for await (const value of dep.iterate<Record<string, unknown>, number>({ dependency: "seg", method: "count" }, {})) if (value === 2) break;
    expect(returned()).toBe(1);
  });

  it("issue 16: iterate refuses once the task has ended, a parent of another task, and another dependency's target", () => {
    let over = false;
    const { calls, client } = streamingClient([1]);
    const dep = dependencyClient("seg", [seg], () => client, "41", { signal: new AbortController().signal, over: () => over });
    expect(() => dep.iterate({ dependency: "seg", method: "count" }, {}, { parent: "7" })).toThrow(DependencyError);
    expect(() => dep.iterate({ dependency: "other", method: "count" }, {})).toThrow(/names dependency "other"/);
    over = true;
    expect(() => dep.iterate({ dependency: "seg", method: "count" }, {})).toThrow(/task 41 has ended/);
    expect(calls).toHaveLength(0);
  });
});
