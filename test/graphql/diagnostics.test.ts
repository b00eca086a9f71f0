import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateGraphql } from "../../src/codegen/graphql/index.js";
import { formatDiagnostic } from "../../src/codegen/types.js";
import { closedPort, smallFixture, tempProject } from "./helpers.js";

const smallSchema = readFileSync(path.join(smallFixture, "schema.graphql"), "utf8");

function project(files: Record<string, string>, codegen?: string): Promise<string> {
  return tempProject({
    "codegen.yml": codegen ?? "schema: schema.graphql\ndocuments: documents/*.graphql\ngenerates:\n  generated/api/small.ts: {}\n",
    "schema.graphql": smallSchema,
    ...files,
  });
}

describe("bad input to the GraphQL stage", () => {
  it("points at the document line and column of a field the schema does not have", async () => {
    const cwd = await project({ "documents/bad.graphql": "query Agent($id: ID!) {\n  agent(id: $id) {\n    id\n    nope\n  }\n}\n" });
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.files).toEqual([]);
    expect(result.diagnostics).toHaveLength(1);
    expect(formatDiagnostic(result.diagnostics[0]!)).toBe(
      [
        'documents/bad.graphql:4:5 - error ARK_GRAPHQL_INVALID: Cannot query field "nope" on type "Agent". Did you mean "name"?',
        "",
        "  4 |     nope",
        "          ^",
        "  hint: fix the operation so it matches the schema (or update the schema copy)",
      ].join("\n"),
    );
  });

  it("reports a syntax error with its place", async () => {
    const cwd = await project({ "documents/ok.graphql": "query Whoami { whoami }\n", "documents/broken.graphql": "query Broken {\n  agents(limit: ) { id }\n}\n" });
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.files).toEqual([]);
    expect(result.diagnostics.map((d) => [d.file, d.line, d.column, d.code])).toEqual([["documents/broken.graphql", 2, 17, "ARK_GRAPHQL_SYNTAX"]]);
    expect(result.diagnostics[0]!.message).toMatch(/^Syntax Error: Unexpected "\)"/);
  });

  it("reports an argument of the wrong type in another file than the fragment it uses", async () => {
    const cwd = await project({
      "documents/a-fragments.graphql": "fragment AgentName on Agent { name }\n",
      "documents/b-query.graphql": 'query Agent {\n  agent(id: true) { ...AgentName }\n}\n',
    });
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`)).toEqual([
      "documents/b-query.graphql:2:13 ID cannot represent a non-string and non-integer value: true",
    ]);
  });

  it("says how to map a custom scalar that has no TypeScript type", async () => {
    const schema = `${smallSchema}\nscalar Micrometers\nextend type Agent { reach: Micrometers }\n`;
    const files = { "schema.graphql": schema, "documents/reach.graphql": "query Reach($id: ID!) {\n  agent(id: $id) {\n    reach\n  }\n}\n" };
    const cwd = await project(files);
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.files).toEqual([]);
    expect(result.diagnostics).toHaveLength(1);
    const diagnostic = result.diagnostics[0]!;
    expect([diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.code]).toEqual(["documents/reach.graphql", 3, 5, "ARK_UNMAPPED_SCALAR"]);
    expect(diagnostic.message).toBe("the custom scalar Micrometers has no TypeScript type");
    expect(diagnostic.hint).toContain("`config: { scalars: { Micrometers: string } }`");

    // ... and following the hint fixes it
    const mapped = await project(files, "schema: schema.graphql\ndocuments: documents/*.graphql\nconfig:\n  scalars:\n    Micrometers: number\ngenerates:\n  generated/api/small.ts: {}\n");
    const fixed = await generateGraphql({ cwd: mapped, configPath: "codegen.yml" });
    expect(fixed.diagnostics).toEqual([]);
    expect(fixed.files[0]!.content).toContain("Micrometers: { input: number; output: number };");
  });

  it("gives a clear error without a stack when the schema URL is unreachable", async () => {
    const port = await closedPort();
    const cwd = await project({ "documents/a.graphql": "query Whoami { whoami }\n" }, `schema: http://127.0.0.1:${port}/graphql\ndocuments: documents/*.graphql\ngenerates:\n  generated/api/small.ts: {}\n`);
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.files).toEqual([]);
    const text = result.diagnostics.map(formatDiagnostic).join("\n");
    expect(text).toBe(
      `codegen.yml - error ARK_SCHEMA_UNREACHABLE: could not load the schema from http://127.0.0.1:${port}/graphql: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}\n` +
        "  hint: start the service (or `arkitekt-next server`), check the URL, or point `schema:` at a saved .graphql file",
    );
  });

  it("asks for a token when the schema URL answers 401, and sends ARKITEKT_TOKEN when set", async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, "Unauthorized").end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const cwd = await project({ "documents/a.graphql": "query Whoami { whoami }\n" }, `schema: http://127.0.0.1:${port}/graphql\ndocuments: documents/*.graphql\ngenerates:\n  out.ts: {}\n`);
      const result = await generateGraphql({ cwd, configPath: "codegen.yml", env: {} });
      expect(result.diagnostics.map((d) => [d.message, d.hint])).toEqual([
        [`could not load the schema from http://127.0.0.1:${port}/graphql: HTTP 401 Unauthorized`, "set ARKITEKT_TOKEN (or `token:` on the schema entry) to a valid token"],
      ]);
      await generateGraphql({ cwd, configPath: "codegen.yml", env: { ARKITEKT_TOKEN: "from-env" } });
      expect(seen).toEqual([undefined, "Bearer from-env"]);
    } finally {
      server.close();
    }
  });

  it("reads a schema saved as an introspection JSON file", async () => {
    const { buildSchema, introspectionFromSchema } = await import("graphql");
    const json = JSON.stringify({ data: introspectionFromSchema(buildSchema(smallSchema)) });
    const cwd = await project({ "schema.json": json, "documents/a.graphql": "query Whoami { whoami }\n" }, "schema: schema.json\ndocuments: documents/*.graphql\ngenerates:\n  out.ts: {}\n");
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.diagnostics).toEqual([]);
    expect(result.files[0]!.content).toMatch(/export async function whoami\(/);
    const broken = await project({ "schema.json": "{}", "documents/a.graphql": "query Whoami { whoami }\n" }, "schema: schema.json\ndocuments: documents/*.graphql\ngenerates:\n  out.ts: {}\n");
    const failed = await generateGraphql({ cwd: broken, configPath: "codegen.yml" });
    expect(failed.diagnostics.map((d) => [d.file, d.code])).toEqual([["schema.json", "ARK_SCHEMA_INVALID"]]);
  });

  it("names a missing config file and a missing schema file", async () => {
    const cwd = await tempProject({ "documents/a.graphql": "query Whoami { whoami }\n" });
    const missing = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(missing.diagnostics.map((d) => d.message)).toEqual(["codegen config codegen.yml does not exist"]);
    const noSchema = await project({ "documents/a.graphql": "query Whoami { whoami }\n" }, "schema: schemas/nope.graphql\ndocuments: documents/*.graphql\ngenerates:\n  out.ts: {}\n");
    const result = await generateGraphql({ cwd: noSchema, configPath: "codegen.yml" });
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([["ARK_SCHEMA_MISSING", "schema file schemas/nope.graphql does not exist"]]);
  });

  it("refuses a plugin it does not run and says which it does", async () => {
    const cwd = await project({ "documents/a.graphql": "query Whoami { whoami }\n" }, "schema: schema.graphql\ndocuments: documents/*.graphql\ngenerates:\n  out.ts:\n    plugins: [typescript-react-apollo]\n");
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      [
        "ARK_CODEGEN_CONFIG",
        'generates["out.ts"].plugins: plugin "typescript-react-apollo" is not run by arkitekt-next gen',
        "use typescript, typescript-operations, typed-document-node, typescript-resolvers, arkitekt-next; run other plugins with the graphql-codegen CLI in a separate config",
      ],
    ]);
  });

  it("writes nothing when one of several outputs is broken", async () => {
    const cwd = await project(
      { "good/a.graphql": "query Whoami { whoami }\n", "bad/b.graphql": "query Nope { nope }\n" },
      "schema: schema.graphql\ngenerates:\n  good.ts:\n    documents: good/*.graphql\n  bad.ts:\n    documents: bad/*.graphql\n",
    );
    const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
    expect(result.files).toEqual([]);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}`)).toEqual(["bad/b.graphql:1:14"]);
  });
});
