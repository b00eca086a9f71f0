/**
 * Issue 15: the schema walk. A real server is filled through its public API with rows of every
 * table for two organisations ("lab" with T1, "elsewhere" with T3: the core rows, then every area's
 * populate module). Then, per root Query field, one query selects every field of every object type
 * it reaches; it must run without GraphQL errors, every object type reachable from Query must come
 * back with data, and no object one organisation sees may appear for the other.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { GraphQLSchema, OperationDefinitionNode } from "graphql";
import { buildServerSchema } from "../../../src/server/graphql/schema.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { CLIENT_FIXTURES, clientOperations } from "../helpers/client-operations.js";
import { useSharedTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";
import { populateCore } from "./populate/core.js";
import type { Populate, WalkOrg } from "./populate/types.js";
import { buildRootQueries, collect, madeUp, type ArgValues, type Seen } from "./selection.js";

const { Kind, TypeInfo, getNamedType, isAbstractType, isObjectType, print, typeFromAST, visit, visitWithTypeInfo } = graphql;
const HERE = dirname(fileURLToPath(import.meta.url));

/** Optional variables a client always sends for these operations (the query answers nothing useful without one). */
const NAMED_OPTIONAL = new Set(["find.id", "AssignAction.id", "GetStateFor.demand", "ImplementationAt.interface", "MyImplementationAt.interface"]);

/**
 * Values for an operation's required variables: an id of the type the argument names (`agent: $x`
 * is an Agent id) or else of the type the field returns, as the first organisation saw it; other
 * required values are made up.
 */
function variablesFor(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  idOf: (type: string) => string | undefined,
  byName: Record<string, unknown>,
): Record<string, unknown> {
  const target = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Variable(node) {
        const arg = typeInfo.getArgument();
        const field = typeInfo.getFieldDef();
        if (!field || target.has(node.name.value)) return;
        const byArg = arg ? arg.name[0]!.toUpperCase() + arg.name.slice(1) : "";
        target.set(node.name.value, schema.getType(byArg) ? byArg : getNamedType(field.type).name);
      },
    }),
  );
  const values: Record<string, unknown> = {};
  for (const v of operation.variableDefinitions ?? []) {
    const name = v.variable.name.value;
    if (name in byName && (v.type.kind === Kind.NON_NULL_TYPE || NAMED_OPTIONAL.has(`${operation.name?.value}.${name}`))) {
      values[name] = byName[name];
      continue;
    }
    if (v.type.kind !== Kind.NON_NULL_TYPE || v.defaultValue) continue;
    const type = typeFromAST(schema, v.type);
    if (!type) continue;
    const named = getNamedType(type).name;
    const value = madeUp(type as never, idOf, target.get(v.variable.name.value) ?? "");
    values[v.variable.name.value] = named === "ID" ? value : JSON.parse(JSON.stringify(value, (_k, x: unknown) => (x && typeof x === "object" && "__enum" in x ? (x as { __enum: string }).__enum : x)));
  }
  return values;
}


/**
 * Types whose `id` is no row of one organisation, so equal ids in both say nothing: a component
 * node's id is its key inside its blok's tree, a device's id the client's device name.
 */
const SHARED_TYPES = new Set<string>(["ComponentNode", "Device"]);

/**
 * Fields the walk leaves out, each for a reason of the schema, not of the server:
 * - `BlokDependency.implementation` is `Implementation!`, but a blok's dependency names a demand,
 *   never an implementation (no input sets one): the server refuses the field with that message;
 * - `Query.hardwareRecord` finds nothing: no input or frame of the platform reports hardware.
 */
const SKIPPED = new Set(["BlokDependency.implementation", "Query.hardwareRecord", "Query.hardwareRecords"]);

/**
 * Object types no populate module fills yet (their rows need inputs the walk does not send);
 * each is served and typed, and listed in the closing note of issue 15 as left for the walk:
 * the parts of a blok's component tree (ActionArgument, AgentCall, UtilCall), an implementation's
 * `tracks` (Track), an action demand's port matches (PortMatch), a state-choice widget's accessors
 * (StateAccessor: no input carries them), a task boundary (TaskBoundary: patches with a correlation
 * id), a track's windows (Window) and hardware records (HardwareRecord: nothing reports hardware).
 */
