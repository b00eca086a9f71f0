/** The refusals of the platform core (and of the areas): what the client sees in the GraphQL error. */
import { ArkitektError } from "../../shared/errors.js";

export class PlatformError extends ArkitektError {
  override readonly name = "PlatformError";
  constructor(
    message: string,
    readonly code: string = "BAD_REQUEST",
    /** More machine-readable detail for the client, e.g. INVALID_ARGS' `ports` (see `invalidArgs`). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** One refused port of an `assign`, as the GraphQL error's `extensions.ports` carries it (the UI shows it at the field). */
export interface RefusedPort {
  /** The port key path from the top of the args: `a`, `images[2]`, `settings.threshold`, `label.__value`. */
  readonly path: string;
  /** What is wrong there, without the path: `expected a finite number, got the string "x"`. */
  readonly message: string;
}

/**
 * The INVALID_ARGS refusal of an assign: the message names every problem (as before), and
 * `extensions` carry them per port, `{ code: "INVALID_ARGS", ports: [{ path, message }], omitted }`
 * (`omitted`: problems past the reported ones, only when there are any).
 */
export function invalidArgs(actionKey: string, text: string, ports: readonly RefusedPort[], omitted = 0): PlatformError {
  return new PlatformError(`Invalid args for action "${actionKey}": ${text}`, "INVALID_ARGS", { ports, ...(omitted > 0 ? { omitted } : {}) });
}

