/**
 * The per-call cost of validation + adapters alone (the last table of run.ts), without the server:
 * quick to rerun while changing the value rule or the codecs. `--against <dir>` also measures the
 * same work with another checkout's `src/` (e.g. the previous commit exported with `git archive`),
 * alternating the two so that load on a shared machine hits both alike.
 *
 *   node --import tsx bench/runtime/adapters.ts [--against /tmp/old-checkout]
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

interface Work {
  agentSmall(): Promise<unknown>;
  agentList(): Promise<unknown>;
  callerSmall(): Promise<unknown>;
  callerList(): Promise<unknown>;
}

type Port = { key: string; kind: string; nullable: boolean; children?: Port[] };

async function load(root: string): Promise<Work> {
  const url = (path: string) => pathToFileURL(resolve(root, path)).href;
  const support = (await import(url("src/runtime/structures/support.ts"))) as typeof import("../../src/runtime/structures/support.js");
  const caller = (await import(url("src/runtime/caller/adapter.ts"))) as typeof import("../../src/runtime/caller/adapter.js");
  // The previous registries carried a zod schema per action; give it one when it asks for it.
  const { z } = await import("zod");
  const port = (key: string, kind: string, children?: Port[]): Port => ({ key, kind, nullable: false, ...(children ? { children } : {}) });
  const impl = (iface: string, args: Port[], returns: Port[]) => ({
    interface: iface,
    definition: { key: iface, version: "1", name: iface, kind: "FUNCTION", description: iface, collections: [], stateful: false, pure: false, idempotent: false, isDev: false, portGroups: [], args, returns, isTestFor: [] },
    effect: "NONE", needsToken: false, dependencies: [],
  });
  const intCodec = { kind: "INT" } as const;
  const listCodec = { kind: "LIST", child: { kind: "FLOAT" } } as const;
  const add = support.defineEntry({
    implementation: impl("add", [port("a", "INT"), port("b", "INT")], [port("return0", "INT")]) as never,
    fn: ((a: number, b: number) => a + b) as (...args: never[]) => unknown,
    argCodecs: [["a", intCodec], ["b", intCodec]],
    returnCodecs: [intCodec],
    ...({ args: z.strictObject({ a: z.int(), b: z.int() }) } as object),
  });
  const list = support.defineEntry({
    implementation: impl("sum", [port("xs", "LIST", [port("0", "FLOAT")])], [port("return0", "LIST", [port("0", "FLOAT")])]) as never,
    fn: ((xs: number[]) => xs) as (...args: never[]) => unknown,
    argCodecs: [["xs", listCodec]],
    returnCodecs: [listCodec],
    ...({ args: z.strictObject({ xs: z.array(z.number()) }) } as object),
  });
  const small = { a: 1, b: 2 };
  const xs = Array.from({ length: 10_000 }, (_, i) => i / 3);
  const adapter = caller.codecAdapter<{ a: number; b: number }, number>({ args: [["a", intCodec], ["b", intCodec]], returns: [intCodec] });
  const listAdapter = caller.codecAdapter<{ xs: number[] }, number[]>({ args: [["xs", listCodec]], returns: [listCodec] });
  return {
    agentSmall: async () => add.shrinkReturns(add.fn(...((await add.expandArgs(add.parseArgs(small))) as never[]))),
    agentList: async () => list.shrinkReturns(list.fn(...((await list.expandArgs(list.parseArgs({ xs }))) as never[]))),
    callerSmall: async () => adapter.decodeReturns({ return0: ((await adapter.encodeArgs(small)) as { a: number }).a }),
    callerList: async () => listAdapter.decodeReturns({ return0: (await listAdapter.encodeArgs({ xs })).xs }),
  };
}

async function perCall(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  for (let i = 0; i < Math.min(1000, iterations); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - t0) / iterations) * 1000;
}

const againstIndex = process.argv.indexOf("--against");
const roots: Array<[string, string]> = [["this checkout", resolve(".")]];
if (againstIndex > 0) roots.push([`--against ${process.argv[againstIndex + 1]}`, resolve(process.argv[againstIndex + 1]!)]);
const works = await Promise.all(roots.map(async ([name, root]) => [name, await load(root)] as const));
const best = new Map<string, number[]>();
for (let round = 0; round < 5; round++) {
  for (const [name, work] of works) {
    const times = [await perCall(work.agentSmall, 20_000), await perCall(work.agentList, 100), await perCall(work.callerSmall, 20_000), await perCall(work.callerList, 100)];
    const previous = best.get(name);
    best.set(name, previous ? previous.map((t, i) => Math.min(t, times[i]!)) : times);
  }
}
const us = (v: number) => `${v.toFixed(1)} µs`;
process.stdout.write(
  [
    "| code | agent small `{a, b}` | agent 10,000 floats | caller small | caller 10,000 floats |",
    "| --- | --- | --- | --- | --- |",
    ...[...best].map(([name, t]) => `| ${name} | ${t.map(us).join(" | ")} |`),
    "",
    "(best of 5 alternating rounds; agent: parseArgs + expandArgs + fn + shrinkReturns; caller: encodeArgs + decodeReturns)",
    "",
  ].join("\n"),
);
