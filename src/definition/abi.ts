/**
 * The generated-code ABI: the number of the contract between the files `arkitekt-next gen` writes
 * (registry modules, actions stubs, GraphQL functions) and the runtime they hand themselves to
 * (`generatedSupport`, `codecAdapter`, the GraphQL client). Every generated file names it in its
 * header and passes it to the runtime, which refuses another number with an error that says to
 * run `arkitekt-next gen`.
 *
 * Bump it only when that contract changes (a helper renamed, a spec field added that old files do
 * not pass, a changed meaning): a release that keeps the contract must not rewrite every user's
 * committed `generated/`.
 */
export const GENERATED_CODE_ABI = 1;
