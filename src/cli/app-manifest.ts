/**
 * The app's own manifest, `arkitekt.json`, as `init` writes it and `manifest` edits it: the rules
 * for an identifier, a semver version and a scope, version bumps, and an edit of top-level keys
 * that keeps the rest of the file as it was written.
 */

/** An app identifier: lowercase letters, digits, dots and dashes (e.g. `com.example.myapp`); it names the agent `identifier:version`. */
export const IDENTIFIER_PATTERN = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

/** Why `value` is not an app identifier, or undefined when it is one. */
export function identifierProblem(value: string): string | undefined {
  if (value === "") return "the identifier must not be empty";
  if (value.length > 214) return "the identifier is longer than 214 characters (it is also the npm package name)";
  if (!IDENTIFIER_PATTERN.test(value)) {
    return `"${value}" is not an app identifier: use lowercase letters, digits, dots and dashes, starting and ending with a letter or digit (e.g. com.example.myapp)`;
  }
  return undefined;
}

/** The identifier closest to a folder name (`My App_2` -> `my-app-2`); may be empty. */
export function identifierFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[.-]+|[.-]+$/g, "");
}

// The regular expression of semver.org (2.0.0), with named groups.
const SEMVER =
  /^(?<major>0|[1-9]\d*)\.(?<minor>0|[1-9]\d*)\.(?<patch>0|[1-9]\d*)(?:-(?<pre>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+(?<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
}

/** The parts of a semver 2.0 version, or undefined when `value` is not one. */
export function parseSemver(value: string): Semver | undefined {
  const groups = SEMVER.exec(value)?.groups;
  if (!groups) return undefined;
  const version: Semver = { major: Number(groups.major), minor: Number(groups.minor), patch: Number(groups.patch) };
  if (groups.pre) version.prerelease = groups.pre;
  return version;
}

/** Why `value` is not a semver version, or undefined when it is one. */
export function versionProblem(value: string): string | undefined {
  return parseSemver(value) ? undefined : `"${value}" is not a semver version (MAJOR.MINOR.PATCH, e.g. 0.1.0 or 1.0.0-beta.1)`;
}

export type VersionBump = "major" | "minor" | "patch";

/**
 * The next version, as `npm version` bumps it: a prerelease is released by a bump that does not
 * pass it (`1.2.0-rc.1`: patch and minor -> `1.2.0`, major -> `2.0.0`); build metadata is dropped.
 */
export function bumpVersion(current: string, bump: VersionBump): string {
  const v = parseSemver(current);
  if (!v) throw new Error(`not a semver version: ${current}`);
  const pre = v.prerelease !== undefined;
  switch (bump) {
    case "major":
      return pre && v.minor === 0 && v.patch === 0 ? `${v.major}.0.0` : `${v.major + 1}.0.0`;
    case "minor":
      return pre && v.patch === 0 ? `${v.major}.${v.minor}.0` : `${v.major}.${v.minor + 1}.0`;
    case "patch":
      return pre ? `${v.major}.${v.minor}.${v.patch}` : `${v.major}.${v.minor}.${v.patch + 1}`;
  }
}

/** Why `value` is not a scope, or undefined when it is one. */
export function scopeProblem(value: string): string | undefined {
  if (value === "") return "a scope must not be empty";
  if (/\s|,/.test(value)) return `"${value}" is not a scope: a scope has no spaces or commas (e.g. read, openid)`;
  return undefined;
}

/** A comma- or space-separated list of scopes, without empties and duplicates. */
export function splitScopes(list: string): string[] {
  return [...new Set(list.split(/[\s,]+/).filter((s) => s !== ""))];
}

/**
 * Sets top-level keys of a JSON object text, keeping everything else byte for byte: a key that
 * exists gets its value replaced in place, a new key is appended as the object's last member (in the
 * file's indentation). Values are written as compact one-line JSON (`["a", "b"]`). The result is
 * checked by parsing it; if the text cannot be edited in place it is rewritten as 2-space JSON.
 */
export function setTopLevelKeys(text: string, updates: Record<string, unknown>): string {
  const original = JSON.parse(text) as Record<string, unknown>;
  const expected = { ...original, ...updates };
  const rewrite = (): string => `${JSON.stringify(expected, null, 2)}\n`;
  let out = text;
  try {
    for (const [key, value] of Object.entries(updates)) out = setOneKey(out, key, inlineJson(value));
  } catch {
    return rewrite();
  }
  return JSON.stringify(JSON.parse(out)) === JSON.stringify(expected) ? out : rewrite();
}

function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}

interface Member {
  key: string;
  valueStart: number;
  valueEnd: number;
}

/** The top-level members of a JSON object text, with where each value starts and ends. */
function topLevelMembers(text: string): { members: Member[]; open: number; close: number } {
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
  };
  const skipValue = (): void => {
    if (text[i] === '"') return skipString();
    if (text[i] === "{" || text[i] === "[") {
      let depth = 0;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '"') {
          skipString();
          continue;
        }
        if (c === "{" || c === "[") depth++;
        if (c === "}" || c === "]") depth--;
        i++;
        if (depth === 0) return;
      }
      return;
    }
    while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
  };
  skipSpace();
  if (text[i] !== "{") throw new Error("not an object");
  const open = i++;
  const members: Member[] = [];
  for (;;) {
    skipSpace();
    if (text[i] === "}") return { members, open, close: i };
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    skipSpace();
    i++; // ':'
    skipSpace();
    const valueStart = i;
    skipValue();
    members.push({ key, valueStart, valueEnd: i });
    skipSpace();
    if (text[i] === ",") i++;
  }
}

function setOneKey(text: string, key: string, value: string): string {
  const { members, open, close } = topLevelMembers(text);
  const found = members.filter((m) => m.key === key).at(-1);
  if (found) return text.slice(0, found.valueStart) + value + text.slice(found.valueEnd);
  const last = members.at(-1);
  if (!last) return `${text.slice(0, open)}{\n  ${JSON.stringify(key)}: ${value}\n}${text.slice(close + 1)}`;
  // Indent like the last member's line; on a one-line object, a space.
  const lineStart = text.lastIndexOf("\n", last.valueStart) + 1;
  const multiline = text.slice(open, last.valueStart).includes("\n");
  const indent = multiline ? (/^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? "  ") : "";
  const separator = multiline ? `,\n${indent}` : ", ";
  return text.slice(0, last.valueEnd) + separator + `${JSON.stringify(key)}: ${value}` + text.slice(last.valueEnd);
}
