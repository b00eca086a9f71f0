import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createSchema, createYoga } from "graphql-yoga";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateGraphql } from "../../src/codegen/graphql/index.js";
import { root, tempProject, typecheck } from "./helpers.js";

/** A data service beside rekuest (like mikro): its own schema, scalars and documents. */
const dataSchema = /* GraphQL */ `
  """A reference to an image in central storage."""
  scalar ImageRef
  scalar Micrometers
  scalar DateTime
  type Image {
    id: ID!
    name: String!
    ref: ImageRef!
    pixelSize: Micrometers
    createdAt: DateTime!
  }
  input ImageFilter {
    name: String
  }
  type Query {
    images(filter: ImageFilter): [Image!]!
    image(id: ID!): Image!
  }
  type Mutation {
    renameImage(id: ID!, name: String!): Image!
  }
`;

let dataUrl = "";
const authorizations: Array<string | null> = [];
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: dataSchema, resolvers: { Query: { images: () => [], image: () => null } } }),
    logging: false,
  });
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? null);
    void yoga(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  dataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(() => close());

describe("a user app with two services", () => {
  it("generates one typed client per service, the data schema read from its URL with the token", async () => {
    const transport = path.join(root, "src/runtime/transport/index.js");
    const cwd = await tempProject({
      "codegen.yml": [
        "# rekuest from a saved schema file, the data service by introspection",
        "config:",
        `  clientImport: ${JSON.stringify(transport)}`,
        "generates:",
        "  generated/api/rekuest.ts:",
        `    schema: ${JSON.stringify(path.join(root, "schemas/rekuest.graphql"))}`,
        "    documents: graphql/rekuest/**/*.graphql",
        "  generated/api/mikro.ts:",
        `    schema: [{ ${JSON.stringify(dataUrl)}: { token: "\${DATA_TOKEN}" } }]`,
        "    documents: graphql/mikro/*.graphql",
        "    config:",
        "      scalars:",
        "        ImageRef: { input: string, output: 'string & { readonly __image: true }' }",
        "        Micrometers: number",
        "",
      ].join("\n"),
      "graphql/rekuest/calls/assign.graphql": "mutation Assign($input: AssignInput!) {\n  assign(input: $input) { id reference isDone }\n}\n",
      "graphql/rekuest/watch.graphql": "subscription WatchMyTasks {\n  mytasks { create { id isDone } event { id kind returns } }\n}\n",
      "graphql/mikro/images.graphql": [
        "fragment Image on Image { id name ref pixelSize createdAt }",
        "query Images($filter: ImageFilter) { images(filter: $filter) { ...Image } }",
        "mutation RenameImage($id: ID!, $name: String!) { renameImage(id: $id, name: $name) { ...Image } }",
        "",
      ].join("\n"),
    });
    const result = await generateGraphql({ cwd, configPath: "codegen.yml", env: { DATA_TOKEN: "data-secret" } });
    expect(result.diagnostics).toEqual([]);
    expect(result.files.map((f) => f.path)).toEqual(["generated/api/mikro.ts", "generated/api/rekuest.ts"]);
    expect(authorizations).toContain("Bearer data-secret");

    const mikro = result.files[0]!.content;
    const rekuest = result.files[1]!.content;
    expect(mikro).toContain("export type Image = ImageFragment;");
    expect(mikro).toContain("ImageRef: { input: string; output: string & { readonly __image: true } };");
    expect(mikro).toMatch(/export async function renameImage\(\s*client: GraphQLClient,\s*variables: RenameImageMutationVariables,/);
    expect(rekuest).toMatch(/export async function assign\(/);
    expect(rekuest).toMatch(/export function watchMyTasks\(/);
    // each file carries only what its documents use
    expect(rekuest).not.toContain("ImageRef");
    expect(mikro).not.toContain("AssignInput");

    for (const file of result.files) {
      await mkdir(path.dirname(path.join(cwd, file.path)), { recursive: true });
      await writeFile(path.join(cwd, file.path), file.content);
    }
    const usage = path.join(cwd, "src/app.ts");
    await mkdir(path.dirname(usage), { recursive: true });
    await writeFile(
      usage,
      [
        `import { createGraphQLClient } from ${JSON.stringify(transport)};`,
        'import { images, type Image } from "../generated/api/mikro.js";',
        'import { assign } from "../generated/api/rekuest.js";',
        'const data = createGraphQLClient({ url: "http://data/graphql", token: "t" });',
        'const platform = createGraphQLClient({ url: "http://rekuest/graphql", token: "t" });',
        "export async function main(): Promise<number | null | undefined> {",
        "  const found: Image[] = await images(data, { filter: { name: \"cells\" } });",
        '  const task = await assign(platform, { input: { actionHash: "h", args: { a: 1 } } });',
        "  const done: boolean = task.isDone;",
        "  return done ? found[0]?.pixelSize : null;",
        "}",
        "",
      ].join("\n"),
    );
    expect(typecheck([usage])).toEqual([]);

    // The same project through the `gen` orchestrator: up to date, then stale after a document changes.
    const { generate } = await import("../../src/codegen/index.js");
    await writeFile(path.join(cwd, "arkitekt.json"), '{ "functions": false }\n');
    process.env.DATA_TOKEN = "data-secret";
    try {
      expect((await generate({ cwd, check: true })).ok).toBe(true);
      await writeFile(path.join(cwd, "graphql/mikro/images.graphql"), "query Images { images { id } }\n");
      const stale = await generate({ cwd, check: true });
      expect(stale.ok).toBe(false);
      expect(stale.stale).toEqual([{ path: "generated/api/mikro.ts", reason: "differs" }]);
      const written = await generate({ cwd });
      expect(written.written).toEqual(["generated/api/mikro.ts"]);
    } finally {
      delete process.env.DATA_TOKEN;
    }
  });
});
