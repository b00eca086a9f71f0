/**
 * The functions this app serves. Each `register()` call makes a function callable through the
 * arkitekt platform; `npm run gen` reads their types and doc comments into `generated/`.
 */
import { File, register, type Int } from "arkitekt-next";

/**
 * Add two integers.
 * @param a The first summand
 * @param b The second summand
 * @returns The sum
 */
export const add = register(function add(a: Int, b: Int = 2): Int {
  return a + b;
});

/**
 * Greet someone.
 * @param name Who to greet
 * @param excited End with an exclamation mark
 * @returns The greeting
 */
export const greet = register(function greet(name: string, excited = false): string {
  return `Hello, ${name}${excited ? "!" : "."}`;
});

/**
 * The mean of some numbers.
 * @param values The numbers; at least one
 * @returns Their mean
 */
export const mean = register(function mean(values: number[]): number {
  if (values.length === 0) throw new Error("mean needs at least one value");
  return values.reduce((sum, v) => sum + v, 0) / values.length;
});

/**
 * Shout a text file: the same text in capitals, as a new file.
 * @param text A text file (kept in the platform's media store; only its reference travels)
 * @returns The shouted file
 */
export const shout = register(async function shout(text: File): Promise<File> {
  const shouted = (await text.text()).toUpperCase();
  return File.fromBytes(shouted, { name: `shouted-${text.name}` });
});
