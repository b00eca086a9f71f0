// `arkitekt-next manifest` as a user runs it (the CLI as a child process on projects built inline),
// and the rules behind it: semver bumps and the edit that keeps the rest of arkitekt.json as written.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bumpVersion, setTopLevelKeys } from "../../src/cli/app-manifest.js";
import { app, bin } from "./run-dev.js";

const base = mkdtempSync(join(tmpdir(), "arkitekt-manifest-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let count = 0;

/** A project folder from a map of files (strings are written as they are, anything else as 2-space JSON). */
function project(files: Record<string, unknown>): string {
  const dir = join(base, `${++count}`);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  return dir;
}

function cli(args: string[], cwd = base): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One valid manifest entry: the example app's `gradient`. */
const exampleDefinitions = JSON.parse(readFileSync(join(app, "generated", "definitions.json"), "utf8")) as Array<Record<string, unknown>>;
const gradient = exampleDefinitions.find((d) => d.interface === "gradient")!;

const validApp = {
  "arkitekt.json": { identifier: "com.example.app", version: "0.1.0", description: "Images", author: "Ada", scopes: ["read"] },
  "tsconfig.json": { compilerOptions: {} },
  "generated/definitions.json": [gradient],
};

describe("arkitekt-next manifest", () => {
  it("issue 12: manifest prints arkitekt.json and the actions of generated/definitions.json and says valid", () => {
    const dir = project(validApp);
    const result = cli(["manifest"], dir);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        "arkitekt.json",
        "  identifier   com.example.app",
        "  version      0.1.0",
        "  description  Images",
        "  author       Ada",
        "  scopes       read",
        "generated/definitions.json: 1 action",
        "  gradient  FUNCTION  (width, height) -> return0",
        "valid",
        "",
      ].join("\n"),
    );
    // `manifest show` is the same, and --cwd works before or after the subcommand.
    expect(cli(["manifest", "show", "--cwd", dir]).stdout).toBe(result.stdout);
    expect(cli(["manifest", "--cwd", dir, "show"]).stdout).toBe(result.stdout);
  });

  it("issue 12: manifest names the file and the field of every problem, exit 1, and --json reports them", () => {
    const badDefinition = { ...gradient, definition: { ...(gradient.definition as object), kind: "PROCEDURE" }, extra: 1 };
    const dir = project({
      ...validApp,
      "arkitekt.json": { identifier: "Com Example", version: "1.0", scopes: ["read"] },
      "generated/definitions.json": [gradient, badDefinition],
    });
    const result = cli(["manifest", "--cwd", dir]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('  arkitekt.json: identifier: "Com Example" is not an app identifier');
    expect(result.stdout).toContain('  arkitekt.json: version: "1.0" is not a semver version');
    expect(result.stdout).toMatch(/ {2}generated\/definitions\.json: \[1\]\.definition\.kind \(gradient\): .*FUNCTION.*; run `arkitekt-next gen` to rewrite it/);
    expect(result.stdout).toContain('  generated/definitions.json: [1] (gradient): unknown key "extra"');

    const json = cli(["manifest", "show", "--json", "--cwd", dir]);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: Array<{ file: string; field: string }>; definitions: unknown[] };
    expect(report.ok).toBe(false);
    expect(report.definitions).toHaveLength(2);
    expect(report.problems.map((p) => `${p.file}: ${p.field}`)).toEqual([
      "arkitekt.json: identifier",
      "arkitekt.json: version",
      "generated/definitions.json: [1].definition.kind (gradient)",
      "generated/definitions.json: [1] (gradient)",
    ]);
  });

  it("issue 12: manifest reports a wrong arkitekt.json type by field, and a missing definitions.json with what to run", () => {
    const dir = project({ "arkitekt.json": { identifier: "x", version: "0.1.0", scopes: "read" }, "tsconfig.json": {} });
    const result = cli(["manifest", "--cwd", dir]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('  arkitekt.json: scopes: must be a list of strings, e.g. ["read"]');
    expect(result.stdout).toContain("  generated/definitions.json: (file): missing: run `arkitekt-next gen` to write it");
    const none = cli(["manifest", "--cwd", project({ "x.txt": "" })]);
    expect(none.status).toBe(1);
    expect(none.stdout).toContain("arkitekt.json: (file): missing in ");
  });

  it("issue 12: manifest validates the example app", () => {
    const result = cli(["manifest", "--cwd", app]);
    expect(result.status).toBe(0);
    const count = (JSON.parse(readFileSync(join(app, "generated", "definitions.json"), "utf8")) as unknown[]).length;
    expect(count).toBeGreaterThan(0);
    expect(result.stdout).toContain(`generated/definitions.json: ${count} actions`);
    expect(result.stdout).toMatch(/ {2}tile +GENERATOR \(image, size\) -> return0/);
    expect(result.stdout.trimEnd().endsWith("valid")).toBe(true);
  });

  it("issue 12: manifest version patch|minor|major|set rewrites only the version, keeping the rest of arkitekt.json as written", () => {
    const text = '{\n  "identifier": "com.example.app",\n  "version": "0.1.0",\n  "actions": { "select": [{ "app": "x", "version": "9" }] }\n}\n';
    const dir = project({ "arkitekt.json": text });
    const steps: Array<[string[], string]> = [
      [["patch"], "0.1.1"],
      [["minor"], "0.2.0"],
      [["major"], "1.0.0"],
      [["set", "2.0.0-rc.1"], "2.0.0-rc.1"],
      [["major"], "2.0.0"],
    ];
    let previous = "0.1.0";
    for (const [args, expected] of steps) {
      const result = cli(["manifest", "version", ...args, "--cwd", dir]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe(`version ${previous} -> ${expected}\n`);
      expect(readFileSync(join(dir, "arkitekt.json"), "utf8")).toBe(text.replace('"0.1.0"', JSON.stringify(expected)));
      previous = expected;
    }
  });

  it("issue 12: manifest version refuses what is not semver and says how to write it", () => {
    const dir = project({ "arkitekt.json": { identifier: "a", version: "0.1.0" } });
    const bad = cli(["manifest", "version", "set", "1.0", "--cwd", dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error: "1.0" is not a semver version (MAJOR.MINOR.PATCH, e.g. 0.1.0 or 1.0.0-beta.1)\n  hint: write the version as MAJOR.MINOR.PATCH, e.g. 1.0.0\n');
    const unknown = cli(["manifest", "version", "bigger", "--cwd", dir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("hint: use patch, minor, major, or set <version>");
    const noFile = cli(["manifest", "version", "patch", "--cwd", project({ "x.txt": "" })]);
    expect(noFile.status).toBe(1);
    expect(noFile.stderr).toContain("error: no arkitekt.json in ");
    expect(JSON.parse(readFileSync(join(dir, "arkitekt.json"), "utf8"))).toEqual({ identifier: "a", version: "0.1.0" });
  });

  it("issue 12: manifest scopes add, remove and list edit the scopes of arkitekt.json", () => {
    const dir = project({ "arkitekt.json": '{ "identifier": "a", "version": "0.1.0" }\n' });
    expect(cli(["manifest", "scopes", "list", "--cwd", dir]).stdout).toBe("");
    const added = cli(["manifest", "scopes", "add", "read", "write", "--cwd", dir]);
    expect(added.stdout).toBe("scopes: read, write\n");
    expect(readFileSync(join(dir, "arkitekt.json"), "utf8")).toBe('{ "identifier": "a", "version": "0.1.0", "scopes": ["read", "write"] }\n');
    const again = cli(["manifest", "scopes", "add", "read", "--cwd", dir]);
    expect(again.stderr).toBe("already there: read\n");
    expect(cli(["manifest", "scopes", "remove", "read", "--cwd", dir]).stdout).toBe("scopes: write\n");
    expect(cli(["manifest", "scopes", "list", "--cwd", dir]).stdout).toBe("write\n");
    expect(cli(["manifest", "scopes", "list", "--json", "--cwd", dir]).stdout).toBe('["write"]\n');
    const bad = cli(["manifest", "scopes", "add", "two words", "--cwd", dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error: "two words" is not a scope');
  });

  it("issue 12: manifest --help and its subcommands' --help give examples", () => {
    for (const args of [["manifest"], ["manifest", "version"], ["manifest", "scopes"]]) {
      const result = cli([...args, "--help"]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: arkitekt-next manifest/);
      expect(result.stdout).toContain("Examples:\n  $ arkitekt-next manifest");
    }
  });
});

describe("manifest rules", () => {
  it("issue 12: a bump releases a prerelease it reaches, as npm version does", () => {
    expect(bumpVersion("1.2.3", "patch")).toBe("1.2.4");
    expect(bumpVersion("1.2.3-rc.1", "patch")).toBe("1.2.3");
    expect(bumpVersion("1.2.0-rc.1", "minor")).toBe("1.2.0");
    expect(bumpVersion("1.2.3-rc.1", "minor")).toBe("1.3.0");
    expect(bumpVersion("1.0.0-rc.1", "major")).toBe("1.0.0");
    expect(bumpVersion("1.2.3+build.5", "major")).toBe("2.0.0");
  });

  it("issue 12: setting a top-level key leaves nested keys of the same name and the layout alone", () => {
    const text = '{\n\t"a": {"version": "1"},\n\t"version": "0.1.0"\n}';
    expect(setTopLevelKeys(text, { version: "0.2.0" })).toBe('{\n\t"a": {"version": "1"},\n\t"version": "0.2.0"\n}');
    expect(setTopLevelKeys(text, { scopes: ["x"] })).toBe('{\n\t"a": {"version": "1"},\n\t"version": "0.1.0",\n\t"scopes": ["x"]\n}');
    expect(setTopLevelKeys("{}", { version: "1.0.0" })).toBe('{\n  "version": "1.0.0"\n}');
    expect(setTopLevelKeys('{"s": "a\\"}b", "v": 1}', { v: 2 })).toBe('{"s": "a\\"}b", "v": 2}');
  });
});
