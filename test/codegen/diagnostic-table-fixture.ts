/**
 * A project that reaches every diagnostic of the functions extractor (every row of
 * src/codegen/functions/diagnostics.ts, and every variant of a row's message). Its full output is
 * kept in test/fixtures/functions/diagnostics.json, so a change of any code, message, hint or
 * place shows up in review.
 */
export const everyDiagnosticFiles: Record<string, string> = {
  "src/ext.d.ts": `export interface Outside { a: number }\n`,
  "src/types.ts": `
export class Plain { constructor(readonly v: number) {} }
export class BadId { static identifier = "@mikro"; constructor(readonly id: string) {} shrink(): string { return this.id; } static expand(r: string): BadId { return new BadId(r); } }
export class Img { static identifier = "@mikro/img"; constructor(readonly id: string) {} shrink(): string { return this.id; } static expand(r: string): Img { return new Img(r); } }
interface Hidden { a: number }
export interface Box<T> { value: T }
export interface WithMethod { a: number; run(): void }
export interface Tree { value: number; children: Tree[] }
export interface Settings { sigma: number }
export enum Mode { Fast = "fast", Slow = "slow" }
export enum Other { A = "a" }
export function hidden(h: Hidden): void {}
`,
  "src/types-bad.ts": `import { register } from "arkitekt-next";
import { Plain, BadId, Img, Box, WithMethod, Tree, Settings, Mode, Other } from "./types.js";
import type { Outside } from "./ext.js";
export const t1 = register(function anyArg(x: any): void {});
export const t2 = register(function unknownArg(x: unknown): void {});
export const t3 = register(function neverArg(x: never): void {});
export const t4 = register(function bigArg(b: bigint): void {});
export const t5 = register(function symArg(s: symbol): void {});
export const t6 = register(function generic<T>(x: T): void {});
export const t7 = register(function numLiteral(x: 3): void {});
export const t8 = register(function objectKeyword(x: object): void {});
export const t9 = register(function promiseArg(p: Promise<number>): void {});
export const u1 = register(function mapArg(m: ReadonlyMap<string, number>): void {});
export const u2 = register(function setArg(s: Set<string>): void {});
export const u3 = register(function tupleArg(pair: [number, string]): void {});
export const u4 = register(function tupleInReturn(): { pair: [number, string] } { return { pair: [1, "a"] }; });
export const u5 = register(function fnArg(cb: (n: number) => void): void {});
export const u6 = register(function classArg(p: Plain): void {});
export const u7 = register(function badIdentifier(p: BadId): void {});
export const u8 = register(function numberIndex(x: { [i: number]: string }): void {});
export const u9 = register(function recursive(tree: Tree): void {});
export const v1 = register(function genericModel(b: Box<number>): void {});
export const v2 = register(function method(w: WithMethod): void {});
export const v3 = register(function outside(o: Outside): void {});
export const v4 = register(function nullOnly(x: null): void {});
export const v5 = register(function* notGenerator(): number[] { return []; });
export const v6 = register(async function nestedPromise(): Promise<Promise<number>> { return Promise.resolve(1); });
export const v7 = register(function destructured({ a }: { a: number }): void {});
export const v8 = register(function rest(...xs: number[]): void {});
`,
  "src/defaults-bad.ts": `import { register } from "arkitekt-next";
import { Img, Settings, Mode, Other } from "./types.js";
const seven = 7;
export const d1 = register(function nonLiteral(n: number = seven): void {});
export const d2 = register(function modelDefault(s: Settings = { sigma: 1 }): void {});
export const d3 = register(function structureDefault(i: Img | null = null, j: Img = "x" as unknown as Img): void {});
export const d4 = register(function enumMemberOnString(s: string = Mode.Fast): void {});
export const d5 = register(function notAChoice(m: "a" | "b" = "c" as "a"): void {});
`,
  "src/options-bad.ts": `import { register } from "arkitekt-next";
import { hidden } from "./types.js";
const opts = { name: "x" };
const label = "L";
export const o1 = register(function notObject(a: number): void {}, opts);
export const o2 = register(function spread(a: number): void {}, { ...opts });
export const o3 = register(function unknownKey(a: number): void {}, { colour: "red" });
export const o4 = register(function notLiteral(a: number): void {}, { name: label });
export const o5 = register(function notBoolean(a: number): void {}, { pure: "yes" });
export const o6 = register(function notStrings(a: number): void {}, { collections: ["a", 1] });
export const o7 = register(function badEffect(a: number): void {}, { effect: "LOUD" });
export const o8 = register(function portsNotObject(a: number): void {}, { ports: ["a"] });
export const o9 = register(function portSpecNotObject(a: number): void {}, { ports: { a: "A" } });
export const p1 = register(function portSpecKey(a: number): void {}, { ports: { a: { colour: "red" } } });
export const p2 = register(function emptyName(a: number): void {}, { name: "" });
export const p3 = register(function unknownPort(a: number): void {}, { ports: { b: { label: "B" }, c: {} } });
export const p4 = register(function unknownPortNone(): void {}, { ports: { b: { label: "B" } } });
export const p5 = register(function pureStateful(a: number): void {}, { pure: true, stateful: true });
export const p6 = register(function purePhysical(a: number): void {}, { pure: true, effect: "PHYSICAL" });
export const p7 = register(function dup(a: number): void {});
export const p8 = register(function other(a: number): void {}, { interface: "dup" });
`,
  "src/hints-bad.ts": `import { register } from "arkitekt-next";
export const h1 = register(function sliderOnString(name: string): void {}, { ports: { name: { widget: { kind: "slider", min: 0, max: 1 } } } });
export const h2 = register(function minAboveMax(level: number): void {}, { ports: { level: { widget: { kind: "slider", min: 5, max: 1 } } } });
export const h3 = register(function badPattern(name: string): void {}, { ports: { name: { validators: [{ pattern: "([a-z" }] } } });
export const h4 = register(function missingRef(low: number, high: number): void {}, { ports: { low: { validators: [{ lessThan: "hgh" }] } } });
export const h5 = register(function unknownKind(a: number): void {}, { ports: { a: { widget: { kind: "dial" } } } });
export const h6 = register(function choiceValue(a: number): void {}, { ports: { a: { widget: { kind: "choice", choices: [{ value: "x", label: "X" }] } } } });
export const h7 = register(function validatorOnReturn(a: number): number { return a; }, { ports: { return0: { validators: [{ min: 0 }] } } });
export const h8 = register(function effectRef(a: number, b: boolean): void {}, { ports: { a: { effects: [{ hideIf: { port: "c", equals: true } }] } } });
export const h9 = register(function groupRef(a: number): void {}, { portGroups: [{ key: "g", ports: ["a", "zz"] }] });
export const i1 = register(function lengthOnNumber(a: number): void {}, { ports: { a: { validators: [{ length: { max: 3 } }] } } });
export const i2 = register(function twoRules(a: number): void {}, { ports: { a: { validators: [{ min: 0, max: 1 }] } } });
export const i4 = register(function unsafePattern(s: string): void {}, { ports: { s: { validators: [{ pattern: "^(a)\\\\1$" }] } } });
export const i3 = register(function dupGroup(a: number, b: number): void {}, { portGroups: [{ key: "g", ports: ["a"] }, { key: "g", ports: ["b"] }] });
`,
  "src/register-bad.ts": `import { register } from "arkitekt-next";
import { hidden } from "./types.js";
// @ts-expect-error register needs a function
export const r1 = register();
// @ts-expect-error not a function
export const r2 = register(42);
console.log(register((a: number) => a));
const r3 = register(function notExported(a: number): void {});
register(hidden);
`,
  "src/hooks-bad.ts": `import { onStartup, background, onShutdown, register } from "arkitekt-next";
export function setup(): void {
  onStartup(() => {});
}
// @ts-expect-error not a function
background(42);
onShutdown(() => {}, { deadlineMs: 0 });
export const h1 = register(function lockTwice(): void {}, { locks: ["camera", "camera"], concurrency: 0 });
`,
  // Memory structures (issue 16)
  "src/memory-bad.ts": `import { register, type MemoryStructure } from "arkitekt-next";
export class NoIdentifier implements MemoryStructure {}
export class LooseIdentifier implements MemoryStructure { static identifier = "model"; }
export class Both implements MemoryStructure { static identifier = "@test/both"; shrink(): string { return ""; } static expand(ref: string): Both { return new Both(); } }
export const m1 = register(function noIdentifier(m: NoIdentifier): void {});
export const m2 = register(function looseIdentifier(m: LooseIdentifier): void {});
export const m3 = register(function both(m: Both): void {});
`,
  // issue 16: defineState (ARK_STATE)
  "src/state-bad.ts": `import { defineState } from "arkitekt-next";
const name = "dyn";
export const s1 = defineState(name, { n: 1 });
export const s2 = defineState("twice", { n: 1 });
export const s3 = defineState("twice", { n: 2 });
export const s4 = defineState("list", [1, 2]);
export const s5 = defineState("dates", { at: new Date() });
const s6 = defineState("hidden", { n: 1 });
console.log(s6);
`,
};
