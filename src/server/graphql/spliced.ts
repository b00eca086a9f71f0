/**
 * An action's ports answered once and spliced into every answer that repeats them (issue 18). A page
 * of tasks asks for each task's action with its ports (the web UI's MyTasks: 100 tasks, 35 actions,
 * 80 of its 142 KB); the executor completed every port of every task again, about 20 fields per
 * port, and JSON.stringify wrote them again: half of the query's CPU.
 *
 * How:
 * - Queries are compiled (jit.ts) with `Action.args`, `Action.returns` and `Action.portGroups` as leaf
 *   fields (`compileWithSplicedFields`: the fields are swapped for the synchronous compile only; the
 *   schema that validates, and that subscriptions, mutations and the interpreter run, is unchanged).
 * - A task's `action` is answered whole the same way when its selection asks only for fields read
 *   from the action row (SPLICED_OBJECTS: id, hash, name, ... and the ports): its own resolver still
 *   runs for each task (the organisation check, the object's cost), then the row's part is used.
 * - Their resolver answers the field's own selection (the same field nodes, fragments and variables)
 *   with graphql-jit on the real types and resolvers, and keeps the answer as JSON text (a `Part`):
 *   once per action row (its values), compiled field and value of the variables the selection
 *   reads, for every request (the ports depend on the stored definition alone: their form-hint
 *   resolvers read the value they are given; test/server/unit/spliced.test.ts lists them). The
 *   output paths splice each part's text into the response text, so the bytes are the unspliced
 *   answer's: `stringifyAnswer` (HTTP) by a short marker, every other path through raw-json.ts.
 * - The query cost (cost.ts) is what the unspliced run counts: a part's run counts its values on a
 *   budget of its own, and each use of the part charges that count to the operation's budget
 *   (@skip and @include are evaluated by the part's run, as they would be unspliced).
 * - A part whose run has errors (a stored port breaking the schema's non-null rule, a resolver
 *   throwing) or is asynchronous gives up: the whole operation then runs again unspliced, with its
 *   budget as new, so its errors, their paths and its nulls are the unspliced run's
 *   (`unsplicedIfGivenUp`). Only queries are spliced, so running one again writes nothing.
 */
import { randomBytes } from "node:crypto";
import type { DocumentNode, ExecutionResult, FieldNode, FragmentDefinitionNode, GraphQLField, GraphQLFieldResolver, GraphQLObjectType as ObjectType, GraphQLResolveInfo, GraphQLSchema, OperationDefinitionNode, SelectionSetNode } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { GraphqlContext } from "./context.js";
import { CostBudget } from "./cost.js";
import { graphql } from "./graphql-module.js";
import { RawJson, expandRawJson, stringifyWithRawJson } from "./raw-json.js";

const { GraphQLError, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, Kind, OperationTypeNode, isNonNullType, isObjectType } = graphql;

/**
 * The fields answered once per parent row and request: their answer depends on the row and the
 * selection only (an action's ports, from its stored definition: `definitionOf(row)`; their form-hint
 * resolvers read the value they are given).
 */
export const SPLICED_FIELDS: Readonly<Record<string, readonly string[]>> = { Action: ["args", "returns", "portGroups"] };

/**
 * Object fields answered whole once per row (the action of each task of a page), when every field
 * their selections ask for, through fragments, is one of these: read from the action row and its
 * stored definition alone. The field's own resolver still runs for each task (the organisation
 * check, the object's cost).
 */
export const SPLICED_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  "Task.action": ["__typename", "id", "hash", "name", "key", "version", "description", "kind", "args", "returns", "portGroups"],
};

/** Thrown by a spliced field whose part gave up: the operation runs again unspliced. */
const GAVE_UP = new GraphQLError("a spliced part of the answer gave up: the operation runs again unspliced", { path: [], extensions: { code: "SPLICE_GAVE_UP" } });

/** The leaf type a spliced field is compiled as: its value is a RawJson, written by JSON.stringify's toJSON. */
const SPLICED_JSON = new GraphQLScalarType({ name: "SplicedJson", serialize: (value) => value });

