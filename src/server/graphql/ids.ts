/** Row ids on the GraphQL surface: the platform writes them as decimal strings. */

/** A row id as the platform writes them: decimal digits only ("0x1", " 1", "1e0", "+1" are no ids). */
export function parseId(value: unknown): number | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const text = String(value);
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/** An `ids` filter as a set of row ids; values that are no ids match nothing. */
export const idList = (value: unknown): Set<number> | null =>
  Array.isArray(value) ? new Set(value.map(parseId).filter((id): id is number => id !== null)) : null;
