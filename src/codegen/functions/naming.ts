/**
 * Naming rules, fixed once (docs/spec/definitions-and-values.md):
 * - interface: the function name in snake_case (`blurImage` -> `blur_image`), as the reference
 *   client does, so that an app ported from Python keeps its interfaces; `interface` overrides;
 * - key: the function name as written; `key` overrides;
 * - name: the words of the function name in Title Case (`blurImage` -> "Blur Image");
 * - MODEL identifier: the interface/alias name in snake_case; anonymous type literals
 *   `<interface>.<port path>`;
 * - ENUM identifier: `<module path>.<enum name>` lowercased (module path = the file relative to
 *   the project root without extension, `/` -> `.`); literal unions `literal.<v1>_<v2>...`.
 */

/** Splits `blurImage`, `blur_image`, `BlurImage2D`, `HTTPServer` into lowercase words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function snakeCase(name: string): string {
  return words(name).join("_");
}

export function titleCase(name: string): string {
  return words(name)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

/** Module path for enum identifiers: `src/filters.ts` -> `src.filters`. */
export function modulePath(relativeFile: string): string {
  return relativeFile
    .replace(/\\/g, "/")
    .replace(/\.(d\.)?[cm]?tsx?$/, "")
    .split("/")
    .filter((part) => part && part !== "." && part !== "..")
    .join(".");
}