/**
 * Stored JSON text sent as is (a `RawJson`, raw-json.ts), which `stringifyAnswer` splices by a short
 * marker naming it instead of escaping the text into a JSON string and parsing it back. Every other
 * output path writes and expands it as any `RawJson`.
 */
export class SplicedJson extends RawJson {
  override toJSON(): string {
    if (!collecting) return super.toJSON();
    collecting.push(this.text);
    return `${SHORT_PREFIX}${collecting.length - 1}`;
  }
}

/** Stored JSON text (or null) as a value for a GraphQL field (TaskEvent.returns). */
export function splicedJson(text: string | null): SplicedJson | null {
  return text === null ? null : new SplicedJson(text);
}

/** One part of an answer: its JSON text and the values it counted. */
class Part extends SplicedJson {
  constructor(
    text: string,
    readonly values: number,
  ) {
    super(text);
  }
}

/** The short marker's prefix: NUL (written `\u0000`), then a random per-process nonce that is never sent. */
const SHORT_PREFIX = `\u0000arkitekt-part:${randomBytes(18).toString("base64url")}:`;
/**
 * The short marker's prefix and raw-json.ts' as JSON.stringify writes them, without the opening quote:
 * they start with the backslash of `\u0000`, rare in JSON text, which indexOf finds fast (a needle
 * starting with a quote, found every few characters, took 0.15 ms per 65 KB).
 */
const WRITTEN_SHORT_PREFIX = JSON.stringify(SHORT_PREFIX).slice(1, -1);
const WRITTEN_RAW_PREFIX = JSON.stringify(new RawJson("").toJSON()).slice(1, -1);
/** The texts of the parts written by the running `stringifyAnswer`. */
let collecting: string[] | undefined;

/**
 * `JSON.stringify(result)` with every `SplicedJson` and raw-json marker replaced by its text: the same
 * text raw-json.ts' `stringifyWithRawJson` gives, without escaping each text into a JSON string and
 * parsing it back (the HTTP answers: http-direct.ts).
 */
export function stringifyAnswer(result: unknown): string {
  const texts: string[] = [];
  collecting = texts;
  let json: string;
  try {
    json = JSON.stringify(result);
  } finally {
    collecting = undefined;
  }
  // the texts are expanded already: the raw-json markers left are those of the rest of the answer
  if (json.includes(WRITTEN_RAW_PREFIX)) json = expandRawJson(json);
  if (texts.length === 0) return json;
  let out = "";
  let from = 0;
  for (let at = json.indexOf(WRITTEN_SHORT_PREFIX); at !== -1; at = json.indexOf(WRITTEN_SHORT_PREFIX, from)) {
    // the marker is a whole JSON string: its opening quote is just before the prefix
    const end = json.indexOf('"', at + WRITTEN_SHORT_PREFIX.length);
    out += json.slice(from, at - 1) + texts[Number(json.slice(at + WRITTEN_SHORT_PREFIX.length, end))];
    from = end + 1;
  }
  return out + json.slice(from);
}

type Context = GraphqlContext | null | undefined;
type Result = ExecutionResult | Promise<ExecutionResult>;

/** The parts of one action row: valid while the row holds the values they were answered from. */
interface RowParts {
  row: Readonly<Record<string, unknown>>;
  /** Per field (its compiled nodes: they live as long as the parsed document), then per value of the variables the part reads. */
  byField: WeakMap<readonly FieldNode[], Map<string, Part>>;
}
/**
 * The parts answered so far, for every request, by action id: a list of actions reads new row
 * objects each time, and the ports depend on the stored definition alone. The texts held are
 * bounded by SPLICED_CACHE_BYTES: past it the cache starts again empty.
 */
let parts = new Map<number, RowParts>();
let partBytes = 0;
/** The most text (UTF-16 code units, about bytes) the cached parts and their rows' definitions hold. */
export const SPLICED_CACHE_BYTES = 8 * 1024 * 1024;
/** The most action rows the cache keeps parts for (as the store's row caches: ROW_CACHE_LIMIT). */
export const SPLICED_CACHE_ROWS = 10_000;
/** The most parts kept per row and field (one per value of the variables it reads). */
const PARTS_PER_FIELD = 8;

