/**
 * Issue 18: operations run compiled (graphql-jit), with graphql-js as the reference where the compiler
 * differs (src/server/graphql/jit.ts). Each test names a difference that broke a real client's
 * operation when the compiler ran alone.
 */
import type { GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { createJitExecutor } from "../../../src/server/graphql/jit.js";

// the server's graphql module (one realm with the executor's)
const { buildSchema, parse } = graphql;

const SDL = `
  scalar JSON
  input Page { limit: Int, offset: Int! = 0 }
  input Filter { name: String, AND: Filter, OR: Filter, NOT: Filter }
  type Item { id: ID!, name: String! }
  type Query { items(pagination: Page, filters: Filter): [Item!]!, where: String! }
  type Subscription { ticks(from: Int!): Int! }
`;

/** A schema whose resolvers record what they received and whether compiled code called them. */
function makeSchema(seen: Array<{ args: unknown; compiled: boolean }>): GraphQLSchema {
  const schema = buildSchema(SDL);
  const record: GraphQLFieldResolver<unknown, unknown> = (_p, args) => {
    seen.push({ args, compiled: (new Error().stack ?? "").includes("graphql-jit") });
    return [{ id: "1", name: "one" }];
  };
  schema.getQueryType()!.getFields().items!.resolve = record;
  schema.getQueryType()!.getFields().where!.resolve = () => ((new Error().stack ?? "").includes("graphql-jit") ? "compiled" : "interpreted");
  const ticks = schema.getSubscriptionType()!.getFields().ticks!;
  ticks.subscribe = async function* (_p: unknown, args: { from: number }) {
    seen.push({ args, compiled: false });
    yield args.from;
    yield args.from + 1;
  } as unknown as GraphQLFieldResolver<unknown, unknown>;
  ticks.resolve = (payload) => payload;
  return schema;
}

describe("issue 18: compiled GraphQL execution", () => {
  it("issue 18: a query runs compiled, every time", async () => {
    const schema = makeSchema([]);
    const executor = createJitExecutor(schema);
    const document = parse("{ where }");
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await executor.execute({ schema, document }));
    expect(answers.map((a) => (a.data as { where: string }).where)).toEqual(["compiled", "compiled", "compiled"]);
  });

  it("issue 18: an input that leaves out a non-null field with a default gets the default (the compiler alone refused it)", async () => {
    const seen: Array<{ args: unknown; compiled: boolean }> = [];
    const schema = makeSchema(seen);
    const executor = createJitExecutor(schema);
    const document = parse("query ($p: Page) { items(pagination: $p) { id } }");
    for (let i = 0; i < 2; i++) {
      const result = await executor.execute({ schema, document, variableValues: { p: { limit: 3 } } });
      expect(result.errors).toBeUndefined();
    }
    expect(seen.map((s) => s.compiled)).toEqual([true, true]);
    expect(seen[1]!.args).toEqual({ pagination: { limit: 3, offset: 0 } });
  });

  it("issue 18: a recursive filter input compiles (the compiler alone unrolled it until the heap was exhausted)", async () => {
    const seen: Array<{ args: unknown; compiled: boolean }> = [];
    const schema = makeSchema(seen);
    const executor = createJitExecutor(schema);
    const document = parse("query ($f: Filter) { items(filters: $f) { name } }");
    const filters = { AND: { name: "a", OR: { NOT: { name: "b" } } } };
    for (let i = 0; i < 2; i++) await executor.execute({ schema, document, variableValues: { f: filters } });
    expect(seen[1]).toEqual({ args: { filters }, compiled: true });
  });

  it("issue 18: refused variables are answered with graphql-js' messages, compiled or not", async () => {
    const schema = makeSchema([]);
    const executor = createJitExecutor(schema);
    const document = parse("query ($p: Page) { items(pagination: $p) { id } }");
    const messages = [];
    for (let i = 0; i < 2; i++) {
      const result = await executor.execute({ schema, document, variableValues: { p: { limit: "many" } } });
      messages.push(result.errors?.map((e) => e.message).join(" | "));
    }
    expect(messages[0]).toMatch(/Variable "\$p" got invalid value "many" at "p\.limit"; Int cannot represent non-integer value: "many"/);
    expect(messages[1]).toBe(messages[0]);
  });

  it("issue 18: a subscription's subscribe resolver gets the field's arguments (the compiler passed the variables), and its events run compiled", async () => {
    const seen: Array<{ args: unknown; compiled: boolean }> = [];
    const schema = makeSchema(seen);
    const executor = createJitExecutor(schema);
    const stream = await executor.subscribe({ schema, document: parse("subscription ($start: Int!) { ticks(from: $start) }"), variableValues: { start: 7 } });
    expect(Symbol.asyncIterator in stream).toBe(true);
    const values = [];
    for await (const event of stream as AsyncIterable<{ data?: { ticks: number } }>) values.push(event.data?.ticks);
    expect(seen[0]!.args).toEqual({ from: 7 });
    expect(values).toEqual([7, 8]);
  });
});
