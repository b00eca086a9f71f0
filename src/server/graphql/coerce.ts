/**
 * Variable coercion built once per operation: a function per input type (fields listed once, the
 * type's kind decided once) instead of graphql-js' `getVariableValues`, which walks the schema's
 * type objects for every request and every subscription (11–24 µs of the server's CPU per `assign`,
 * issue 18).
 *
 * It only ever takes the valid path. Whatever graphql-js would refuse or treat specially (a missing
 * non-null value, an unknown field, a scalar that does not parse, a `@oneOf` input) makes it give
 * up, and the caller runs graphql-js on the same values: its result and its messages stay the
 * reference. Recursive inputs (`ActionFilter.AND: ActionFilter`) are fine: the function of a type
 * is made once and looked up when a value of that type is met.
 */
import type { GraphQLInputType, GraphQLSchema, OperationDefinitionNode, VariableDefinitionNode } from "graphql";
import { graphql } from "./graphql-module.js";

const { isEnumType, isInputObjectType, isInputType, isListType, isNonNullType, isScalarType, typeFromAST, valueFromAST } = graphql;

/** Marks a value the fast path does not take (graphql-js decides, with its messages). */
const GIVE_UP: unique symbol = Symbol("give up");
type Coercer = (value: unknown) => unknown;

/** The coerced variables of one request, or undefined when graphql-js must coerce them. */
export type VariableCoercer = (inputs: Record<string, unknown>) => Record<string, unknown> | undefined;

function coercerOf(type: GraphQLInputType, made: Map<GraphQLInputType, Coercer>): Coercer {
  const known = made.get(type);
  if (known) return known;
  if (isNonNullType(type)) {
    const inner = coercerOf(type.ofType, made);
    const coerce: Coercer = (value) => (value === null || value === undefined ? GIVE_UP : inner(value));
    made.set(type, coerce);
    return coerce;
  }
  if (isListType(type)) {
    let item: Coercer | undefined;
    const coerce: Coercer = (value) => {
      if (value === null || value === undefined) return null;
      item ??= coercerOf(type.ofType, made);
      if (!Array.isArray(value)) {
        // other iterables are read item by item by graphql-js
        if (typeof value === "object" && Symbol.iterator in value) return GIVE_UP;
        // a single value where a list is expected is a list of one (graphql-js' input coercion)
        const one = item(value);
        return one === GIVE_UP ? GIVE_UP : [one];
      }
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        const coerced = item(value[i]);
        if (coerced === GIVE_UP) return GIVE_UP;
        out[i] = coerced;
      }
      return out;
    };
    made.set(type, coerce);
    return coerce;
  }
  if (isInputObjectType(type)) {
    // set before the fields are made: a field of the type's own type finds it
    let fields: Array<{ name: string; coerce: Coercer; hasDefault: boolean; defaultValue: unknown; required: boolean }> | undefined;
    let names: Set<string> | undefined;
    const oneOf = (type as { isOneOf?: boolean }).isOneOf === true;
    const coerce: Coercer = (value) => {
      if (value === null || value === undefined) return null;
      if (oneOf || typeof value !== "object" || Array.isArray(value)) return GIVE_UP;
      if (!fields) {
        fields = Object.values(type.getFields()).map((field) => ({
          name: field.name,
          coerce: coercerOf(field.type, made),
          hasDefault: field.defaultValue !== undefined,
          defaultValue: field.defaultValue,
          required: isNonNullType(field.type),
        }));
        names = new Set(fields.map((f) => f.name));
      }
      const input = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let seen = 0;
      for (const field of fields) {
        const given = input[field.name];
        if (given === undefined) {
          if (field.hasDefault) out[field.name] = field.defaultValue;
          else if (field.required) return GIVE_UP;
          continue;
        }
        seen++;
        const coerced = field.coerce(given);
        if (coerced === GIVE_UP) return GIVE_UP;
        out[field.name] = coerced;
      }
      // a field the type does not have: graphql-js names it in its message
      if (seen !== Object.keys(input).length) {
        for (const key of Object.keys(input)) if (!names!.has(key)) return GIVE_UP;
      }
      return out;
    };
    made.set(type, coerce);
    return coerce;
  }
  if (isScalarType(type) || isEnumType(type)) {
    const coerce: Coercer = (value) => {
      if (value === null || value === undefined) return null;
      try {
        const parsed = type.parseValue(value);
        return parsed === undefined ? GIVE_UP : parsed;
      } catch {
        return GIVE_UP;
      }
    };
    made.set(type, coerce);
    return coerce;
  }
  return () => GIVE_UP;
}

/** The coercer of `operation`'s variables, or undefined when one of its types is not an input type. */
export function compileVariableCoercion(schema: GraphQLSchema, operation: OperationDefinitionNode): VariableCoercer | undefined {
  const made = new Map<GraphQLInputType, Coercer>();
  const variables: Array<{ name: string; type: GraphQLInputType; definition: VariableDefinitionNode; coerce: Coercer; required: boolean }> = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as Parameters<typeof typeFromAST>[1]) as GraphQLInputType | undefined;
    if (!type || !isInputType(type)) return undefined;
    variables.push({ name: definition.variable.name.value, type, definition, coerce: coercerOf(type, made), required: isNonNullType(type) });
  }
  return (inputs) => {
    const coerced: Record<string, unknown> = {};
    for (const variable of variables) {
      if (!Object.hasOwn(inputs, variable.name)) {
        if (variable.definition.defaultValue) {
          // as graphql-js: the default is read from the document for each request
          coerced[variable.name] = valueFromAST(variable.definition.defaultValue, variable.type);
        } else if (variable.required) {
          return undefined;
        }
        continue;
      }
      const value = variable.coerce(inputs[variable.name]);
      if (value === GIVE_UP) return undefined;
      coerced[variable.name] = value;
    }
    return coerced;
  };
}
