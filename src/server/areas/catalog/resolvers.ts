/**
 * The catalog's GraphQL fields: `structurePackage(s)`, `structure(s)`, `interface(s)`,
 * `protocols`, their object fields, and `Action.protocols`. Everything is scoped to the viewer's
 * organisation; filters and orderings are compiled to SQL (../sql-filter.ts).
 */
import type { Resolvers } from "../../../../generated/server/resolvers.js";
import type { ResolverContext } from "../../graphql/context.js";
import { ACTION_FILTER, ACTION_ORDER, IMPLEMENTATION_FILTER, IMPLEMENTATION_ORDER } from "../core-filters.js";
import { byId, inOrg } from "../org-scope.js";
import { compileFilter, compileOrdering, pageParams, searchIn, idsIn, strLookup, type FilterSpec } from "../sql-filter.js";
import { modifiersOf, type CatalogRecords, type CatalogKind, type InterfaceRow, type PortUsageRow, type StructurePackageRow, type StructureRow, type UsageDirection } from "./records.js";

/** Packages: columns of `structure_package p`. */
const PACKAGE_FILTER: FilterSpec = { ids: idsIn("p.id"), search: searchIn("p.key", "p.description") };
/** Structures and interfaces: columns of `s` and its package `p`; search also matches the identifier `@package/key`. */
const MEMBER_FILTER: FilterSpec = { ids: idsIn("s.id"), search: searchIn("s.key", "s.description", "'@' || p.key || '/' || s.key") };
/** Protocols: columns of `protocol r`. */
const PROTOCOL_FILTER: FilterSpec = { ids: idsIn("r.id"), name: strLookup("r.name"), search: searchIn("r.name") };
const PROTOCOL_ORDER = { name: "r.name" };

type Paging = { offset?: number | null; limit?: number | null } | null | undefined;

const records = (ctx: ResolverContext): CatalogRecords => ctx.platform.areas.catalog.records;

function query(filters: unknown, spec: FilterSpec, typeName: string, pagination: Paging, order: string[] = []) {
  const [limit, offset] = pageParams(pagination);
  return { where: compileFilter(filters, spec, "filters", typeName), order, limit, offset };
}

const identifierOf = (ctx: ResolverContext, row: StructureRow | InterfaceRow): string => {
  const pkg = records(ctx).package(row.package_id);
  return `@${pkg?.key ?? "?"}/${row.key}`;
};

function usages(ctx: ResolverContext, row: StructureRow | InterfaceRow, kind: CatalogKind, direction: UsageDirection) {
  inOrg(row, kind === "STRUCTURE" ? "Structure" : "Interface", row.id, ctx.me.org);
  return records(ctx)
    .usages(ctx.me.org, kind, identifierOf(ctx, row), direction)
    .flatMap((usage: PortUsageRow) => {
      const action = ctx.platform.store.action(usage.action_id);
      if (!action || action.org !== ctx.me.org) return [];
      return [{ action, portKey: usage.port_key, index: usage.port_index, keyPath: usage.key_path, modifiers: modifiersOf(usage) }];
    });
}

const packageOf = (ctx: ResolverContext, row: StructureRow | InterfaceRow): StructurePackageRow =>
  inOrg(records(ctx).package(row.package_id), "StructurePackage", row.package_id, ctx.me.org);

export const catalogResolvers: Resolvers = {
  Query: {
    structurePackage: (_p, a, ctx) => byId(a.id, (id) => records(ctx).package(id), "StructurePackage", ctx.me.org),
    structurePackages: (_p, a, ctx) => records(ctx).packages(ctx.me.org, query(a.filters, PACKAGE_FILTER, "StructurePackageFilter", a.pagination)),
    structure: (_p, a, ctx) => byId(a.id, (id) => records(ctx).structure(id), "Structure", ctx.me.org),
    structures: (_p, a, ctx) => records(ctx).structures(ctx.me.org, null, query(a.filters, MEMBER_FILTER, "StructureFilter", a.pagination)),
    interface: (_p, a, ctx) => byId(a.id, (id) => records(ctx).interface(id), "Interface", ctx.me.org),
    interfaces: (_p, a, ctx) => records(ctx).interfaces(ctx.me.org, null, query(a.filters, MEMBER_FILTER, "InterfaceFilter", a.pagination)),
    protocols: (_p, a, ctx) =>
      records(ctx).protocols(ctx.me.org, null, query(a.filters, PROTOCOL_FILTER, "ProtocolFilter", a.pagination, compileOrdering(a.ordering, PROTOCOL_ORDER))),
  },
  StructurePackage: {
    id: (p) => String(p.id),
    structures: (p, a, ctx) =>
      records(ctx).structures(ctx.me.org, inOrg(p, "StructurePackage", p.id, ctx.me.org).id, query(a.filters, MEMBER_FILTER, "StructureFilter", a.pagination)),
    interfaces: (p, a, ctx) =>
      records(ctx).interfaces(ctx.me.org, inOrg(p, "StructurePackage", p.id, ctx.me.org).id, query(a.filters, MEMBER_FILTER, "InterfaceFilter", a.pagination)),
  },
  Structure: {
    id: (p) => String(p.id),
    package: (p, _a, ctx) => packageOf(ctx, p),
    identifier: (p, _a, ctx) => identifierOf(ctx, p),
    getQuery: (p) => p.get_query,
    describeQuery: (p) => p.describe_query,
    // Neither DefinitionInput nor a mutation of the schema says which interfaces a structure
    // implements (the reference server never fills it either): the list stays empty, filtered or not.
    implements: (p, a, ctx) => {
      inOrg(p, "Structure", p.id, ctx.me.org);
      compileFilter(a.filters, MEMBER_FILTER, "filters", "InterfaceFilter");
      return [];
    },
    inputUsages: (p, _a, ctx) => usages(ctx, p, "STRUCTURE", "ARG"),
    outputUsages: (p, _a, ctx) => usages(ctx, p, "STRUCTURE", "RETURN"),
  },
  Interface: {
    id: (p) => String(p.id),
    package: (p, _a, ctx) => packageOf(ctx, p),
    implementations: (p, a, ctx) =>
      records(ctx).implementationsOfInterface(
        ctx.me.org,
        inOrg(p, "Interface", p.id, ctx.me.org).id,
        query(a.filters, IMPLEMENTATION_FILTER, "ImplementationFilter", a.pagination, compileOrdering(a.ordering, IMPLEMENTATION_ORDER)),
      ),
    inputUsages: (p, _a, ctx) => usages(ctx, p, "INTERFACE", "ARG"),
    outputUsages: (p, _a, ctx) => usages(ctx, p, "INTERFACE", "RETURN"),
  },
  Protocol: {
    id: (p) => String(p.id),
    actions: (p, a, ctx) =>
      records(ctx).actionsOfProtocol(
        ctx.me.org,
        inOrg(p, "Protocol", p.id, ctx.me.org).id,
        query(a.filters, ACTION_FILTER, "ActionFilter", a.pagination, compileOrdering(a.ordering, ACTION_ORDER)),
      ),
  },
  Action: {
    protocols: (p, a, ctx) =>
      records(ctx).protocols(
        ctx.me.org,
        inOrg(p, "Action", p.id, ctx.me.org).id,
        query(a.filters, PROTOCOL_FILTER, "ProtocolFilter", a.pagination, compileOrdering(a.ordering, PROTOCOL_ORDER)),
      ),
  },
};