const NOT_POPULATED = new Set(["ActionArgument", "AgentCall", "UtilCall", "Track", "Window", "PortMatch", "StateAccessor", "TaskBoundary", "HardwareRecord"]);

/** Required arguments the walk cannot make up, by `Type.field.arg`. */
function argValues(org: WalkOrg): ArgValues {
  const add = org.agent.impl.add!;
  return {
    "Query.agent.id": org.agent.id,
    "Query.action.id": org.agent.impl.showcase!.actionId,
    "Agent.implementation.interface": "add",
    "Task.arg.key": "a",
    "Query.implementationAt.agent": org.agent.id,
    "Query.implementationAt.interface": "add",
    "Query.implementation.id": org.agent.impl.showcase!.id,
    "Query.myImplementationAt.interface": "add",
    "Query.reusableTaskFor.action": add.actionId,
    "Query.reusableTaskFor.args": { a: 1, b: 2 },
    "Query.stateFor.agent": org.agent.id,
    "Query.checkoutAgent.agent": org.agent.id,
    "Query.stateFor.demand": { key: `${org.org}_counter` },
  };
}

async function populateAreas(org: WalkOrg): Promise<string[]> {
  const dir = join(HERE, "populate");
  // state first (its implementAgent drops implementations it does not declare), memory last
  // (ensureAgent empties the agent's memory shelve)
  const rank = (f: string) => (f === "state.ts" ? 0 : f === "memory.ts" ? 2 : 1);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "types.ts" && f !== "core.ts")
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const file of names) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { populate: Populate };
    await mod.populate(org);
  }
  return names;
}

/** Object types reachable from Query (these must come back with data). */
function reachableFromQuery(schema: GraphQLSchema, skip: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const queue = [schema.getQueryType()!.name];
  while (queue.length) {
    const name = queue.pop()!;
    const t = schema.getType(name);
    if (!t) continue;
    const next: string[] = [];
    if (isObjectType(t)) for (const f of Object.values(t.getFields())) if (!skip.has(`${name}.${f.name}`)) next.push(getNamedType(f.type).name);
    if (isAbstractType(t)) next.push(...schema.getPossibleTypes(t).map((p) => p.name));
    for (const n of next) {
      const nt = schema.getType(n);
      if ((isObjectType(nt) || isAbstractType(nt)) && !out.has(n)) {
        out.add(n);
        queue.push(n);
      }
    }
  }
  out.delete("Query");
  return new Set([...out].filter((n) => isObjectType(schema.getType(n))));
}

