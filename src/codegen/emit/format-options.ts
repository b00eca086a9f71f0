/** Fixed prettier options for generated TypeScript (the user's prettier config is ignored, so output is byte-stable). */
export const PRETTIER_OPTIONS = { parser: "babel-ts", printWidth: 100, trailingComma: "all" } as const;
