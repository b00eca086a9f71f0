/** A project full of mistakes: each line is one diagnostic the generator must report. */
export const badFiles: Record<string, string> = {
  "src/helpers.ts": `
export class Plain { constructor(readonly v: number) {} }
interface Hidden { a: number }
export function hidden(h: Hidden): void {}
`,
  "src/bad.ts": `import { register } from "arkitekt-next";
import { Plain, hidden } from "./helpers.js";
const seven = 7;
export const a1 = register(function anyArg(x: any): void {});
export const a2 = register(function unknownArg(x: unknown): void {});
export const a3 = register(function fnArg(cb: (n: number) => void): void {});
export const a4 = register(function generic<T>(x: T): void {});
export const a5 = register(function mapArg(m: Map<string, number>): void {});
export const a6 = register(function setArg(s: Set<string>): void {});
export const a7 = register(function bigArg(b: bigint): void {});
export const a8 = register(function symArg(s: symbol): void {});
export const a9 = register(function classArg(p: Plain): void {});
export const b1 = register(function nonLiteral(n: number = seven): void {});
export const b2 = register(function dup(a: number): void {});
export const b3 = register(function other(a: number): void {}, { interface: "dup" });
export const b4 = register(function nested(xs: Array<Map<string, number>>): void {});
export const b5 = register(function promiseArg(p: Promise<number>): void {});
export const b6 = register(function twoBad(a: any, b: unknown): void {});
register(hidden);
export const b7 = register(function optionsBad(a: number): void {}, { colour: "red" });
const b8 = register(function notExported(a: number): void {});
export interface Tree { value: number; children: Tree[] }
export const c1 = register(function tupleArg(pair: [number, string]): void {});
export const c2 = register(function recursive(tree: Tree): void {});
export const c3 = register(async function nestedPromise(): Promise<Promise<number>> { return Promise.resolve(1); });
export const c4 = register(function labelled(a: number): void {}, { ports: { b: { label: "B" } } });
export const c5 = register(42);
`,
};