/** Per schema: the schema the parts run on (a root field per spliced type, returning the root value), and the compiled part of each field. */
interface PartRunner {
  schema: GraphQLSchema;
  compiled: WeakMap<readonly FieldNode[], PartQuery | null>;
}
/** A compiled part, the variables its selection reads, and where its answer is in the result: `data[root]`, or `data[root][key]`. */
interface PartQuery {
  query: CompiledQuery;
  variables: readonly string[];
  root: string;
  key: string | undefined;
}
const runners = new WeakMap<GraphQLSchema, PartRunner>();

function runnerOf(schema: GraphQLSchema): PartRunner {
  let runner = runners.get(schema);
  if (!runner) {
    const fields: Record<string, { type: ObjectType; resolve: (root: unknown) => unknown }> = {};
    const objectTypes = Object.keys(SPLICED_OBJECTS).map((key) => {
      const [parent, field] = key.split(".") as [string, string];
      const type = schema.getType(parent);
      return isObjectType(type) ? graphql.getNamedType(type.getFields()[field]?.type)?.name : undefined;
    });
    for (const typeName of [...Object.keys(SPLICED_FIELDS), ...objectTypes]) {
      const type = typeName ? schema.getType(typeName) : undefined;
      if (isObjectType(type)) fields[type.name] = { type, resolve: (root) => root };
    }
    const root = new GraphQLObjectType({ name: "SplicedPartRoot", fields });
    const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith("__"));
    runner = { schema: new graphql.GraphQLSchema({ query: root, types }), compiled: new WeakMap() };
    runners.set(schema, runner);
  }
  return runner;
}

/** The names of the variables `nodes` read (in directives and arguments, through the fragments they spread). */
function variablesOf(nodes: readonly FieldNode[], fragments: GraphQLResolveInfo["fragments"]): string[] {
  const names = new Set<string>();
  const spread = new Set<string>();
  const visitor = {
    Variable(node: { name: { value: string } }) {
      names.add(node.name.value);
    },
    FragmentSpread(node: { name: { value: string } }) {
      const fragment = fragments[node.name.value];
      if (fragment && !spread.has(node.name.value)) {
        spread.add(node.name.value);
        graphql.visit(fragment, visitor);
      }
    },
  };
  for (const node of nodes) graphql.visit(node, visitor);
  return [...names].sort();
}

/**
 * The query answering `info`'s field alone on its parent (the root value): `{ <Parent> { <the field's
 * nodes> } }`, or for a whole object of type `whole` the field's value (the root value):
 * `{ <whole> { <the field's selections> } }`, with the operation's variables and fragments.
 */
function partQuery(runner: PartRunner, info: GraphQLResolveInfo, whole: string | undefined): PartQuery | null {
  let compiled = runner.compiled.get(info.fieldNodes);
  if (compiled !== undefined) return compiled;
  const selections = whole ? info.fieldNodes.flatMap((node) => node.selectionSet?.selections ?? []) : info.fieldNodes;
  const root = whole ?? info.parentType.name;
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    // jit.ts compiles every variable as its pass-through scalar: the values are coerced already
    variableDefinitions: info.operation.variableDefinitions,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: root }, selectionSet: { kind: Kind.SELECTION_SET, selections } }],
    },
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(info.fragments)] };
  compiled = null;
  try {
    const made = compileQuery(runner.schema, document);
    if (isCompiledQuery(made)) compiled = { query: made, variables: variablesOf(info.fieldNodes, info.fragments), root, key: whole ? undefined : (info.fieldNodes[0]!.alias ?? info.fieldNodes[0]!.name).value };
  } catch {
    // gives up: the operation runs unspliced
  }
  runner.compiled.set(info.fieldNodes, compiled);
  return compiled;
}

