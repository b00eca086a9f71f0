/**
 * Issue 18: the variable coercer built once per operation (src/server/graphql/coerce.ts) against
 * graphql-js' `getVariableValues`, on every operation of the real clients (the Python client and the
 * web UI) over the server's schema: generated variables, valid and broken. Where graphql-js accepts,
 * the coercer gives the same values or gives up; where graphql-js refuses, the coercer gives up (so
 * graphql-js answers, with its messages).
 */
import type { GraphQLInputType, GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { compileVariableCoercion } from "../../../src/server/graphql/coerce.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { buildServerSchema } from "../../../src/server/graphql/schema.js";
import { CLIENT_FIXTURES, clientOperations } from "../helpers/client-operations.js";
import { prng } from "../helpers/prng.js";

const { getVariableValues, isEnumType, isInputObjectType, isListType, isNonNullType, typeFromAST } = graphql;
const schema: GraphQLSchema = buildServerSchema();

const SCALAR_VALUES: Record<string, unknown[]> = {
  ID: ["1", "42"],
  String: ["a", ""],
  Int: [0, 7],
  Float: [1.5, 2],
  Boolean: [true, false],
  DateTime: ["2026-11-29T03:00:00Z"],
};

/** A value of `type` that should be valid (custom scalars get a JSON object or a string; graphql-js decides). */
function valueOf(type: GraphQLInputType, next: () => number, depth: number): unknown {
  if (isNonNullType(type)) return valueOf(type.ofType, next, depth);
  if (isListType(type)) {
    if (next() < 0.2) return valueOf(type.ofType, next, depth); // a single value for a list
    return Array.from({ length: Math.floor(next() * 3) }, () => valueOf(type.ofType, next, depth + 1));
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      if (required || (depth < 3 && next() < 0.4)) out[field.name] = valueOf(field.type, next, depth + 1);
    }
    return out;
  }
  if (isEnumType(type)) {
    const values = type.getValues();
    return values[Math.floor(next() * values.length)]!.name;
  }
  const known = SCALAR_VALUES[type.name];
  if (known) return known[Math.floor(next() * known.length)];
  return next() < 0.5 ? { a: [1, "two", null] } : "text";
}

/** `value` broken in one of the ways a client gets it wrong. */
function broken(value: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const copy = structuredClone(value);
  const objects: Array<Record<string, unknown>> = [];
  const walk = (v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      objects.push(v as Record<string, unknown>);
      for (const inner of Object.values(v)) walk(inner);
    } else if (Array.isArray(v)) v.forEach(walk);
  };
  for (const inner of Object.values(copy)) walk(inner);
  const target = objects.length > 0 ? objects[Math.floor(next() * objects.length)]! : copy;
  const keys = Object.keys(target);
  const way = Math.floor(next() * 4);
  if (way === 0 || keys.length === 0) target.notAField = 1;
  else if (way === 1) target[keys[0]!] = null;
  else if (way === 2) target[keys[0]!] = { wrong: true };
  else delete target[keys[0]!];
  return copy;
}

