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

/**
 * Values for an operation's required variables: an id of the type the argument names (`agent: $x`
 * is an Agent id) or else of the type the field returns, as the first organisation saw it; other
 * required values are made up.
 */
function variablesFor(schema: GraphQLSchema, operation: OperationDefinitionNode, idOf: (type: string) => string | undefined): Record<string, unknown> {
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
    if (v.type.kind !== Kind.NON_NULL_TYPE || v.defaultValue) continue;
    const type = typeFromAST(schema, v.type);
    if (!type) continue;
    const named = getNamedType(type).name;
    const value = madeUp(type as never, idOf, target.get(v.variable.name.value) ?? "");
    values[v.variable.name.value] = named === "ID" ? value : JSON.parse(JSON.stringify(value, (_k, x: unknown) => (x && typeof x === "object" && "__enum" in x ? (x as { __enum: string }).__enum : x)));
  }
  return values;
}

const { Kind, TypeInfo, getNamedType, isAbstractType, isObjectType, print, typeFromAST, visit, visitWithTypeInfo } = graphql;
const HERE = dirname(fileURLToPath(import.meta.url));

/** Types no organisation owns: the same object may reach both (ids are not rows of one organisation). */
const SHARED_TYPES = new Set<string>([]);

/** Required arguments the walk cannot make up, by `Type.field.arg`. */
function argValues(lab: WalkOrg): ArgValues {
  return {
    "Query.agent.id": lab.agent.id,
    "Query.action.id": lab.agent.impl.showcase!.actionId,
    "Agent.implementation.interface": "add",
    "Task.arg.key": "a",
    "Query.implementationAt.agent": lab.agent.id,
    "Query.checkoutAgent.agent": lab.agent.id,
    "Query.implementation.id": lab.agent.impl.showcase!.id,
    "Query.implementationAt.interface": "add",
    "Query.myImplementationAt.interface": "add",
  };
}

async function populateAreas(org: WalkOrg): Promise<string[]> {
  const dir = join(HERE, "populate");
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "types.ts" && f !== "core.ts")
    .sort();
  for (const file of names) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { populate: Populate };
    await mod.populate(org);
  }
  return names;
}

/** Object types reachable from Query (these must come back with data). */
function reachableFromQuery(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  const queue = [schema.getQueryType()!.name];
  while (queue.length) {
    const name = queue.pop()!;
    const t = schema.getType(name);
    if (!t) continue;
    const next: string[] = [];
    if (isObjectType(t)) for (const f of Object.values(t.getFields())) next.push(getNamedType(f.type).name);
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

describe("issue 15: the schema walk over a populated store with two organisations", () => {
  const server = useSharedTestServer({ maxQueryCost: 10_000_000 });
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
      for (const q of buildRootQueries(schema, { ...argValues(org) }, (t) => ids.get(t))) {
        const response = await s.request<Record<string, unknown>>(org.token, q.text);
        const entry = results.get(q.field) ?? { lab: { full: new Set(), ids: new Set() }, elsewhere: { full: new Set(), ids: new Set() }, errors: [] };
        for (const e of response.errors ?? []) entry.errors.push(`${name}: ${e.message} (at ${(e.path ?? []).join(".")})`);
        collect(response.data, entry[name]);
        results.set(q.field, entry);
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
        const response = await s.request(lab.token, print(document), variablesFor(schema, operation, (t) => firstIds.get(t)));
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
    const missing = [...reachableFromQuery(schema)].filter((t) => !full.has(t)).sort();
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
