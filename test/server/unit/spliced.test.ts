/**
 * Issue 18: an action's ports are answered once and spliced into every answer that repeats them
 * (src/server/graphql/spliced.ts). The spliced run must answer the bytes and count the query cost
 * of the unspliced run: each case runs compiled (spliced) and interpreted by graphql-js (never
 * spliced) on the same store, twice (the second answer comes from the parts cache), and compares
 * the JSON text and the values the cost budget counted, @skip and @include included.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DocumentNode, ExecutionResult, GraphQLNamedType, GraphQLObjectType } from "graphql";
import { compileQuery, isCompiledQuery } from "graphql-jit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../../../src/server/auth.js";
import type { GraphqlContext } from "../../../src/server/graphql/context.js";
import { CostBudget } from "../../../src/server/graphql/cost.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { createJitExecutor } from "../../../src/server/graphql/jit.js";
import { RawJson, stringifyWithRawJson } from "../../../src/server/graphql/raw-json.js";
import { buildServerSchema, mergeAreas, serverAreas } from "../../../src/server/graphql/schema.js";
import { SPLICED_FIELDS, SPLICED_OBJECTS, splicedJson, stringifyAnswer } from "../../../src/server/graphql/spliced.js";
import { compileOptions } from "../../../src/server/options.js";
import { Platform } from "../../../src/server/platform/index.js";
import { openStore } from "../../../src/server/store/open.js";
import type { Store } from "../../../src/server/store/store.js";
import { silentLogger } from "../../../src/shared/logger.js";

const schema = buildServerSchema();
const executor = createJitExecutor(schema);
const me: Identity = { token: "t", org: "bench", clientId: "c", sub: "s", iss: "i", username: "u", app: "a", release: "1", device: "", roles: [], scope: "", key: "k" };

const EFFECTS = [
  { kind: "MESSAGE", message: "note", dependencies: ["x"], function: "x > 1" },
  { kind: "HIDE", dependencies: ["label"], function: "!label" },
  { kind: "CUSTOM", hook: "h", ward: "w", dependencies: [], function: "true" },
];
/** A definition with every form hint the web UI asks for (widgets of each kind, effects, choices, validators, children, groups). */
function definitionOf(k: number, args?: unknown[]): string {
  return JSON.stringify({
    key: `action_${k}`,
    version: "1",
    name: `Action ${k}`,
    kind: "FUNCTION",
    args: args ?? [
      { key: "x", kind: "INT", nullable: false, label: "x", description: "a \"quoted\" number ✓", widget: { kind: "SLIDER", min: 0, max: 10, step: 1 }, effects: EFFECTS, validators: [{ function: "x < 10", dependencies: [], label: "small", errorMessage: "too big" }] },
      { key: "label", kind: "STRING", nullable: true, default: k % 2 === 0 ? "none" : { nested: [1, 2.5, "\u0000"] }, widget: { kind: "STRING", placeholder: "a label", asParagraph: k % 2 === 0 }, choices: [{ value: "a", label: "A", description: "first" }, { value: 2, label: "two" }] },
      { key: "items", kind: "LIST", nullable: false, children: [{ key: "item", kind: "STRUCTURE", identifier: "@demo/image", nullable: false, widget: { kind: "SEARCH", query: "query { x }", ward: "w", dependencies: [] } }] },
      { key: "pick", kind: "STRING", nullable: true, widget: { kind: k % 2 === 0 ? "CHOICE" : "STATE_CHOICE", choices: [{ value: "p", label: "P" }], stateChoices: "state.choices" } },
    ],
    returns: [
      { key: "return0", kind: "INT", nullable: false, widget: { kind: "CHOICE", choices: [{ value: 1, label: "one" }] } },
      { key: "return1", kind: "DICT", nullable: true, children: [{ key: "value", kind: "FLOAT", nullable: false, widget: { kind: "CUSTOM", hook: "rh" } }] },
    ],
    collections: [],
    portGroups: [{ key: "main", title: "Main", description: "the main ports", effects: k === 1 ? EFFECTS : [], ports: ["x", "label"] }],
    interfaces: [],
    isTestFor: [],
  });
}

