/**
 * The base of every error of ours: a stable `code` to match on (never the message) and, when the
 * user can do something about it, a one-line `hint`. The CLI shows an error with a hint as a user
 * error (message and hint, no stack).
 *
 * `run dev` can load a second copy of the package (the app's `arkitekt-next` and the CLI's), and a
 * plain `instanceof` fails across copies. So every error of ours carries a brand under a global
 * symbol (`Symbol.for`, shared by every copy and every realm), `isArkitektError` checks it, and
 * `instanceof` on our error classes falls back to it: an error of another copy is an instance of
 * our class of the same name.
 */

/** The brand on the prototype of every error of ours, in every copy of the package. */
export const ARKITEKT_ERROR_BRAND: symbol = Symbol.for("arkitekt-next.error");

/** A class of our errors, as `isArkitektError` takes it. */
export type ArkitektErrorClass<E extends ArkitektError> = abstract new (...args: never[]) => E;

export interface ArkitektErrorOptions {
  cause?: unknown;
}

export abstract class ArkitektError extends Error {
  /** Stable and machine-readable, e.g. `ARKITEKT_TASK_FAILED`: match on it, not on the message. */
  abstract readonly code: string;
  /** What to do about it, one line; absent when there is nothing the user can do. */
  declare readonly hint?: string;

  constructor(message: string, options?: ArkitektErrorOptions) {
    super(message, options);
  }

  /** `instanceof` that also recognises an error of another copy of the package (see the file's comment). */
  static override [Symbol.hasInstance]<E extends ArkitektError>(this: ArkitektErrorClass<E>, value: unknown): value is E {
    return isArkitektError(value, this);
  }
}
Object.defineProperty(ArkitektError.prototype, ARKITEKT_ERROR_BRAND, { value: true });

/**
 * True for an error of ours, from this copy of the package or another one (or another realm).
 * With `kind`, only for that class (or a subclass), matched across copies by class name.
 */
export function isArkitektError(value: unknown): value is ArkitektError;
export function isArkitektError<E extends ArkitektError>(value: unknown, kind: ArkitektErrorClass<E>): value is E;
export function isArkitektError(value: unknown, kind?: ArkitektErrorClass<ArkitektError>): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (kind !== undefined && Function.prototype[Symbol.hasInstance].call(kind, value)) return true;
  if ((value as Record<symbol, unknown>)[ARKITEKT_ERROR_BRAND] !== true) return false;
  return kind === undefined || classNamesOf(value).includes(kind.name);
}

/** The class names along `value`'s prototype chain (`TaskFailedError`, `ArkitektError`, `Error`, ...). */
function classNamesOf(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const constructor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value as { name?: unknown } | undefined;
    if (typeof constructor?.name === "string") names.push(constructor.name);
  }
  return names;
}
