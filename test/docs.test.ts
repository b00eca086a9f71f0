// The documentation cannot rot silently: every arkitekt.json example in the README is read by the
// real loader, and every link or .md reference in the docs and in code comments names a file of
// this repository.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fencedBlocks } from "./install/readme-tutorial.js";
import { loadProjectConfig } from "../src/codegen/config.js";

const root = resolve(import.meta.dirname, "..");

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
}

describe("README arkitekt.json examples", () => {
  const blocks = fencedBlocks(readFileSync(join(root, "README.md"), "utf8")).filter(
    (b) => b.info.startsWith("json") && (b.info.includes("arkitekt.json")),
  );

  it("has arkitekt.json examples, each marked in its info string", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((b) => [b.line, b] as const))("README.md:%i is an arkitekt.json the loader accepts", (_line, block) => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-readme-json-"));
    try {
      writeFileSync(join(dir, "arkitekt.json"), block.text);
      writeFileSync(join(dir, "tsconfig.json"), "{}");
      writeFileSync(join(dir, "codegen.yml"), readFileSync(join(root, "codegen.yml")));
      expect(() => loadProjectConfig(dir)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("links name files of this repository", () => {
  const docs = [join(root, "README.md"), join(root, "DESIGN.md"), join(root, "BENCHMARKS.md"), ...walk(join(root, "src"), (f) => f.endsWith("README.md")), ...walk(join(root, "examples"), (f) => f.endsWith("README.md"))].filter(existsSync);

  it.each(docs.map((f) => [relative(root, f), f] as const))("%s links only to files that exist", (_name, file) => {
    const text = readFileSync(file, "utf8");
    const missing: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // http:, mailto:
      const path = resolve(dirname(file), target);
      if (!path.startsWith(`${root}/`) || !existsSync(path)) missing.push(target);
    }
    expect(missing, `${relative(root, file)} links to files that are not in the repository`).toEqual([]);
  });

  it("code comments under src/ name only .md files that exist (paths from the repository root)", () => {
    const missing: string[] = [];
    for (const file of walk(join(root, "src"), (f) => /\.(ts|tsx|mjs)$/.test(f))) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/(?<![\w./-])([\w./-]+\.md)\b/g)) {
        const ref = match[1]!;
        const inRepo = (path: string): boolean => path.startsWith(`${root}/`) && existsSync(path);
        if (!inRepo(resolve(root, ref)) && !inRepo(resolve(dirname(file), ref))) missing.push(`${relative(root, file)}: ${ref}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
