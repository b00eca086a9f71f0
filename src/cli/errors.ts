/**
 * The CLI's error split (see STYLE.md): a `UserError` is a mistake the user can fix (message and
 * hint, exit 1, no stack); `ReportedError` means the details were already printed (exit code
 * only); anything else is a bug of ours (stack, versions, how to report).
 */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    /** What to do about it, one line. */
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Thrown when a command has already printed what went wrong (e.g. a list of diagnostics). */
export class ReportedError extends Error {
  override readonly name = "ReportedError";
  constructor(readonly exitCode = 1) {
    super("already reported");
  }
}

/** Library errors that carry a hint and a stable code are shown like user errors. */
export function isUserFacing(error: unknown): error is Error & { hint?: string; code?: string } {
  return (
    error instanceof UserError ||
    (error instanceof Error && typeof (error as { hint?: unknown }).hint === "string")
  );
}
