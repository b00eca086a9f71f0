/** Project configuration (arkitekt.json) and lazy loading of stages. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadProjectConfig } from "../../src/codegen/config.js";
import { Generator } from "../../src/codegen/index.js";
import { REPO, makeProject } from "./helpers.js";

describe("project configuration", () => {
  it("runs functions when tsconfig.json exists and GraphQL when codegen.yml exists", () => {
    const both = makeProject({ "codegen.yml": "schema: x.graphql\n" });
    expect(new Generator(both).stages).toEqual(["functions", "graphql"]);
    const config = loadProjectConfig(both);
    expect(config.functions).toEqual({ tsconfig: "tsconfig.json", out: "generated" });
    expect(config.graphql).toBe("codegen.yml");
  });

  it("turns stages off and moves outputs as arkitekt.json says, passing actions through", () => {
    const dir = makeProject({
      "codegen.yml": "schema: x.graphql\n",
      "arkitekt.json": JSON.stringify({ identifier: "com.example.x", graphql: false, functions: { out: "gen/" }, actions: { from: "x" } }),
    });
    const config = loadProjectConfig(dir);
    expect(config).toMatchObject({ identifier: "com.example.x", graphql: null, functions: { tsconfig: "tsconfig.json", out: "gen" }, actions: { from: "x" } });
    expect(new Generator(dir).stages).toEqual(["functions", "actions"]);
  });

  it("refuses unknown keys and missing files with a hint", () => {
    const unknown = makeProject({ "arkitekt.json": JSON.stringify({ fucntions: false }) });
    expect(() => loadProjectConfig(unknown)).toThrow(ConfigError);
    expect(() => loadProjectConfig(unknown)).toThrow('arkitekt.json: (root): unknown key "fucntions"');
    const missing = makeProject({ "arkitekt.json": JSON.stringify({ graphql: "nope.yml" }) });
    expect(() => loadProjectConfig(missing)).toThrow('arkitekt.json: graphql config "nope.yml" does not exist');
  });

  it("issue 12: reads description, author and scopes from arkitekt.json", () => {
    const dir = makeProject({
      "arkitekt.json": JSON.stringify({ identifier: "myapp", version: "0.2.0", description: "Adds numbers", author: "Ada", scopes: ["read", "write"] }),
    });
    expect(loadProjectConfig(dir)).toMatchObject({ identifier: "myapp", version: "0.2.0", description: "Adds numbers", author: "Ada", scopes: ["read", "write"] });
  });

  it("issue 12: names the field when description, author or scopes have the wrong type", () => {
    const cases: Array<[object, string]> = [
      [{ description: 3 }, "arkitekt.json: description: must be a string"],
      [{ author: ["Ada"] }, "arkitekt.json: author: must be a string"],
      [{ scopes: "read" }, 'arkitekt.json: scopes: must be a list of strings, e.g. ["read"]'],
      [{ scopes: ["read", 7] }, "arkitekt.json: scopes.1: each scope must be a string"],
      [{ scopes: [""] }, "arkitekt.json: scopes.0: a scope must not be empty"],
    ];
    for (const [content, message] of cases) {
      const dir = makeProject({ "arkitekt.json": JSON.stringify(content) });
      expect(() => loadProjectConfig(dir)).toThrow(message);
    }
  });

  it("loads ts-morph only when functions are scanned", () => {
    const script = (dir: string) => `
      import { createRequire } from "node:module";
      const { generate } = await import(${JSON.stringify(pathToFileURL(join(REPO, "dist/src/codegen/index.js")).href)});
      const result = await generate({ cwd: ${JSON.stringify(dir)} });
      const require = createRequire(import.meta.url);
      console.log(JSON.stringify({ stages: result.stages, tsMorph: Object.keys(require.cache).some((k) => k.includes("ts-morph")) }));
    `;
    const run = (dir: string) => {
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script(dir)], { encoding: "utf8" });
      expect(child.stderr).toBe("");
      return JSON.parse(child.stdout) as { stages: string[]; tsMorph: boolean };
    };
    const withFunctions = makeProject({ "src/a.ts": "export const a = 1;\n" });
    expect(run(withFunctions)).toEqual({ stages: ["functions"], tsMorph: true });
    const without = makeProject({ "arkitekt.json": JSON.stringify({ functions: false, graphql: false }) });
    expect(run(without)).toEqual({ stages: [], tsMorph: false });
  });
});
