/**
 * Issue 15, catalog area: `structurePackage(s)`, `structure(s)`, `interface(s)` and `protocols`,
 * derived from the definitions agents register (ports' `@package/key` identifiers, the
 * definition's declared `interfaces`, protocols inferred from the ports), per organisation.
 */
import { describe, expect, it } from "vitest";
import { ADD, setupAgent, type ImplementationInput, type PortInput } from "../helpers/fixture.js";
import { useSharedTestServer, useTestServer } from "../helpers/server.js";
import { T1, T2, T3 } from "../helpers/tokens.js";

function impl(key: string, args: PortInput[], returns: PortInput[], interfaces: string[] = []): ImplementationInput {
  const extra = { interfaces };
  return {
    interface: key,
    effect: "NONE",
    definition: { key, version: "1", name: key, kind: "FUNCTION", description: `${key} (catalog test)`, collections: [], args, returns, ...extra },
  };
}

/** Uses @mikro/image at the root, @mikro/roi inside dict → list, returns the interface @kabinet/renderable; declares @kabinet/viewer. */
const SEGMENT = impl(
  "segment",
  [
    { key: "image", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false },
    {
      key: "masks",
      kind: "DICT",
      nullable: false,
      children: [{ key: "mask", kind: "LIST", nullable: false, children: [{ key: "roi", kind: "STRUCTURE", identifier: "@mikro/ROI", nullable: false }] }],
    },
  ],
  [{ key: "return0", kind: "INTERFACE", identifier: "@kabinet/Renderable", nullable: false }],
  ["@kabinet/viewer", "plain-name"],
);
/** A single BOOL return: a predicate. */
const IS_BIG = impl("is_big", [{ key: "image", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false }], [{ key: "return0", kind: "BOOL", nullable: false }]);

const CATALOG = `{
  structurePackages { id key description structures { id key identifier } interfaces { id key } }
  structures { id key identifier description getQuery describeQuery package { key } implements { id } }
  interfaces { id key description package { key } }
}`;

interface Catalog {
  structurePackages: Array<{ id: string; key: string; description: string | null; structures: Array<{ id: string; key: string; identifier: string }>; interfaces: Array<{ id: string; key: string }> }>;
  structures: Array<{ id: string; key: string; identifier: string; package: { key: string }; implements: unknown[] }>;
  interfaces: Array<{ id: string; key: string; package: { key: string } }>;
}

