/**
 * Compile-time checks of the generated fixture client (type-checked by golden.test.ts and by
 * `npm run typecheck`): results are unwrapped, fragments and scalars have clean names, hashes
 * are branded.
 */
import {
  agent,
  assign,
  overview,
  ticks,
  type ActionHash,
  type Agent,
  type Args,
  type JsonValue,
  type Tick,
} from "../fixtures/graphql/small/generated/client.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

type AgentResult = Awaited<ReturnType<typeof agent>>;
assertType<Equal<AgentResult["name"], string>>();
assertType<Equal<AgentResult["tags"], Array<string>>>();
assertType<Equal<AgentResult["kind"], "WEBSOCKET" | "WEBHOOK">>();
assertType<Equal<Agent["lastSeen"], string | null>>();

// Two root fields: the whole data comes back.
type OverviewResult = Awaited<ReturnType<typeof overview>>;
assertType<Equal<OverviewResult["whoami"], string>>();

// Subscriptions yield the unwrapped payload.
type TickResult = ReturnType<typeof ticks> extends AsyncIterableIterator<infer T> ? T : never;
assertType<Equal<TickResult, Tick>>();

// Branded hash on output, plain string accepted on input.
assertType<Equal<ActionHash, string> extends true ? false : true>();
type AssignResult = Awaited<ReturnType<typeof assign>>;
assertType<Equal<AssignResult["hash"], ActionHash>>();
assertType<Equal<AssignResult["args"], Args>>();
assertType<Equal<Args, { [portKey: string]: JsonValue }>>();
type AssignVariables = Parameters<typeof assign>[1];
assertType<Equal<AssignVariables["hash"], string>>();