// At the server's default limits: the query cost counts the values an answer returns (cost.ts), so
// the walk's select-everything queries and the real clients' nested views run as they would for a user.
describe("issue 15: the schema walk over a populated store with two organisations", () => {
  const server = useSharedTestServer();
  const schema = buildServerSchema();
  let lab: WalkOrg;
  let elsewhere: WalkOrg;
  const results = new Map<string, { lab: Seen; elsewhere: Seen; errors: string[] }>();

  beforeAll(async () => {
    const s = server();
    lab = await populateCore(s, T1, "lab");
    elsewhere = await populateCore(s, T3, "elsewhere");
    await populateAreas(lab);
    await populateAreas(elsewhere);
    for (const [name, org] of [
      ["lab", lab],
      ["elsewhere", elsewhere],
    ] as const) {
      const events = await org.gql<{ task: { events: Array<{ id: string }> } }>(`query($id: ID!) { task(id: $id) { events { id } } }`, { id: org.taskId });
      const ids = new Map<string, string>([
        ["TaskEvent", events.task.events[0]!.id],
        ["Agent", org.agent.id],
        ["Task", org.taskId],
        ["Implementation", org.agent.impl.add!.id],
        ["Action", org.agent.impl.add!.actionId],
      ]);
      // pass 1 finds this organisation's ids of every type; pass 2 asks for them by id
      const idOf = (t: string) => ids.get(t);
      const run = async (field: string, text: string) => {
        const response = await s.request<Record<string, unknown>>(org.token, text);
        const seen: Seen = { full: new Set(), ids: new Set() };
        collect(response.data, seen);
        for (const id of seen.ids) {
          const [type, value] = id.split(":") as [string, string];
          if (!ids.has(type)) ids.set(type, value);
        }
        return { response, seen, field };
      };
      const first = [];
      for (const q of buildRootQueries(schema, argValues(org), idOf, SKIPPED)) first.push(await run(q.field, q.text));
      const second = new Map<string, Awaited<ReturnType<typeof run>>>();
      for (const q of buildRootQueries(schema, argValues(org), idOf, SKIPPED)) {
        if (first.find((r) => r.field === q.field)?.response.errors) second.set(q.field, await run(q.field, q.text));
      }
      for (const r of first) {
        const final = second.get(r.field) ?? r;
        const entry = results.get(r.field) ?? { lab: { full: new Set(), ids: new Set() }, elsewhere: { full: new Set(), ids: new Set() }, errors: [] };
        for (const e of final.response.errors ?? []) entry.errors.push(`${name}: ${e.message} (at ${(e.path ?? []).join(".")})`);
        for (const t of final.seen.full) entry[name].full.add(t);
        for (const id of final.seen.ids) entry[name].ids.add(id);
        results.set(r.field, entry);
      }
    }
  }, 120_000);

  it("runs every query of the released Python client and of the web UI against the populated store without errors", async () => {
    const s = server();
    const firstIds = new Map<string, string>();
    for (const r of results.values()) {
      for (const id of r.lab.ids) {
        const [type, value] = id.split(":") as [string, string];
        if (!firstIds.has(type)) firstIds.set(type, value);
      }
    }
    const failures: string[] = [];
    let ran = 0;
    for (const { file } of CLIENT_FIXTURES) {
      for (const { name, operation, document } of clientOperations(file).filter((o) => o.operation.operation === "query")) {
        const byName = {
          app: "app-one",
          interface: "add",
          hash: lab.agent.impl.add!.actionHash,
          actionHash: lab.agent.impl.add!.actionHash,
          demand: { key: "lab_counter" },
          ...(operation.name?.value === "find" || operation.name?.value === "AssignAction" ? { id: lab.agent.impl.add!.actionId } : {}),
        };
        const response = await s.request(lab.token, print(document), variablesFor(schema, operation, (t) => firstIds.get(t), byName));
        ran++;
        for (const e of response.errors ?? []) failures.push(`${file} ${name}: ${e.message} (at ${(e.path ?? []).join(".")})`);
      }
    }
    expect(ran).toBe(CLIENT_FIXTURES.reduce((n, c) => n + c.queries, 0));
    expect(failures).toEqual([]);
  });

  it("runs a query selecting every field of every type below each root field without GraphQL errors", () => {
    const errors = [...results].flatMap(([field, r]) => r.errors.map((e) => `Query.${field}: ${e}`));
    expect(errors).toEqual([]);
  });

  it("brings back every object type reachable from Query with data", () => {
    const full = new Set<string>();
    for (const r of results.values()) for (const t of [...r.lab.full, ...r.elsewhere.full]) full.add(t);
    const missing = [...reachableFromQuery(schema, SKIPPED)].filter((t) => !full.has(t) && !NOT_POPULATED.has(t)).sort();
    expect(missing).toEqual([]);
  });

  it("never shows one organisation's objects to the other", () => {
    const labIds = new Set<string>();
    const elsewhereIds = new Set<string>();
    for (const r of results.values()) {
      for (const id of r.lab.ids) labIds.add(id);
      for (const id of r.elsewhere.ids) elsewhereIds.add(id);
    }
    const leaked = [...elsewhereIds].filter((id) => labIds.has(id) && !SHARED_TYPES.has(id.split(":")[0]!)).sort();
    expect(leaked).toEqual([]);
    expect(labIds.size).toBeGreaterThan(10);
    expect(elsewhereIds.size).toBeGreaterThan(10);
  });
});
