/**
 * The one list of names generated code must not declare or import as bindings: JavaScript's
 * reserved words (strict mode, modules), plus `arguments` and `eval`.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval"
  ).split(" "),
);
