/**
 * Organisation scoping of the areas' nested fields: a referenced row is shown only when it belongs
 * to the viewer's organisation (never judged by the parent's), and a nested list of a row of
 * another organisation is empty.
 */
import type { ResolverContext } from "../graphql/context.js";
import { PlatformError } from "../platform.js";
import type { Clause } from "./list-query.js";

export const mine = (ctx: ResolverContext, row: { org: string }): boolean => row.org === ctx.me.org;

/** A row of the viewer's organisation, or null. */
export const visible = <T extends { org: string }>(ctx: ResolverContext, row: T | undefined): T | null => (row && mine(ctx, row) ? row : null);

/** A non-null reference: the row of the viewer's organisation, else NOT_FOUND naming what was looked for. */
export function required<T extends { org: string }>(ctx: ResolverContext, row: T | undefined, what: string): T {
  const seen = visible(ctx, row);
  if (!seen) throw new PlatformError(`${what} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
  return seen;
}

/** The extra clause of a nested list: the parent's children when the parent is the viewer's, else nothing. */
export const childrenOf = (ctx: ResolverContext, parent: { org: string; id: number }, column: string): Clause =>
  mine(ctx, parent) ? { sql: `${column} = ?`, params: [parent.id] } : { sql: "0 = 1", params: [] };

/** Runs a lookup whose NOT_FOUND (or `codes`) error should name the input field it came from. */
export function atInput<T>(lookup: () => T, path: string, codes: readonly string[] = ["NOT_FOUND"]): T {
  try {
    return lookup();
  } catch (error) {
    if (error instanceof PlatformError && codes.includes(error.code)) throw new PlatformError(`${path}: ${error.message}`, error.code);
    throw error;
  }
}
