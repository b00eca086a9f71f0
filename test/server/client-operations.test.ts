/**
 * Issue 15: every GraphQL operation of the released Python client and of the platform's web UI
 * (test/fixtures/clients) validates against the schema the embedded server serves, and against the
 * full platform schema it is cut from.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { DocumentNode, FragmentDefinitionNode, OperationDefinitionNode } from "graphql";
import { buildServerSchema } from "../../src/server/graphql/schema.js";
import { graphql } from "../../src/server/graphql/graphql-module.js";

const { Kind, buildSchema, parse, specifiedRules, validate, visit } = graphql;
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/clients/${name}`, import.meta.url));

/** Each operation of a client's documents, with the fragments it spreads (transitively). */
function operationsOf(file: string): Array<{ name: string; document: DocumentNode }> {
  const definitions = parse(readFileSync(fixture(file), "utf8")).definitions;
  const fragments = new Map(definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      const used = new Map<string, FragmentDefinitionNode>();
      const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
      while (pending.length > 0) {
        visit(pending.pop()!, {
          FragmentSpread(node) {
            const fragment = fragments.get(node.name.value);
            if (fragment && !used.has(fragment.name.value)) {
              used.set(fragment.name.value, fragment);
              pending.push(fragment);
            }
          },
        });
      }
      return { name: operation.name?.value ?? "(anonymous)", document: { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] } };
    });
}

const CLIENTS = [
  { name: "the released Python client (rekuest-next 2.1.2)", file: "rekuest-next-2.1.2.graphql", operations: 51 },
  { name: "the platform's web UI (orkestrator-next 1.67.8)", file: "orkestrator-next-1.67.8.graphql", operations: 120 },
];

describe("issue 15: the operations real clients send", () => {
  const served = buildServerSchema();
  const platform = buildSchema(readFileSync(fileURLToPath(new URL("../../schemas/rekuest.graphql", import.meta.url)), "utf8"), { assumeValidSDL: true });

  for (const client of CLIENTS) {
    it(`validates every operation of ${client.name} against the served schema`, () => {
      const operations = operationsOf(client.file);
      expect(operations).toHaveLength(client.operations);
      const failures = operations.flatMap(({ name, document }) => validate(served, document, specifiedRules).map((e) => `${name}: ${e.message}`));
      expect(failures).toEqual([]);
    });

    it(`finds every operation of ${client.name} valid against the full platform schema (the fixture is sound)`, () => {
      const failures = operationsOf(client.file).flatMap(({ name, document }) => validate(platform, document, specifiedRules).map((e) => `${name}: ${e.message}`));
      expect(failures).toEqual([]);
    });
  }
});