/** Runs `info`'s field on `parent` alone; undefined when the part gives up. */
function answerPart(part: PartQuery, parent: object, ctx: Context, info: GraphQLResolveInfo): Part | undefined {
  const counted = new CostBudget(Number.POSITIVE_INFINITY);
  const result = part.query.query(parent, ctx ? { ...ctx, cost: counted } : { cost: counted }, info.variableValues);
  if (typeof (result as { then?: unknown }).then === "function" || (result as ExecutionResult).errors?.length) return undefined;
  const answered = (result as ExecutionResult).data?.[part.root] as Record<string, unknown> | null | undefined;
  const value = part.key === undefined ? answered : answered?.[part.key];
  if (value === undefined || value === null) return undefined;
  return new Part(stringifyWithRawJson(value), counted.spent);
}

/** The cached part of `parent`'s field for these variables, or a new one (cached within the bound). */
function partOf(runner: PartRunner, parent: Readonly<Record<string, unknown>>, ctx: Context, info: GraphQLResolveInfo, whole: string | undefined): Part | undefined {
  const id = parent.id;
  if (typeof id !== "number") return undefined;
  const query = partQuery(runner, info, whole);
  if (!query) return undefined;
  const variables = query.variables.length === 0 ? "" : JSON.stringify(query.variables.map((name) => info.variableValues[name] ?? null));
  let row = parts.get(id);
  if (!row || !sameRow(row.row, parent)) {
    if (!row && parts.size >= SPLICED_CACHE_ROWS) {
      parts = new Map();
      partBytes = 0;
    }
    row = { row: parent, byField: new WeakMap() };
    parts.set(id, row);
    partBytes += typeof parent.definition === "string" ? parent.definition.length : 0;
  }
  let byVariables = row.byField.get(info.fieldNodes);
  if (!byVariables) row.byField.set(info.fieldNodes, (byVariables = new Map()));
  const known = byVariables.get(variables);
  if (known) return known;
  const part = answerPart(query, parent, ctx, info);
  if (!part) return undefined;
  if (byVariables.size < PARTS_PER_FIELD) {
    byVariables.set(variables, part);
    partBytes += part.text.length;
  }
  if (partBytes > SPLICED_CACHE_BYTES) {
    parts = new Map();
    partBytes = 0;
  }
  return part;
}

/** Whether two rows hold the same values (a row read again, or the same object). */
function sameRow(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  if (a === b) return true;
  let keys = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    keys++;
  }
  for (const _ in b) keys--;
  return keys === 0;
}

const isRow = (value: unknown): value is Readonly<Record<string, unknown>> => value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then !== "function";

/** The resolver of a spliced field: the part answered once (`partOf`), charged at each use. */
function splicedResolver(schema: GraphQLSchema): GraphQLFieldResolver<unknown, Context> {
  const runner = runnerOf(schema);
  return (parent, _args, ctx, info) => {
    ctx?.cost?.check();
    const part = isRow(parent) ? partOf(runner, parent, ctx, info, undefined) : undefined;
    if (!part) throw GAVE_UP;
    ctx?.cost?.chargeValues(part.values);
    return part;
  };
}

/**
 * The resolver of an object field answered whole: the field's own resolver gives the row (and
 * charges the object, as unspliced), then the row's part answers its selection. Anything unusual
 * (an error, no row, a promise) gives up, so the unspliced run answers it.
 */
function splicedObjectResolver(schema: GraphQLSchema, typeName: string, own: GraphQLFieldResolver<unknown, Context>): GraphQLFieldResolver<unknown, Context> {
  const runner = runnerOf(schema);
  return (parent, args, ctx, info) => {
    let row: unknown;
    try {
      row = own(parent, args, ctx, info);
    } catch (error) {
      // over the cost limit: the answer is refused either way
      if (ctx?.cost?.exceeded) throw error;
      throw GAVE_UP;
    }
    const part = isRow(row) ? partOf(runner, row, ctx, info, typeName) : undefined;
    if (!part) throw GAVE_UP;
    ctx?.cost?.chargeValues(part.values);
    return part;
  };
}

/**
 * The keys of SPLICED_OBJECTS that `document` may answer whole: every selection of every such field
 * in it asks for the listed fields only (directly, in inline fragments without a type condition or on
 * the field's type, and in fragments on that type).
 */
