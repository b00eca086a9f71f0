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
    const oneOf = (type as { isOneOf?: boolean }).isOneOf === true;
    // made at the first value (a field of the type's own type finds this coercer meanwhile)
    let fields: Coercer | undefined;
    const coerce: Coercer = (value) => {
      if (value === null || value === undefined) return null;
      if (oneOf || typeof value !== "object" || Array.isArray(value)) return GIVE_UP;
      fields ??= inputFieldsCoercer(
        Object.values(type.getFields()).map((field) => ({
          name: field.name,
          coerce: coercerOf(field.type, made),
          hasDefault: field.defaultValue !== undefined,
          defaultValue: field.defaultValue,
          required: isNonNullType(field.type),
        })),
      );
      return fields(value);
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

interface InputField {
  name: string;
  coerce: Coercer;
  hasDefault: boolean;
  defaultValue: unknown;
  required: boolean;
}

/**
 * The coercer of an input object's fields (the value is an object, not an array), generated as code:
 * each field read and written under its own name, in the type's order, so the engine sees the same
 * property accesses and the same object shape for every request (the loop over the fields with
 * computed names took ~2.8 µs of an `assign`'s variables, issue 18). For each field: absent gives its
 * default, or gives up when it is required, or is left out; given, it is coerced. A key the type does
 * not have gives up (graphql-js names it in its message).
 */
function inputFieldsCoercer(fields: readonly InputField[]): Coercer {
  const names = new Set(fields.map((f) => f.name));
  let body = "const out = {}; let seen = 0; let v;\n";
  fields.forEach((field, i) => {
    // GraphQL names are [_A-Za-z][_0-9A-Za-z]*; written as string literals all the same
    const key = JSON.stringify(field.name);
    const absent = field.hasDefault ? `out[${key}] = defaults[${i}];` : field.required ? "return GIVE_UP;" : "";
    body += `v = value[${key}];\nif (v === undefined) { ${absent} } else { seen++; v = coercers[${i}](v); if (v === GIVE_UP) return GIVE_UP; out[${key}] = v; }\n`;
  });
  body += "if (seen !== Object.keys(value).length) { for (const key of Object.keys(value)) if (!names.has(key)) return GIVE_UP; }\nreturn out;";
  const make = new Function("coercers", "defaults", "names", "GIVE_UP", `return function coerceInputFields(value) {\n${body}\n};`) as (
    coercers: readonly Coercer[],
    defaults: readonly unknown[],
    names: ReadonlySet<string>,
    giveUp: typeof GIVE_UP,
  ) => Coercer;
  return make(
    fields.map((f) => f.coerce),
    fields.map((f) => f.defaultValue),
    names,
    GIVE_UP,
  );
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
