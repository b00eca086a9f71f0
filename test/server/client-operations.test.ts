/**
 * Issue 15: every GraphQL operation of the released Python client and of the platform's web UI
 * (test/fixtures/clients) validates against the schema the embedded server serves, and against the
 * full platform schema it is cut from.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildServerSchema } from "../../src/server/graphql/schema.js";
import { graphql } from "../../src/server/graphql/graphql-module.js";
import { CLIENT_FIXTURES, clientOperations } from "./helpers/client-operations.js";

const { buildSchema, specifiedRules, validate } = graphql;

describe("issue 15: the operations real clients send", () => {
  const served = buildServerSchema();
  const platform = buildSchema(readFileSync(fileURLToPath(new URL("../../schemas/rekuest.graphql", import.meta.url)), "utf8"), { assumeValidSDL: true });

  for (const client of CLIENT_FIXTURES) {
    it(`validates every operation of ${client.name} against the served schema`, () => {
      const operations = clientOperations(client.file);
      expect(operations).toHaveLength(client.operations);
      const failures = operations.flatMap(({ name, document }) => validate(served, document, specifiedRules).map((e) => `${name}: ${e.message}`));
      expect(failures).toEqual([]);
    });

    it(`finds every operation of ${client.name} valid against the full platform schema (the fixture is sound)`, () => {
      const failures = clientOperations(client.file).flatMap(({ name, document }) => validate(platform, document, specifiedRules).map((e) => `${name}: ${e.message}`));
      expect(failures).toEqual([]);
    });
  }
});