function wholeObjectsOf(schema: GraphQLSchema, document: DocumentNode): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const allowedIn = (set: SelectionSetNode | undefined, typeName: string, allowed: readonly string[], seen: Set<string>): boolean =>
    (set?.selections ?? []).every((selection) => {
      if (selection.kind === Kind.FIELD) return allowed.includes(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        return (!selection.typeCondition || selection.typeCondition.name.value === typeName) && allowedIn(selection.selectionSet, typeName, allowed, seen);
      }
      const fragment = fragments.get(selection.name.value);
      if (!fragment || fragment.typeCondition.name.value !== typeName) return false;
      if (seen.has(fragment.name.value)) return true;
      seen.add(fragment.name.value);
      return allowedIn(fragment.selectionSet, typeName, allowed, seen);
    });
  const found = new Set<string>();
  const refused = new Set<string>();
  const typeInfo = new graphql.TypeInfo(schema);
  graphql.visit(
    document,
    graphql.visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const key = parent ? `${parent.name}.${node.name.value}` : "";
        const allowed = SPLICED_OBJECTS[key];
        if (!allowed) return;
        found.add(key);
        const type = typeInfo.getType();
        if (!type || !allowedIn(node.selectionSet, graphql.getNamedType(type).name, allowed, new Set())) refused.add(key);
      },
    }),
  );
  return [...found].filter((key) => !refused.has(key));
}

/**
 * `compile()` run with the spliced fields of `schema` compiled as leaves answered by their parts. The
 * fields are swapped in the schema's field maps for the (synchronous) compile only.
 */
export function compileWithSplicedFields<T>(schema: GraphQLSchema, document: DocumentNode, compile: () => T): T {
  const swapped: Array<{ fields: Record<string, GraphQLField<unknown, unknown>>; name: string; field: GraphQLField<unknown, unknown> }> = [];
  try {
    for (const key of wholeObjectsOf(schema, document)) {
      const [typeName, name] = key.split(".") as [string, string];
      const type = schema.getType(typeName);
      if (!isObjectType(type)) continue;
      const fields = type.getFields() as Record<string, GraphQLField<unknown, unknown>>;
      const field = fields[name];
      if (!field?.resolve) continue;
      swapped.push({ fields, name, field });
      const own = field.resolve as GraphQLFieldResolver<unknown, Context>;
      fields[name] = { ...field, type: isNonNullType(field.type) ? new GraphQLNonNull(SPLICED_JSON) : SPLICED_JSON, resolve: splicedObjectResolver(schema, graphql.getNamedType(field.type).name, own) as GraphQLFieldResolver<unknown, unknown> };
    }
    for (const [typeName, names] of Object.entries(SPLICED_FIELDS)) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) continue;
      const fields = type.getFields() as Record<string, GraphQLField<unknown, unknown>>;
      for (const name of names) {
        const field = fields[name];
        if (!field) continue;
        swapped.push({ fields, name, field });
        fields[name] = { ...field, type: isNonNullType(field.type) ? new GraphQLNonNull(SPLICED_JSON) : SPLICED_JSON, resolve: splicedResolver(schema) as GraphQLFieldResolver<unknown, unknown> };
      }
    }
    return compile();
  } finally {
    for (const { fields, name, field } of swapped) fields[name] = field;
  }
}

function gaveUp(result: ExecutionResult): boolean {
  return result.errors?.some((error) => error === GAVE_UP || error.originalError === GAVE_UP) ?? false;
}

/** `result` of a spliced run, or, when a part gave up, the result of running the operation again unspliced (`again`) with the budget as new. */
export function unsplicedIfGivenUp(result: Result, context: unknown, again: () => Result): Result {
  const settle = (done: ExecutionResult): Result => {
    if (!gaveUp(done)) return done;
    (context as Context)?.cost?.reset();
    return again();
  };
  return typeof (result as { then?: unknown }).then === "function" ? (result as Promise<ExecutionResult>).then(settle) : settle(result as ExecutionResult);
}
