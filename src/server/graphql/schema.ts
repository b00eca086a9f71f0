/**
 * The executable schema: the platform SDL subset (sdl.ts) with the areas' resolvers attached (the
 * core in graphql/core/, the media store, src/server/areas). Every root field needs an
 * authenticated identity and is scoped to its organisation; this module only builds, wraps and merges.
 */
import type { GraphQLError as GraphQLErrorType, GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema } from "graphql";
import { graphql } from "./graphql-module.js";
import type { Identity } from "../auth.js";
import type { GraphqlContext, ResolverContext } from "./context.js";
import { PlatformError } from "../platform.js";
import { StoreWriteError, storeFailureOf } from "../store/store.js";
import { PageError, isPaged, pageOf } from "./pages.js";
import { replayThenLive } from "./replay.js";
import { chargeIntrospection } from "./cost.js";
import { loadPlatformDocument, subsetSdl } from "./sdl.js";
import { mediaResolvers } from "../media/graphql.js";
import { AREAS } from "../areas/index.js";
import type { Area, Replaying, Select } from "./area.js";
import { RESOLVE_TYPE, coreArea } from "./core/index.js";

const { GraphQLError, buildASTSchema, responsePathAsArray, getNamedType, getNullableType, isCompositeType, isInterfaceType, isListType, isNonNullType, isObjectType } = graphql;

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

export type { GraphqlContext } from "./context.js";

type Args = Record<string, unknown>;
type Subscriber = (args: Args, ctx: ResolverContext) => Select<unknown> | Replaying<unknown>;

/** The core (agents, actions, implementations, tasks: graphql/core) and the media store (src/server/media) as areas. */
function coreAreas(): Area[] {
  const media = mediaResolvers();
  return [coreArea, { name: "media", resolvers: { Mutation: media.Mutation, MediaStore: media.MediaStore } }];
}

type AnyResolver = (parent: unknown, args: Args, ctx: ResolverContext, info?: unknown) => unknown;
interface Merged {
  resolvers: Record<string, Record<string, AnyResolver>>;
  subscriptions: Record<string, Subscriber>;
  /** Which area resolves each `Type.field`. */
  owner: Map<string, string>;
}

/** Merges the areas' fields; one field resolved by two areas is an error (say which two). */
export function mergeAreas(areas: readonly Area[]): Merged {
  const merged: Merged = { resolvers: {}, subscriptions: {}, owner: new Map() };
  const claim = (field: string, area: string) => {
    const before = merged.owner.get(field);
    if (before) throw new Error(`${field} is resolved by two areas of the server: ${before} and ${area}`);
    merged.owner.set(field, area);
  };
  for (const area of areas) {
    for (const [typeName, fields] of Object.entries(area.resolvers ?? {})) {
      const into = (merged.resolvers[typeName] ??= {});
      for (const [field, resolver] of Object.entries(fields as Record<string, unknown>)) {
        claim(`${typeName}.${field}`, area.name);
        into[field] = resolver as AnyResolver;
      }
    }
    for (const [field, subscriber] of Object.entries(area.subscriptions ?? {})) {
      claim(`Subscription.${field}`, area.name);
      merged.subscriptions[field] = subscriber as Subscriber;
    }
  }
  return merged;
}

/** Every area of the server: the core, the media store and src/server/areas. */
export function serverAreas(): Area[] {
  return [...coreAreas(), ...AREAS];
}

/** The root fields the server serves: exactly those some area resolves. */
export function servedRootFields(areas: readonly Area[] = serverAreas()): Record<"Query" | "Mutation" | "Subscription", string[]> {
  const merged = mergeAreas(areas);
  return {
    Query: Object.keys(merged.resolvers.Query ?? {}),
    Mutation: Object.keys(merged.resolvers.Mutation ?? {}),
    Subscription: Object.keys(merged.subscriptions),
  };
}

/**
 * Turns our errors into GraphQL errors the client sees (yoga masks anything else), located at the field
 * (`locations` and `path`) when `info` is given: graphql-js locates an error itself, the compiled
 * executor (jit.ts) keeps a GraphQLError as thrown, so the answer is the same either way.
 */
function toGraphqlError(error: unknown, info?: GraphQLResolveInfo): GraphQLErrorType {
  const at = info ? { nodes: info.fieldNodes, path: responsePathAsArray(info.path) } : {};
  if (error instanceof GraphQLError) {
    if (!info || error.path !== undefined) return error;
    return new GraphQLError(error.message, { ...at, ...(error.originalError ? { originalError: error.originalError } : {}), extensions: error.extensions });
  }
  if (error instanceof PlatformError) return new GraphQLError(error.message, { ...at, extensions: { ...error.extensions, code: error.code } });
  if (error instanceof PageError) return new GraphQLError(error.message, { ...at, extensions: { code: "BAD_USER_INPUT" } });
  // disk full and other storage failures: say so instead of yoga's masked "Unexpected error."
  const stored = error instanceof StoreWriteError ? error : storeFailureOf(error, "the server's data folder");
  if (stored) return new GraphQLError(stored.message, { ...at, extensions: { code: stored.code } });
  throw error;
}