describe("issue 15: catalog area", () => {
  const server = useTestServer();

  it("issue 15: registering definitions derives structure packages, structures and interfaces from the ports' identifiers (lowercased)", async () => {
    const s = server();
    await setupAgent(s, T1, [SEGMENT, IS_BIG, ADD]);
    const data = await s.gql<Catalog>(T1, CATALOG);
    expect(data.structurePackages.map((p) => p.key)).toEqual(["mikro", "kabinet"]);
    const mikro = data.structurePackages.find((p) => p.key === "mikro")!;
    expect(mikro.structures.map((x) => x.identifier)).toEqual(["@mikro/image", "@mikro/roi"]);
    expect(mikro.interfaces).toEqual([]);
    const kabinet = data.structurePackages.find((p) => p.key === "kabinet")!;
    expect(kabinet.interfaces.map((i) => i.key)).toEqual(["renderable", "viewer"]);
    expect(data.structures.map((x) => [x.key, x.package.key, x.identifier])).toEqual([
      ["image", "mikro", "@mikro/image"],
      ["roi", "mikro", "@mikro/roi"],
    ]);
    expect(data.structures[0]).toMatchObject({ description: null, getQuery: null, describeQuery: null, implements: [] });
    expect(data.interfaces.map((i) => `${i.package.key}/${i.key}`)).toEqual(["kabinet/renderable", "kabinet/viewer"]);
  });

  it("issue 15: structure(id) and interface(id) list the ports using them with action, root port, key path and container modifiers", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [SEGMENT, IS_BIG]);
    const { structures, interfaces } = await s.gql<Catalog>(T1, CATALOG);
    const usage = `{ action { id key } portKey index keyPath modifiers }`;
    const roi = await s.gql<{ structure: { identifier: string; inputUsages: unknown[]; outputUsages: unknown[] } }>(
      T1,
      `query ($id: ID!) { structure(id: $id) { identifier inputUsages ${usage} outputUsages ${usage} } }`,
      { id: structures.find((x) => x.key === "roi")!.id },
    );
    expect(roi.structure.inputUsages).toEqual([
      { action: { id: fixture.impl.segment!.actionId, key: "segment" }, portKey: "masks", index: 1, keyPath: "masks.mask.roi", modifiers: ["dict", "list"] },
    ]);
    expect(roi.structure.outputUsages).toEqual([]);
    const image = await s.gql<{ structure: { inputUsages: Array<{ action: { key: string }; keyPath: string; modifiers: string[] }> } }>(
      T1,
      `query ($id: ID!) { structure(id: $id) { inputUsages ${usage} } }`,
      { id: structures.find((x) => x.key === "image")!.id },
    );
    expect(image.structure.inputUsages.map((u) => [u.action.key, u.keyPath, u.modifiers])).toEqual([
      ["segment", "image", []],
      ["is_big", "image", []],
    ]);
    const renderable = await s.gql<{ interface: { key: string; package: { key: string }; outputUsages: Array<{ portKey: string; index: number }> } }>(
      T1,
      `query ($id: ID!) { interface(id: $id) { key package { key } outputUsages ${usage} } }`,
      { id: interfaces.find((i) => i.key === "renderable")!.id },
    );
    expect(renderable.interface.outputUsages).toMatchObject([{ portKey: "return0", index: 0 }]);
  });

  it("issue 15: Interface.implementations lists the implementations whose definition declares the interface", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [SEGMENT, IS_BIG]);
    const { interfaces } = await s.gql<Catalog>(T1, CATALOG);
    const q = `query ($id: ID!) { interface(id: $id) { implementations { id interface } } }`;
    const viewer = await s.gql<{ interface: { implementations: Array<{ id: string; interface: string }> } }>(T1, q, { id: interfaces.find((i) => i.key === "viewer")!.id });
    expect(viewer.interface.implementations).toEqual([{ id: fixture.impl.segment!.id, interface: "segment" }]);
    const renderable = await s.gql<{ interface: { implementations: unknown[] } }>(T1, q, { id: interfaces.find((i) => i.key === "renderable")!.id });
    expect(renderable.interface.implementations).toEqual([]);
  });

  it("issue 15: protocols are inferred from the ports (one BOOL return makes a predicate) and reconciled when the definition changes", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [SEGMENT, IS_BIG]);
    const q = `{ protocols { id name actions { key } } }`;
    expect((await s.gql<{ protocols: Array<{ name: string; actions: Array<{ key: string }> }> }>(T1, q)).protocols).toMatchObject([
      { name: "predicate", actions: [{ key: "is_big" }] },
    ]);
    const actionProtocols = `query ($id: ID!) { action(id: $id) { protocols { name } } }`;
    expect((await s.gql<{ action: { protocols: unknown[] } }>(T1, actionProtocols, { id: fixture.impl.is_big!.actionId })).action.protocols).toEqual([{ name: "predicate" }]);
    expect((await s.gql<{ action: { protocols: unknown[] } }>(T1, actionProtocols, { id: fixture.impl.segment!.actionId })).action.protocols).toEqual([]);

    // is_big now returns an INT: it is no predicate any more
    const changed = impl("is_big", IS_BIG.definition.args, [{ key: "return0", kind: "INT", nullable: false }]);
    await setupAgent(s, T1, [SEGMENT, changed]);
    expect((await s.gql<{ action: { protocols: unknown[] } }>(T1, actionProtocols, { id: fixture.impl.is_big!.actionId })).action.protocols).toEqual([]);
    expect((await s.gql<{ protocols: Array<{ actions: unknown[] }> }>(T1, q)).protocols).toMatchObject([{ name: "predicate", actions: [] }]);
  });

  it("issue 15: the catalog lists apply the schema's filters (ids, search, name lookups, AND/OR/NOT), orderings and pages in SQL", async () => {
    const s = server();
    await setupAgent(s, T1, [SEGMENT, IS_BIG]);
    await setupAgent(s, T2, [impl("hook", [{ key: "event", kind: "STRUCTURE", identifier: "@rekuest/taskevent", nullable: false }], [])]);
    const { structures } = await s.gql<Catalog>(T1, CATALOG);
    const keys = async (query: string, variables?: Record<string, unknown>) =>
      Object.values(await s.gql<Record<string, Array<{ key?: string; name?: string }>>>(T1, query, variables))[0]!.map((r) => r.key ?? r.name);

    expect(await keys(`{ structures(filters: { search: "ROI" }) { key } }`)).toEqual(["roi"]);
    expect(await keys(`{ structures(filters: { search: "@mikro/im" }) { key } }`)).toEqual(["image"]);
    expect(await keys(`query ($ids: [ID!]) { structures(filters: { ids: $ids }) { key } }`, { ids: [structures[1]!.id, "not-an-id"] })).toEqual(["roi"]);
    expect(await keys(`{ structures(pagination: { offset: 1, limit: 5 }) { key } }`)).toEqual(["roi", "taskevent"]);
    expect(await keys(`{ structures(filters: { search: "i", NOT: { search: "roi" } }) { key } }`)).toEqual(["image"]);
    expect(await keys(`{ structures(filters: { search: "roi", OR: { search: "taskevent" } }) { key } }`)).toEqual(["roi", "taskevent"]);
    expect(await keys(`{ structurePackages(filters: { search: "rek" }) { key } }`)).toEqual(["rekuest"]);
    expect(await keys(`{ interfaces(filters: { search: "view" }) { key } }`)).toEqual(["viewer"]);

    expect(await keys(`{ protocols(ordering: [{ name: DESC }]) { name } }`)).toEqual(["predicate", "hook"]);
    expect(await keys(`{ protocols(ordering: [{ name: ASC }]) { name } }`)).toEqual(["hook", "predicate"]);
    expect(await keys(`{ protocols(filters: { name: { iStartsWith: "PRE" } }) { name } }`)).toEqual(["predicate"]);
    expect(await keys(`{ protocols(filters: { name: { inList: ["hook", "agent"] } }) { name } }`)).toEqual(["hook"]);
    const hook = await s.gql<{ protocols: Array<{ actions: Array<{ key: string }> }> }>(T1, `{ protocols(filters: { name: { exact: "hook" } }) { actions(filters: { search: "hoo" }) { key } } }`);
    expect(hook.protocols[0]!.actions).toEqual([{ key: "hook" }]);
  });

  it("issue 15: another organisation never sees the lab's catalog: absent from lists, not found by id, its own identifiers are its own rows", async () => {
    const s = server();
    await setupAgent(s, T1, [SEGMENT, IS_BIG]);
    const lab = await s.gql<Catalog>(T1, CATALOG);
    const labProtocols = await s.gql<{ protocols: Array<{ id: string }> }>(T1, `{ protocols { id } }`);

    const elsewhere = await s.gql<Catalog & { protocols: unknown[] }>(T3, `{ structurePackages { id } structures { id } interfaces { id } protocols { id } }`);
    expect(elsewhere).toEqual({ structurePackages: [], structures: [], interfaces: [], protocols: [] });
    expect(await s.gqlErrors(T3, `query ($id: ID!) { structure(id: $id) { id } }`, { id: lab.structures[0]!.id })).toEqual([
      `Structure ${lab.structures[0]!.id} not found in organisation "elsewhere"`,
    ]);
    expect(await s.gqlErrors(T3, `query ($id: ID!) { interface(id: $id) { id } }`, { id: lab.interfaces[0]!.id })).toEqual([
      `Interface ${lab.interfaces[0]!.id} not found in organisation "elsewhere"`,
    ]);
    expect(await s.gqlErrors(T3, `query ($id: ID!) { structurePackage(id: $id) { id } }`, { id: lab.structurePackages[0]!.id })).toEqual([
      `StructurePackage ${lab.structurePackages[0]!.id} not found in organisation "elsewhere"`,
    ]);

    const other = await setupAgent(s, T3, [IS_BIG]);
    const theirs = await s.gql<Catalog & { protocols: Array<{ id: string; actions: Array<{ id: string }> }> }>(
      T3,
      `{ structurePackages { id } structures { id identifier inputUsages { action { id } } } interfaces { id } protocols { id actions { id } } }`,
    );
    expect(theirs.structures.map((x) => x.identifier)).toEqual(["@mikro/image"]);
    expect(theirs.structures[0]!.id).not.toBe(lab.structures[0]!.id);
    expect(theirs.structures[0]).toMatchObject({ inputUsages: [{ action: { id: other.impl.is_big!.actionId } }] });
    expect(theirs.protocols.map((p) => p.id)).not.toContain(labProtocols.protocols[0]!.id);
    expect(theirs.protocols[0]!.actions).toEqual([{ id: other.impl.is_big!.actionId }]);
  });
});