const PORTS = `
  fragment Arg on ArgPort { __typename key kind nullable default label description identifier
    widget { __typename kind ... on SliderAssignWidget { min max step } ...Text ... on SearchAssignWidget { query ward filters { key } } ... on ChoiceAssignWidget { choices { value label } } ... on StateChoiceAssignWidget { statePath } }
    effects { __typename kind dependencies function ... on MessageEffect { message } ... on CustomEffect { hook ward } ... on HideEffect { fade } }
    children { key kind identifier widget { __typename kind } children { key } }
    choices { value label description }
    validators { function dependencies label errorMessage }
    proposedUnits nullable
  }
  fragment Text on StringAssignWidget { placeholder asParagraph }
  fragment Ret on ReturnPort { __typename key kind widget { __typename kind ... on ChoiceReturnWidget { choices { value label } } ... on CustomReturnWidget { hook ward } } children { key kind widget { kind } } }
`;

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
}
const CASES: Case[] = [
  { name: "every action with its ports (the web UI's Ports fragments)", query: `{ actions { id hash args { ...Arg } returns { ...Ret } portGroups { key title description ports effects { kind } } } } ${PORTS}` },
  {
    name: "aliases, a field selected twice through fragments, @include and @skip inside the ports and on them",
    query: `{
      actions { id
        args { ...Arg key extra: label effects @include(if: true) { kind } choices @skip(if: false) { label } widget @skip(if: true) { kind } }
        again: args { key ... on ArgPort @include(if: false) { kind } ... on ArgPort @skip(if: false) { label } choices @skip(if: true) { value } }
        returns @skip(if: true) { ...Ret }
        portGroups @include(if: true) { key }
      }
    } ${PORTS}`,
  },
  {
    // variables in @skip/@include: the compiled executor gives such documents to graphql-js (jit.ts), so they are never spliced; the answer is the same
    name: "@include and @skip on variables",
    query: `query ($effects: Boolean!, $noChoices: Boolean!) { actions { id args { key effects @include(if: $effects) { kind } choices @skip(if: $noChoices) { label } } returns @skip(if: $noChoices) { key } } }`,
    variables: { effects: true, noChoices: false },
  },
  {
    name: "a page of tasks, each with its action answered whole (fragments, an inline fragment, __typename)",
    query: `{ tasks(pagination: { limit: 30 }) { id reference action { ...Act ... on Action { key version } __typename } } }
      fragment Act on Action { hash id name args { ...Arg } returns { ...Ret } portGroups { key ports } } ${PORTS}`,
  },
  {
    name: "a page of tasks whose action selection asks for more than the row (its implementations): only the ports are spliced",
    query: `{ tasks(pagination: { limit: 30 }) { id action { id name implementations { id } args { key kind } } } }`,
  },
  { name: "one action, aliased twice", query: `query ($id: ID!) { a: action(id: $id) { args { key widget { kind } } } b: action(id: $id) { args { key widget { kind } } portGroups { ports } } }`, variables: { id: "1" } },
];

let dir: string;
let store: Store;
let platform: Platform;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "arkitekt-spliced-"));
  store = openStore(dir, "locked");
  platform = new Platform(store, compileOptions({ dataDir: dir, tokens: {} }), silentLogger);
  const base = { org: "bench", app: "app", version: "1", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, defined_at: Date.UTC(2026, 0, 1) };
  const actions = [0, 1, 2].map((k) => store.insertAction({ ...base, key: `action_${k}`, hash: `hash${k}`, name: `Action ${k}`, definition: definitionOf(k) }));
  const caller = store.ensureCaller(me);
  // 24 tasks over 3 actions: each action's part is answered once and used by 8 tasks
  for (let t = 0; t < 24; t++) {
    const action = actions[t % 3]!;
    store.insertTask({ org: "bench", action_id: action.id, implementation_id: null, agent_id: null, caller_id: caller.id, reference: `ref-${t}`, args: "{}", args_hash: "h", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: Date.UTC(2026, 0, 1) + t });
  }
});
afterAll(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  text: string;
  /** The same result written by raw-json.ts' stringifier (the WebSocket and yoga paths). */
  rawText: string;
  spent: number;
  exceeded: boolean;
  /** Whether the result carries spliced parts (written as raw-json markers by a plain JSON.stringify). */
  spliced: boolean;
  /** The result as a plain JSON.stringify writes it: a spliced part is a (marker) string. */
  plain: { data?: { tasks?: Array<{ action: unknown }> } };
}

