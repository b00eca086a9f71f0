/**
 * What every resolver receives. The GraphQL layer (schema.ts) checks the token before a root field
 * runs, so resolvers always see the viewer's identity as `me`.
 */
import type { Identity } from "../auth.js";
import type { Platform } from "../platform.js";
import type { CostBudget } from "./cost.js";

export interface GraphqlContext {
  /** Null when the request carried no valid token; every root field then refuses. */
  identity: Identity | null;
  /** The same identity when there is one: set where the context is made, so resolvers need no copy of the context per field. */
  me?: Identity;
  platform: Platform;
  signal?: AbortSignal;
  /** What a query or mutation may still return (cost.ts); absent for subscriptions. */
  cost?: CostBudget;
}

/** The context of generated/server/resolvers.ts: the viewer is known. */
export type ResolverContext = GraphqlContext & { me: Identity };