describe("issue 15: catalog area refuses bad input naming the field", () => {
  const server = useSharedTestServer();

  it("issue 15: a regular expression in a name lookup is refused naming filters.name.regex (a pattern could stall the server)", async () => {
    const [message] = await server().gqlErrors(T1, `{ protocols(filters: { name: { regex: "^(a+)+$" } }) { id } }`);
    expect(message).toMatch(/^filters\.name\.regex: regular expressions are not served by this server; use contains/);
  });

  it("issue 15: an action filter the embedded server cannot apply on Protocol.actions is refused naming it, not ignored", async () => {
    const s = server();
    await setupAgent(s, T1, [IS_BIG]);
    const [message] = await s.gqlErrors(T1, `{ protocols { actions(filters: { demands: [{ kind: ARGS }] }) { id } } }`);
    expect(message).toMatch(/^filters\.demands: is not supported by the embedded server on ActionFilter; filter with ids, name, search/);
  });

  it("issue 15: a usedAfter that is no date-time is refused naming filters.usedAfter", async () => {
    const s = server();
    await setupAgent(s, T1, [IS_BIG]);
    const [message] = await s.gqlErrors(T1, `{ protocols { actions(filters: { usedAfter: "yesterday" }) { id } } }`);
    expect(message).toMatch(/^filters\.usedAfter: expected an ISO date-time, got "yesterday"/);
  });

  it("issue 15: an id that is no id finds no structure", async () => {
    expect(await server().gqlErrors(T1, `{ structure(id: "1e0") { id } }`)).toEqual([`Structure 1e0 not found in organisation "lab"`]);
  });
});
