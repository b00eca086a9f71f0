/**
 * The CLI's error split: a `UserError` is a mistake the user can fix (message and
 * hint, exit 1, no stack); `ReportedError` means the details were already printed (exit code
 * only); anything else is a bug of ours (stack, versions, how to report).
 *
 * The checks use the brand of src/shared/errors.ts, not a bare `instanceof Error`: under `run dev`
 * an error can come from the app's copy of the package.
 */
import { ArkitektError, isArkitektError } from "../shared/errors.js";

export class UserError extends ArkitektError {
  override readonly name = "UserError";
  readonly code = "ARKITEKT_USER_ERROR";
  constructor(
    message: string,
    /** What to do about it, one line. */
    override readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Thrown when a command has already printed what went wrong (e.g. a list of diagnostics). */
export class ReportedError extends ArkitektError {
  override readonly name = "ReportedError";
  readonly code = "ARKITEKT_REPORTED";
  constructor(readonly exitCode = 1) {
    super("already reported");
  }
}

/** Errors that carry a hint (ours, from any copy of the package, or any other `Error`) are shown like user errors. */
export function isUserFacing(error: unknown): error is Error & { hint?: string; code?: string } {
  if (isArkitektError(error, UserError)) return true;
  return (isArkitektError(error) || error instanceof Error) && typeof (error as { hint?: unknown }).hint === "string";
}
