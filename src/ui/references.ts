/**
 * Structure references this user has seen (in task results and args), per identifier, kept in
 * localStorage: a STRUCTURE field offers them as choices. At most `MAX_SEEN_REFERENCES` per identifier.
 */
const KEY = "arkitekt-next:references";
export const MAX_SEEN_REFERENCES = 50;

function readAll(): Record<string, string[]> {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? "{}") as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

export function seenReferences(identifier: string): string[] {
  const list = readAll()[identifier];
  return Array.isArray(list) ? list.filter((r) => typeof r === "string") : [];
}

export function rememberReference(identifier: string, reference: string): void {
  const all = readAll();
  const list = (all[identifier] ?? []).filter((r) => r !== reference);
  list.unshift(reference);
  all[identifier] = list.slice(0, MAX_SEEN_REFERENCES);
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage full or disabled: nothing offered next time
  }
}

/** Remembers every structure reference inside a wire value (`{"__identifier", "object"}`). */
export function rememberReferencesIn(value: unknown, depth = 0): void {
  if (depth > 20 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const item of value) rememberReferencesIn(item, depth + 1);
    return;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.__identifier === "string" && typeof v.object === "string") {
    rememberReference(v.__identifier, v.object);
    return;
  }
  for (const item of Object.values(v)) rememberReferencesIn(item, depth + 1);
}
