/**
 * The runtime's side of the generated-code ABI (definition/abi.ts): every generated file passes
 * the ABI it was written for, and this check refuses another one before the file's code runs.
 */
import { GENERATED_CODE_ABI } from "../definition/abi.js";

/** A generated file was written for another generated-code ABI than this runtime reads. */
export class GeneratedCodeMismatchError extends Error {
  override readonly name = "GeneratedCodeMismatchError";
  readonly code = "ARKITEKT_GENERATED_ABI";
  constructor(
    /** The generated file, as its header names it (relative to the project). */
    readonly file: string,
    /** The ABI the file was written for; undefined for files older than ABI numbers. */
    readonly fileAbi: number | undefined,
    /** The ABI this runtime reads. */
    readonly runtimeAbi: number = GENERATED_CODE_ABI,
  ) {
    const written = fileAbi === undefined ? "by an arkitekt-next gen older than generated-code ABI numbers" : `for generated-code ABI ${fileAbi}`;
    super(
      `${file} was written ${written}, but this arkitekt-next runtime reads generated-code ABI ${runtimeAbi}: ` +
        "run `arkitekt-next gen` to rewrite generated/ for the installed arkitekt-next (then rebuild).",
    );
  }
}

/** Throws `GeneratedCodeMismatchError` unless `abi` is the ABI this runtime reads. */
export function checkAbi(abi: unknown, file: string): void {
  if (abi !== GENERATED_CODE_ABI) throw new GeneratedCodeMismatchError(file, typeof abi === "number" ? abi : undefined);
}
