/**
 * The one prettier setup for generated TypeScript (registry, actions stubs, GraphQL layer): fixed
 * options, the user's prettier config is ignored, so output is byte-stable everywhere. prettier's
 * standalone build skips config-file resolution; the babel-ts parser prints the same bytes as the
 * typescript parser here at two to four times the speed.
 */
export const PRETTIER_OPTIONS = { parser: "babel-ts", printWidth: 100, trailingComma: "all" } as const;

type Format = (source: string) => Promise<string>;

/** Loads prettier (standalone, babel + estree plugins) once and returns its formatter. */
export async function loadFormatter(): Promise<Format> {
  const [prettier, babel, estree] = await Promise.all([
    import("prettier/standalone"),
    import("prettier/plugins/babel"),
    import("prettier/plugins/estree"),
  ]);
  const plugins = [babel.default ?? babel, estree.default ?? estree] as never;
  return (source) => prettier.format(source, { ...PRETTIER_OPTIONS, plugins });
}

/** Who formats a source of FormatPool (a shared Int32 per source): nobody yet, a worker, the main thread. */
export const CLAIM_NONE = 0;
export const CLAIM_WORKER = 1;
export const CLAIM_MAIN = 2;
