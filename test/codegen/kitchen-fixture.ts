/** The kitchen-sink project: every row of the type table and every registration form. */
export const kitchenFiles: Record<string, string> = {
  "src/shapes.ts": `
import type { Structure } from "arkitekt-next";
export class Image implements Structure<string> {
  static identifier = "@mikro/image";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): Image { return new Image(ref); }
}
/** Colour channels. */
export enum Channel {
  /** The red one */
  Red = "r",
  Green = "g",
}
export enum Level { Low, High = 10 }
/** Blur settings */
export interface BlurSettings {
  /** Kernel width */
  sigma: number;
  passes?: number;
}
export type Point = { x: number; y: number };
`,
  "src/ark.ts": `export { register as reg, type Int as Integer } from "arkitekt-next";\n`,
  "src/impl.ts": `
import type { Int } from "arkitekt-next";
/** Doubles a number. */
export function double(x: Int): Int { return x * 2; }
`,
  "src/rows.ts": `
import { register, type Int } from "arkitekt-next";
import * as ark from "arkitekt-next";
import { reg, type Integer } from "./ark.js";
import { Image, Channel, Level, type BlurSettings, type Point } from "./shapes.js";
import { double } from "./impl.js";

export const num = register(function num(a: number): number { return a; });
export const int = register(function int(a: Int): Int { return a; });
export const str = register(function str(a: string): string { return a; });
export const bool = register(function bool(a: boolean): boolean { return a; });
export const date = register(function date(a: Date): Date { return a; });
export const strEnum = register(function strEnum(a: Channel): Channel { return a; });
export const numEnum = register(function numEnum(a: Level = Level.High): Level { return a; });
export const literals = register(function literals(a: "fast" | "slow" = "slow"): "fast" | "slow" { return a; });
export const lists = register(function lists(a: number[], b: readonly string[], c: Array<Int[]>): void {});
export const dict = register(function dict(a: Record<string, number>, b: { [key: string]: Image }): void {});
export const nullables = register(function nullables(a?: number, b: string | null = null, c: Int | undefined = undefined): void {});
export const defaults = register(function defaults(a = -1.5, b = "x", c = true, d: number[] = [1, 2], e: Channel = Channel.Green, f: string | null = null): void {});
export const model = register(function model(a: BlurSettings, b: { w: number; h?: Int }, p: Point): void {});
export const union = register(function union(a: number | string, b: Image | Int | null): void {});
export const structs = register(function structs(a: Image, b: Image[], c: Record<string, Image>, d: Image | null): void {});
export const promised = register(async function promised(): Promise<Image> { return new Image("1"); });
export const tuple = register(function tuple(): [Int, string] { return [1, "a"]; });
export const nothing = register(async function nothing(): Promise<void> {});
export const agen = register(async function* agen(n: Int): AsyncGenerator<Int> { yield n; });
export const sgen = register(function* sgen(): Generator<[string, number]> { yield ["a", 1]; });
export const arrow = register((a: number): number => a, { key: "arrow" });
export const aliased = reg(function aliased(a: Integer): Integer { return a; });
export const ns = ark.register(function ns(a: number): number { return a; });
register(double, { description: "Twice as much", ports: { x: { label: "X", description: "the input" } } });
/**
 * Summary line.
 *
 * Longer body.
 * @param a first
 * @returns the result
 */
export const documented = register(function documented(a: number): number { return a; }, {
  interface: "docs", name: "Documented!", collections: ["c1"], stateful: true, idempotent: true, effect: "PHYSICAL", needsToken: false, version: "2",
});
`,
  "src/default.ts": `
import { register } from "arkitekt-next";
export default register(function defaultExport(a: string): string { return a; });
`,
  // issue 14: the package's built-in File structure, imported from "arkitekt-next" (aliased too).
  "src/files.ts": `
import { register, File, File as Blob } from "arkitekt-next";
/** Makes a derived file. */
export const derive = register(async function derive(file: File, copies: Blob[] = [], note?: File | null): Promise<File> {
  return File.fromBytes((await file.text()).toUpperCase(), { name: "upper-" + file.name });
});
`,
};

