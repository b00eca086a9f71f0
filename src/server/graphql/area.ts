/**
 * What one area of the platform API contributes to the GraphQL schema (src/server/areas/*): typed
 * resolvers for root and object fields, and subscriptions. graphql/schema.ts merges the areas; a
 * field two areas both resolve is an error at start, and the served root fields are exactly the
 * ones some area resolves (no hand-kept list).
 */
import type { Resolvers, SubscriptionResolver, SubscriptionResolvers } from "../../../generated/server/resolvers.js";
import type { HubEvent } from "../hub.js";
import type { ResolverContext } from "./context.js";

/** Maps a published event to the payload of one subscriber, or undefined when it is not for them. */
export type Select<T> = (event: HubEvent) => T | undefined;

/** A subscription that first replays stored payloads: `select` maps live events, `replay` reads the store. */
export interface Replaying<T> {
  select: Select<T>;
  /** Read once the live listener is in place: the payloads to send first, and which live payloads they already carried. */
  replay: () => { items: T[]; replayed: (payload: T) => boolean };
}

type SubscriptionField = keyof SubscriptionResolvers;
/** The payload type of a subscription field (what the hub delivers for it). */
export type PayloadOf<K extends SubscriptionField> =
  NonNullable<SubscriptionResolvers[K]> extends SubscriptionResolver<infer R, K, infer _P, infer _C, infer _A> ? R : never;
/** The arguments of a subscription field. */
export type SubscriptionArgsOf<K extends SubscriptionField> =
  NonNullable<SubscriptionResolvers[K]> extends SubscriptionResolver<infer _R, K, infer _P, infer _C, infer A> ? A : never;

/** One subscription field: checks its arguments (throwing refuses the subscription) and says what to deliver. */
export type Subscriber<K extends SubscriptionField> = (args: SubscriptionArgsOf<K>, ctx: ResolverContext) => Select<PayloadOf<K>> | Replaying<PayloadOf<K>>;

export type Subscribers = { [K in SubscriptionField]?: Subscriber<K> };

export interface Area {
  /** For error messages: which area defined a field. */
  name: string;
  /** Root (Query, Mutation) and object fields; `Subscription` goes in `subscriptions`. */
  resolvers?: Omit<Resolvers, "Subscription">;
  subscriptions?: Subscribers;
}
