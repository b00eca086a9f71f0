/**
 * A small glob for schema and document patterns (`*`, `**`, `?`, `{a,b}`; a leading `!` excludes).
 * Node 20 has no `fs.glob`, and this keeps a dependency out of the start-up path.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";

function escapeRegex(text: string): string {
  return text.replace(/[.+^$()|[\]\\]/g, "\\$&");
}

/** Compiles a posix glob to a regular expression over posix relative paths. */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "*") {
      if (pattern[i + 1] === "*") {
        // `**/` matches zero or more directories; a trailing `**` matches everything below
        if (pattern[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
      } else out += "[^/]*";
    } else if (char === "?") out += "[^/]";
    else if (char === "{") {
      const end = pattern.indexOf("}", i);
      if (end === -1) out += "\\{";
      else {
        const options = pattern.slice(i + 1, end).split(",");
        out += `(?:${options.map((option) => globToRegExp(option).source.slice(1, -1)).join("|")})`;
        i = end;
      }
    } else out += escapeRegex(char);
  }
  return new RegExp(`^${out}$`);
}

function hasMagic(segment: string): boolean {
  return /[*?{]/.test(segment);
}

async function walk(root: string, relative: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(path.join(root, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) await walk(root, child, out);
    else if (entry.isFile()) out.push(child);
  }
}

/**
 * Expands patterns relative to `cwd`; returns posix paths relative to `cwd`, sorted, without
 * duplicates. A pattern without magic is returned as is (the caller reports a missing file).
 */
export async function expandGlobs(patterns: readonly string[], cwd: string): Promise<string[]> {
  const include = new Set<string>();
  const excludes: RegExp[] = [];
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    let pattern = (negated ? raw.slice(1) : raw).replace(/\\/g, "/").replace(/^\.\//, "");
    if (path.isAbsolute(pattern)) pattern = path.relative(cwd, pattern).split(path.sep).join("/");
    if (negated) {
      excludes.push(globToRegExp(pattern));
      continue;
    }
    if (!hasMagic(pattern)) {
      include.add(pattern);
      continue;
    }
    const segments = pattern.split("/");
    const firstMagic = segments.findIndex(hasMagic);
    const base = segments.slice(0, firstMagic).join("/");
    const files: string[] = [];
    await walk(cwd, base, files);
    const regex = globToRegExp(pattern);
    for (const file of files) if (regex.test(file)) include.add(file);
  }
  return [...include].filter((file) => !excludes.some((regex) => regex.test(file))).sort();
}
