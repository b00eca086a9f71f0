import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const shared = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/shared");

describe("the cross-cutting kit (src/shared/)", () => {
  it("is browser-safe: no file imports a node: module or a package", () => {
    const files = readdirSync(shared).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(1);
    const imports = files.flatMap((file) =>
      [...readFileSync(join(shared, file), "utf8").matchAll(/(?:^import|^export)\s[^;]*?from\s+"([^"]+)"|import\("([^"]+)"\)/gm)].map(
        (m) => `${file} -> ${m[1] ?? m[2]}`,
      ),
    );
    expect(imports.filter((i) => !/ -> \.\/[\w-]+\.js$/.test(i))).toEqual([]);
  });
});
