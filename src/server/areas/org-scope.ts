/** Organisation scoping shared by the areas' resolvers (contract: another organisation's row is "not found"). */
import { PlatformError } from "../platform.js";
import { parseId } from "../graphql/ids.js";

/** The row when it exists in the viewer's organisation; otherwise NOT_FOUND naming type, id and organisation. */
export function inOrg<T extends { org: string }>(row: T | undefined | null, type: string, id: unknown, org: string): T {
  if (!row || row.org !== org) throw new PlatformError(`${type} ${String(id)} not found in organisation "${org}"`, "NOT_FOUND");
  return row;
}

/** Looks a row up by a GraphQL id (a non-id finds nothing) and scopes it to the viewer's organisation. */
export function byId<T extends { org: string }>(raw: unknown, find: (id: number) => T | undefined, type: string, org: string): T {
  const id = parseId(raw);
  return inOrg(id === null ? undefined : find(id), type, raw, org);
}