function requireIdentity(ctx: GraphqlContext): Identity {
  if (!ctx.identity) {
    throw new GraphQLError("Authentication required: send a valid token (Authorization: Bearer <token>, or connection_init {token})", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  return ctx.identity;
}

function emptyFor(type: unknown): unknown {
  if (isNonNullType(type)) return isListType(type.ofType) ? [] : undefined;
  return isListType(type) ? [] : null;
}

/** Builds the executable schema. */
export function buildServerSchema(areas: readonly Area[] = serverAreas()): GraphQLSchema {
  const { resolvers, subscriptions } = mergeAreas(areas);
  // introspection lists count against the cost budget too (graphql-js' resolvers, wrapped once per process)
  chargeIntrospection();
  const schema = buildASTSchema(subsetSdl(loadPlatformDocument(), servedRootFields(areas)), { assumeValidSDL: true });
  for (const [name, resolveType] of Object.entries(RESOLVE_TYPE)) {
    const type = schema.getType(name);
    if (isInterfaceType(type)) type.resolveType = resolveType;
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const isRoot = type.name === "Query" || type.name === "Mutation";
    const map = resolvers[type.name] ?? {};
    for (const field of Object.values(type.getFields())) {
      const custom = map[field.name];
      if (type.name === "Subscription") {
        const make = subscriptions[field.name]!;
        field.subscribe = ((_p: unknown, args: Args, ctx: GraphqlContext) => {
          const me = requireIdentity(ctx);
          try {
            const made = make(args, { ...ctx, me });
            if (typeof made === "function") return ctx.platform.hub.subscribe(made, ctx.signal);
            // listen first, then read the store once the pending writes are committed: no gap at the seam
            const live = ctx.platform.hub.subscribe(made.select, ctx.signal);
            return replayThenLive<unknown>(
              ctx.platform.store.committed().then(() => made.replay()),
              live,
            );
          } catch (error) {
            throw toGraphqlError(error);
          }
        }) as GraphQLFieldResolver<unknown, GraphqlContext>;
        field.resolve = (payload: unknown) => payload;
        continue;
      }
      // lists and objects count against the operation's cost budget (cost.ts) once resolved
      const counted = isListType(getNullableType(field.type)) || isCompositeType(getNamedType(field.type));
      if (custom) {
        const listName = `${type.name}.${field.name}`;
        const paged = isPaged(field, listName);
        field.resolve = ((parent: unknown, args: Args, ctx: GraphqlContext, info: GraphQLResolveInfo) => {
          const me = isRoot ? requireIdentity(ctx) : (ctx.identity as Identity);
          try {
            ctx.cost?.check();
            // every paged list gets a checked page (`pagination.limit`, else its default; over the maximum is refused)
            const pagedArgs = paged ? { ...args, pagination: pageOf(listName, args.pagination, ctx.platform.options) } : args;
            const resolved = custom(parent, pagedArgs, ctx.me === me ? (ctx as ResolverContext) : { ...ctx, me }, info);
            const cost = counted ? ctx.cost : undefined;
            const result = !cost ? resolved : isPromise(resolved) ? resolved.then((value) => (cost.charge(value, info), value)) : (cost.charge(resolved, info), resolved);
            // a mutation answers only once its writes are durable
            // (an async resolver's refusal is turned into its GraphQL error too)
            return type.name === "Mutation"
              ? ctx.platform.store
                  .committed()
                  .then(() => result)
                  .catch((error: unknown) => {
                    throw toGraphqlError(error, info);
                  })
              : result;
          } catch (error) {
            throw toGraphqlError(error, info);
          }
        }) as GraphQLFieldResolver<unknown, GraphqlContext>;
      } else if (isRoot) {
        throw new Error(`no resolver for ${type.name}.${field.name}`);
      } else if (!counted) {
        // a scalar or enum read from its parent: no resolver, so the compiled executor reads the
        // property inline (a missing value is null either way). A resolver here cost a call through
        // graphql-jit's resolver machinery per field: the web UI's MyTasks completes ~20 of these
        // per port, for each task of its page (issue 18)
        field.resolve = undefined;
      } else {
        const name = field.name;
        const empty = emptyFor(field.type);
        const read = (parent: unknown): unknown => {
          const value = (parent as Record<string, unknown> | null)?.[name];
          return value === undefined || value === null ? (empty ?? value ?? null) : value;
        };
        // a list or an object counts against the operation's cost budget
        field.resolve = (parent: unknown, _args: Args, ctx: GraphqlContext, info: GraphQLResolveInfo) => {
          const value = read(parent);
          ctx.cost?.charge(value, info);
          return value;
        };
      }
    }
  }
  return schema;
}

