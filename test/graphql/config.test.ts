import { describe, expect, it } from "vitest";
import { parseCodegenConfig } from "../../src/codegen/graphql/config.js";
import { expandGlobs, globToRegExp } from "../../src/codegen/graphql/glob.js";
import { tempProject } from "./helpers.js";

describe("codegen.yml parsing", () => {
  it("fills each output from the top-level schema, documents and config", async () => {
    const { config, diagnostics } = await parseCodegenConfig(
      [
        "schema: schemas/rekuest.graphql",
        "documents: [graphql/rekuest/*.graphql, '!graphql/rekuest/skip.graphql']",
        "config: { scalars: { Micrometers: number }, clientImport: arkitekt-next }",
        "generates:",
        "  generated/api/rekuest.ts: {}",
        "  generated/api/mikro.ts:",
        "    schema:",
        "      - http://mikro.local/graphql:",
        "          headers: { X-Team: imaging }",
        "          token: ${MIKRO_TOKEN:dev}",
        "    documents: graphql/mikro/*.graphql",
        "    config: { clientImport: ../client.js }",
        "  generated/api/types.ts: [typescript-operations]",
        "",
      ].join("\n"),
      "codegen.yml",
      {},
    );
    expect(diagnostics).toEqual([]);
    expect(config?.targets).toEqual([
      {
        output: "generated/api/mikro.ts",
        schema: [{ kind: "url", url: "http://mikro.local/graphql", headers: { "X-Team": "imaging" }, token: "dev" }],
        documents: ["graphql/mikro/*.graphql"],
        plugins: [
          { name: "typescript-operations", config: {} },
          { name: "typed-document-node", config: {} },
          { name: "arkitekt-next", config: {} },
        ],
        config: { scalars: { Micrometers: "number" }, clientImport: "../client.js" },
      },
      {
        output: "generated/api/rekuest.ts",
        schema: [{ kind: "file", pattern: "schemas/rekuest.graphql" }],
        documents: ["graphql/rekuest/*.graphql", "!graphql/rekuest/skip.graphql"],
        plugins: [
          { name: "typescript-operations", config: {} },
          { name: "typed-document-node", config: {} },
          { name: "arkitekt-next", config: {} },
        ],
        config: { scalars: { Micrometers: "number" }, clientImport: "arkitekt-next" },
      },
      {
        output: "generated/api/types.ts",
        schema: [{ kind: "file", pattern: "schemas/rekuest.graphql" }],
        documents: ["graphql/rekuest/*.graphql", "!graphql/rekuest/skip.graphql"],
        plugins: [{ name: "typescript-operations", config: {} }],
        config: { scalars: { Micrometers: "number" }, clientImport: "arkitekt-next" },
      },
    ]);
  });

  it("takes a token from the environment", async () => {
    const { config } = await parseCodegenConfig(
      "schema: [{ 'https://x/graphql': { token: '${MY_TOKEN}' } }]\ngenerates:\n  out.ts: {}\n",
      "codegen.yml",
      { MY_TOKEN: "secret" },
    );
    expect(config?.targets[0]?.schema).toEqual([{ kind: "url", url: "https://x/graphql", headers: {}, token: "secret" }]);
  });

  it("reports YAML syntax errors with their line", async () => {
    const { config, diagnostics } = await parseCodegenConfig("schema: a.graphql\ngenerates:\n  out.ts: {\n", "codegen.yml", {});
    expect(config).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ file: "codegen.yml", code: "ARK_CODEGEN_CONFIG" });
    expect(diagnostics[0]!.line).toBeGreaterThan(0);
  });

  it("asks for generates and a schema", async () => {
    const none = await parseCodegenConfig("schema: a.graphql\n", "codegen.yml", {});
    expect(none.diagnostics.map((d) => d.message)).toEqual(["`generates` is missing or empty"]);
    const noSchema = await parseCodegenConfig("generates:\n  out.ts: {}\n", "codegen.yml", {});
    expect(noSchema.diagnostics.map((d) => d.message)).toEqual(['generates["out.ts"] has no schema']);
  });
});

describe("globs for schemas and documents", () => {
  it("matches *, **, ? and {a,b} on posix paths", () => {
    expect(globToRegExp("graphql/*.graphql").test("graphql/a.graphql")).toBe(true);
    expect(globToRegExp("graphql/*.graphql").test("graphql/x/a.graphql")).toBe(false);
    expect(globToRegExp("graphql/**/*.graphql").test("graphql/a.graphql")).toBe(true);
    expect(globToRegExp("graphql/**/*.graphql").test("graphql/x/y/a.graphql")).toBe(true);
    expect(globToRegExp("a?.{gql,graphql}").test("ab.gql")).toBe(true);
    expect(globToRegExp("a?.{gql,graphql}").test("ab.ts")).toBe(false);
  });

  it("expands patterns in a directory, sorted, with exclusions, skipping node_modules", async () => {
    const cwd = await tempProject({
      "graphql/b.graphql": "",
      "graphql/a.graphql": "",
      "graphql/skip.graphql": "",
      "graphql/deep/c.graphql": "",
      "graphql/node_modules/d.graphql": "",
      "graphql/readme.md": "",
    });
    expect(await expandGlobs(["graphql/**/*.graphql", "!graphql/skip.graphql"], cwd)).toEqual([
      "graphql/a.graphql",
      "graphql/b.graphql",
      "graphql/deep/c.graphql",
    ]);
  });
});
