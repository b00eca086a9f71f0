/**
 * Builds, from the served schema, one query per root Query field that selects every field of every
 * object type it reaches: each type is expanded once, at the shallowest depth it occurs below that
 * root; elsewhere it is selected by `__typename` (and `id`). Every object carries `__typename` so the
 * walk can tell which types came back with data, and which ids each organisation saw.
 */
import type { GraphQLArgument, GraphQLField, GraphQLInputType, GraphQLNamedType, GraphQLObjectType, GraphQLOutputType, GraphQLSchema } from "graphql";
import { graphql } from "../../../src/server/graphql/graphql-module.js";

const {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} = graphql;

/** Values for required arguments the generic rule cannot make up, by `Type.field.arg`. */
export type ArgValues = Record<string, unknown>;

export interface RootQuery {
  field: string;
  text: string;
  /** Types expanded with all their fields in this query. */
  expanded: Set<string>;
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (typeof value === "object" && "__enum" in (value as object)) return String((value as { __enum: string }).__enum);
  return `{ ${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${literal(v)}`)
    .join(", ")} }`;
}

/** A made-up value for a required input type (strings "walk", ints 1, the first enum value, required input fields). */
export function madeUp(type: GraphQLInputType, idOf: (typeName: string) => string | undefined, hint: string): unknown {
  if (isNonNullType(type)) return madeUp(type.ofType, idOf, hint);
  if (isListType(type)) return [madeUp(type.ofType, idOf, hint)];
  if (isEnumType(type)) return { __enum: type.getValues()[0]!.name };
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = madeUp(f.type, idOf, hint);
    return out;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int":
        return 1;
      case "Float":
        return 1.5;
      case "Boolean":
        return false;
      case "ID":
        return idOf(hint) ?? "1";
      default:
        return "walk";
    }
  }
  return null;
}

/** Which type an ID argument names: `agent`, `stateId` name their type; else the field's own type. */
function idTypeOf(argName: string, field: GraphQLField<unknown, unknown>): string {
  const base = argName.replace(/Id$/, "");
  const candidate = base[0]!.toUpperCase() + base.slice(1);
  return candidate !== "Id" && /^[A-Z][A-Za-z]+$/.test(candidate) && candidate !== getNamedType(field.type).name ? candidate : getNamedType(field.type).name;
}

function argsText(owner: string, field: GraphQLField<unknown, unknown>, values: ArgValues, idOf: (typeName: string) => string | undefined): string {
  const parts: string[] = [];
  for (const arg of field.args as readonly GraphQLArgument[]) {
    const key = `${owner}.${field.name}.${arg.name}`;
    if (key in values) parts.push(`${arg.name}: ${literal(values[key])}`);
    // small pages keep the query under the server's cost limit (a list counts its page size)
    else if (arg.name === "pagination") parts.push("pagination: { limit: 3 }");
    else if (isNonNullType(arg.type) && arg.defaultValue === undefined) parts.push(`${arg.name}: ${literal(madeUp(arg.type, idOf, idTypeOf(arg.name, field)))}`);
  }
  return parts.length ? `(${parts.join(", ")})` : "";
}

function shortestDepths(schema: GraphQLSchema, start: GraphQLNamedType): Map<string, number> {
  const depth = new Map<string, number>([[start.name, 0]]);
  const queue: GraphQLNamedType[] = [start];
  while (queue.length) {
    const t = queue.shift()!;
    const d = depth.get(t.name)!;
    const next: GraphQLNamedType[] = [];
    if (isObjectType(t) || isInterfaceType(t)) for (const f of Object.values(t.getFields())) next.push(getNamedType(f.type));
    for (const n of next) {
      if (depth.has(n.name) || isLeafType(n)) continue;
      depth.set(n.name, d + 1);
      queue.push(n);
      // the object types of an interface or union are selected at the same depth, inside its fragments
      if (isAbstractType(n)) {
        for (const p of schema.getPossibleTypes(n)) {
          if (depth.has(p.name)) continue;
          depth.set(p.name, d + 1);
          queue.push(p);
        }
      }
    }
  }
  return depth;
}

/**
 * `skip`: `Type.field`s left out of the selections (each with its reason where the walk declares it).
 */
export function buildRootQueries(schema: GraphQLSchema, values: ArgValues, idOf: (typeName: string) => string | undefined, skip: ReadonlySet<string> = new Set()): RootQuery[] {
  const query = schema.getQueryType()!;
  const out: RootQuery[] = [];
  for (const root of Object.values(query.getFields())) {
    if (skip.has(`Query.${root.name}`)) continue;
    const rootType = getNamedType(root.type);
    const depths = shortestDepths(schema, rootType);
    const expanded = new Set<string>();
    const select = (type: GraphQLOutputType, depth: number): string => {
      const named = getNamedType(type);
      if (isLeafType(named)) return "";
      if (isAbstractType(named)) {
        const branches = schema.getPossibleTypes(named).map((t) => `... on ${t.name} ${objectSelection(t, depth)}`);
        return `{ __typename ${branches.join(" ")} }`;
      }
      return objectSelection(named as GraphQLObjectType, depth);
    };
    const objectSelection = (t: GraphQLObjectType, depth: number): string => {
      const fields = t.getFields();
      if (expanded.has(t.name) || depths.get(t.name) !== depth) return `{ __typename${fields.id ? " id" : ""} }`;
      expanded.add(t.name);
      const parts = ["__typename"];
      for (const f of Object.values(fields)) {
        if (skip.has(`${t.name}.${f.name}`)) continue;
        const sub = select(f.type, depth + 1);
        parts.push(`${f.name}${argsText(t.name, f, values, idOf)}${sub ? ` ${sub}` : ""}`);
      }
      return `{ ${parts.join(" ")} }`;
    };
    const sub = select(root.type, 0);
    out.push({ field: root.name, text: `query Walk_${root.name} { ${root.name}${argsText("Query", root, values, idOf)}${sub ? ` ${sub}` : ""} }`, expanded });
  }
  return out;
}

/** Every `{__typename, id}` object in a response, and which object types came back non-null. */
export interface Seen {
  /** Types that came back with their fields selected (more than `__typename` and `id`). */
  full: Set<string>;
  /** `Type:id` of every object. */
  ids: Set<string>;
}

export function collect(value: unknown, seen: Seen): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, seen);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const o = value as Record<string, unknown>;
  if (typeof o.__typename === "string") {
    if (Object.keys(o).some((k) => k !== "__typename" && k !== "id")) seen.full.add(o.__typename);
    if (typeof o.id === "string") seen.ids.add(`${o.__typename}:${o.id}`);
  }
  for (const v of Object.values(o)) collect(v, seen);
}