const documents = new Map<string, DocumentNode>();

async function run(how: "spliced" | "interpreted" | "unspliced", c: Case, limit = Number.POSITIVE_INFINITY): Promise<Run> {
  const cost = new CostBudget(limit);
  const contextValue: GraphqlContext = { identity: me, me, platform, cost };
  // one document per text, as the server's document cache gives: its compiled parts are reused
  let document = documents.get(c.query);
  if (!document) documents.set(c.query, (document = graphql.parse(c.query)));
  expect(graphql.validate(schema, document)).toEqual([]);
  const args = { schema, document, variableValues: c.variables ?? {}, contextValue };
  let result: ExecutionResult;
  if (how === "spliced") result = await executor.execute(args);
  else if (how === "interpreted") result = await graphql.execute(args);
  else {
    const compiled = compileQuery(schema, document);
    if (!isCompiledQuery(compiled)) throw new Error("does not compile");
    result = await compiled.query(undefined, contextValue, c.variables ?? {});
  }
  return { text: stringifyAnswer(result), rawText: stringifyWithRawJson(result), spent: cost.spent, exceeded: cost.exceeded, spliced: JSON.stringify(result).includes("arkitekt-raw-json"), plain: JSON.parse(JSON.stringify(result)) as Run["plain"] };
}