describe("issue 18: variables coerced by a coercer built once per operation", () => {
  for (const fixture of CLIENT_FIXTURES) {
    it(`issue 18: every operation of ${fixture.name} coerces as graphql-js does, or leaves it to graphql-js`, () => {
      const next = prng(18);
      let fast = 0;
      let valid = 0;
      let refused = 0;
      for (const { name, operation } of clientOperations(fixture.file)) {
        const coercer = compileVariableCoercion(schema, operation);
        expect(coercer, name).toBeDefined();
        const definitions = operation.variableDefinitions ?? [];
        for (let round = 0; round < 12; round++) {
          const inputs: Record<string, unknown> = {};
          for (const definition of definitions) {
            const type = typeFromAST(schema, definition.type as Parameters<typeof typeFromAST>[1]) as GraphQLInputType;
            if (isNonNullType(type) || next() < 0.7) inputs[definition.variable.name.value] = valueOf(type, next, 0);
          }
          for (const variables of [inputs, broken(inputs, next)]) {
            const reference = getVariableValues(schema, definitions, variables, { maxErrors: 50 });
            const ours = coercer!(variables);
            if (reference.errors) {
              refused++;
              expect(ours, `${name}: ${JSON.stringify(variables)}`).toBeUndefined();
            } else {
              valid++;
              if (ours !== undefined) {
                fast++;
                expect(ours, `${name}: ${JSON.stringify(variables)}`).toEqual(reference.coerced);
              }
            }
          }
        }
      }
      // both sides were exercised, and the coercer took the valid path nearly always
      expect(refused).toBeGreaterThan(50);
      expect(fast / valid).toBeGreaterThan(0.95);
    });
  }

  it("issue 18: an input object's generated coercer writes its fields in the type's order, as graphql-js does", () => {
    const { parse } = graphql;
    const sdl = graphql.buildSchema(`
      input Q { b: Int, a: String = "x", c: Int!, d: [Q!], e: Boolean }
      type Query { items(q: Q): Int }
    `);
    const operation = parse("query ($q: Q) { items(q: $q) }").definitions[0] as Parameters<typeof compileVariableCoercion>[1];
    const coerce = compileVariableCoercion(sdl, operation)!;
    for (const q of [{ c: 1, b: 2 }, { e: false, c: 3, d: [{ c: 4, a: "y" }] }, { d: { c: 5 }, c: 6, a: "z", b: null }]) {
      const reference = getVariableValues(sdl, operation.variableDefinitions ?? [], { q });
      expect(reference.errors).toBeUndefined();
      // the same values with the same keys in the same order (absent optional fields left out)
      expect(JSON.stringify(coerce({ q })), JSON.stringify(q)).toBe(JSON.stringify(reference.coerced));
    }
    // a missing required field, an unknown key, a nested one: graphql-js answers
    expect(coerce({ q: { b: 1 } })).toBeUndefined();
    expect(coerce({ q: { c: 1, f: 2 } })).toBeUndefined();
    expect(coerce({ q: { c: 1, d: [{ c: 2, zz: 1 }] } })).toBeUndefined();
  });

  it("issue 18: the cases graphql-js treats specially are left to it", () => {
    const { parse } = graphql;
    const sdl = graphql.buildSchema(`
      input Page { limit: Int, offset: Int! = 0 }
      input F { name: String, AND: F }
      input One @oneOf { a: Int, b: String }
      type Query { items(p: Page, f: F, ids: [ID!], o: One): Int }
    `);
    const operation = parse("query ($p: Page, $f: F, $ids: [ID!], $o: One, $d: Page = { limit: 2 }) { items(p: $p, f: $f, ids: $ids, o: $o) d: items(p: $d) }").definitions[0] as Parameters<typeof compileVariableCoercion>[1];
    const coerce = compileVariableCoercion(sdl, operation)!;
    // defaults: a defaulted non-null field and a variable's default
    expect(coerce({ p: { limit: 3 } })).toEqual({ p: { limit: 3, offset: 0 }, d: { limit: 2, offset: 0 } });
    // a recursive input, a single ID for a list, a present but undefined variable (null, as graphql-js)
    expect(coerce({ f: { AND: { AND: { name: "x" } } }, ids: 5, p: undefined })).toEqual({ f: { AND: { AND: { name: "x" } } }, ids: ["5"], p: null, d: { limit: 2, offset: 0 } });
    // given up: @oneOf, a null in a list of non-null, an unknown field, an iterable that is not an array
    expect(coerce({ o: { a: 1 } })).toBeUndefined();
    expect(coerce({ ids: ["1", null] })).toBeUndefined();
    expect(coerce({ p: { limit: 1, page: 2 } })).toBeUndefined();
    expect(coerce({ ids: new Set(["1"]) })).toBeUndefined();
  });
});
