import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildServerSchema, mergeAreas, serverAreas, servedRootFields } from "../../../src/server/graphql/schema.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

describe("the server's GraphQL schema", () => {
  const schema = buildServerSchema();
  const platform = graphql.buildSchema(readFileSync(join(ROOT, "schemas/rekuest.graphql"), "utf8"), { assumeValidSDL: true });

  it("validates every operation document our generated client is built from", () => {
    const dir = join(ROOT, "graphql/rekuest");
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".graphql"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    const document = graphql.parse(source);
    const rules = graphql.specifiedRules.filter((rule) => rule !== graphql.NoUnusedFragmentsRule);
    const errors = graphql.validate(schema, document, rules).map((e) => e.message);
    expect(errors).toEqual([]);
  });

  it("has exactly the implemented root fields, each with the platform's signature", () => {
    const roots = { Query: schema.getQueryType(), Mutation: schema.getMutationType(), Subscription: schema.getSubscriptionType() };
    const platformRoots = { Query: platform.getQueryType(), Mutation: platform.getMutationType(), Subscription: platform.getSubscriptionType() };
    for (const [name, fields] of Object.entries(servedRootFields()) as Array<[keyof typeof roots, readonly string[]]>) {
      const ours = roots[name]!.getFields();
      const theirs = platformRoots[name]!.getFields();
      expect(Object.keys(ours).sort()).toEqual([...fields].sort());
      for (const field of fields) {
        expect(String(ours[field]!.type), `${name}.${field}`).toBe(String(theirs[field]!.type));
        expect(ours[field]!.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(theirs[field]!.args.map((a) => `${a.name}: ${String(a.type)}`));
      }
    }
  });

  it("keeps the platform's shape for every type it carries", () => {
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || ["Query", "Mutation", "Subscription"].includes(type.name)) continue;
      const theirs = platform.getType(type.name);
      expect(theirs, type.name).toBeDefined();
      if (graphql.isObjectType(type) || graphql.isInputObjectType(type)) {
        const a = Object.entries(type.getFields()).map(([k, f]) => `${k}: ${String(f.type)}`);
        const b = Object.entries((theirs as typeof type).getFields()).map(([k, f]) => `${k}: ${String(f.type)}`);
        expect(a, type.name).toEqual(b);
      }
    }
  });

  it("issue 15: a field two areas both resolve stops the schema, naming both areas", () => {
    const twice = [
      { name: "first", resolvers: { Query: { agents: () => [] } } },
      { name: "second", resolvers: { Query: { agents: () => [] } } },
    ];
    expect(() => mergeAreas(twice)).toThrow("Query.agents is resolved by two areas of the server: first and second");
    // the server's own areas never overlap
    expect(() => mergeAreas(serverAreas())).not.toThrow();
  });
});