describe("issue 18: an action's ports answered once and spliced", () => {
  it("issue 18: spliced ports answer the bytes and count the query cost of the unspliced run, @skip and @include included, also from the parts cache", async () => {
    for (const c of CASES) {
      const reference = await run("interpreted", c);
      expect(JSON.parse(reference.text).errors, c.name).toBeUndefined();
      expect(reference.spent, c.name).toBeGreaterThan(20);
      for (let again = 0; again < 2; again++) {
        const spliced = await run("spliced", c);
        expect(spliced.text, `${c.name} (run ${again})`).toBe(reference.text);
        expect(spliced.rawText, `${c.name} (run ${again})`).toBe(reference.text);
        expect(spliced.spent, `${c.name} (run ${again})`).toBe(reference.spent);
        expect(spliced.spliced, c.name).toBe(!c.variables?.effects);
        // a task's action answered whole is one part; with more than the row asked for, an object
        const action = spliced.plain.data?.tasks?.[0]?.action;
        if (action !== undefined) expect(typeof action, c.name).toBe(c.name.includes("answered whole") ? "string" : "object");
      }
    }
    const other = { ...CASES[2]!, variables: { effects: false, noChoices: true } };
    expect((await run("spliced", other)).text).toBe((await run("interpreted", other)).text);
    expect((await run("spliced", other)).text).not.toBe((await run("spliced", CASES[2]!)).text);
  });

  it("issue 18: a query whose spliced ports are just over the cost limit is refused, and one at the limit answers, as unspliced", async () => {
    for (const c of CASES) {
      const { spent } = await run("interpreted", c);
      for (const how of ["spliced", "interpreted"] as const) {
        expect((await run(how, c, spent)).exceeded, `${how} ${c.name} at the limit`).toBe(false);
        expect((await run(how, c, spent - 1)).exceeded, `${how} ${c.name} over the limit`).toBe(true);
      }
    }
  });

  it("issue 18: a part is answered again once its action row changes (its stored definition)", async () => {
    const c: Case = { name: "ports", query: "{ actions { id args { key label } } }" };
    const before = await run("spliced", c);
    expect(before.text).toContain('"label":"x"');
    const row = store.action(1)!;
    store.updateAction({ ...row, definition: definitionOf(1).replace('"label":"x"', '"label":"renamed"') });
    const after = await run("spliced", c);
    expect(after.text).toContain('"label":"renamed"');
    expect(after.text).toBe((await run("interpreted", c)).text);
    store.updateAction({ ...row, definition: definitionOf(1) });
  });

  it("issue 18: under an action's ports only the form hints have resolvers (functions of the value they are given), no field takes arguments, and an action answered whole reads its row", () => {
    // a part is kept for every request: a resolver under it that read the viewer, the request or an argument would be served stale
    const resolvers = mergeAreas(serverAreas()).resolvers;
    const seen = new Set<string>();
    const resolved = new Set<string>();
    const withArguments: string[] = [];
    const walk = (named: GraphQLNamedType): void => {
      if (seen.has(named.name)) return;
      seen.add(named.name);
      if (graphql.isAbstractType(named)) for (const type of schema.getPossibleTypes(named)) walk(type);
      if (!graphql.isObjectType(named) && !graphql.isInterfaceType(named)) return;
      for (const field of Object.values(named.getFields())) {
        if (resolvers[named.name]?.[field.name]) resolved.add(`${named.name}.${field.name}`);
        if (field.args.length > 0) withArguments.push(`${named.name}.${field.name}`);
        walk(graphql.getNamedType(field.type));
      }
    };
    for (const [typeName, fields] of Object.entries(SPLICED_FIELDS)) {
      const type = schema.getType(typeName);
      if (!graphql.isObjectType(type)) throw new Error(typeName);
      for (const name of fields) walk(graphql.getNamedType(type.getFields()[name]!.type));
    }
    expect([...resolved].sort()).toEqual(
      [
        "Choice.label", "Choice.value", "CustomAssignWidget.hook", "CustomAssignWidget.ward", "CustomEffect.dependencies", "CustomEffect.hook", "CustomEffect.ward",
        "CustomReturnWidget.hook", "CustomReturnWidget.ward", "HideEffect.dependencies", "HideEffect.fade", "MessageEffect.dependencies", "MessageEffect.message",
        "PortGroup.ports", "ProxyWidget.targetAction", "ProxyWidget.targetPort", "StateChoiceAssignWidget.statePath", "StringAssignWidget.asParagraph", "StringAssignWidget.placeholder",
      ].sort(),
    );
    expect(withArguments).toEqual([]);
    // an object answered whole: its listed fields are read from the row (no resolver), or are the spliced ports
    for (const [key, fields] of Object.entries(SPLICED_OBJECTS)) {
      const [parent, field] = key.split(".") as [string, string];
      const type = graphql.getNamedType((schema.getType(parent) as GraphQLObjectType).getFields()[field]!.type);
      const withResolvers = fields.filter((name) => resolvers[type.name]?.[name]);
      expect(withResolvers, key).toEqual(SPLICED_FIELDS[type.name] ?? []);
    }
  });

  it("issue 18: stringifyAnswer writes stored JSON text as raw-json.ts does, and a string that looks like its marker stays a string", () => {
    const value = {
      data: {
        events: [
          { returns: splicedJson('{"return0":2.0,"s":"\\u0000 \\" ✓"}'), message: "\u0000arkitekt-part:0" },
          { returns: splicedJson(null), raw: new RawJson("[1.50]"), message: '"\u0000arkitekt-raw-json:x:1"' },
        ],
      },
    };
    const text = stringifyAnswer(value);
    expect(text).toBe(stringifyWithRawJson(value));
    expect(text).toContain('"returns":{"return0":2.0,');
    expect(text).toContain('"raw":[1.50]');
    expect(JSON.parse(text).data.events[0].message).toBe("\u0000arkitekt-part:0");
  });

  it("issue 18: a stored port that breaks the schema gives up the splice: the query runs again unspliced, with the same errors, nulls and cost", async () => {
    const broken = store.insertAction({
      org: "bench", app: "app", version: "1", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, defined_at: Date.UTC(2026, 0, 2),
      key: "broken", hash: "broken", name: "Broken",
      // a port without its kind (PortKind!): the field is null, so is the port, the list and the action
      definition: definitionOf(9, [{ key: "ok", kind: "INT", nullable: false }, { key: "nokind", nullable: true }]),
    });
    const c: Case = { name: "broken", query: `query ($id: ID!) { action(id: $id) { id args { key kind } } actions { id name args { key } } }`, variables: { id: String(broken.id) } };
    const unspliced = await run("unspliced", c);
    expect(JSON.parse(unspliced.text).errors[0].message).toMatch(/Cannot return null for non-nullable field ArgPort\.kind/);
    const spliced = await run("spliced", c);
    expect(spliced.text).toBe(unspliced.text);
    expect(spliced.spent).toBe(unspliced.spent);
  });
});
