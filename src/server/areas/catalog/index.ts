/**
 * Interfaces, structures, structure packages and protocols: derived from the definitions agents
 * register (the reference server's catalog, per organisation). The core calls `onActionDefined`
 * where it stores an action's definition, inside the registration's transaction.
 */
import type { Area } from "../../graphql/area.js";
import type { DefinitionInputLike, Platform, PortInputLike } from "../../platform.js";
import type { ActionRow } from "../../store/store.js";
import { CatalogRecords, type PortUsageRow, type UsageDirection } from "./records.js";
import { catalogResolvers } from "./resolvers.js";

/** What a protocol means, by name: the rules that infer it from a definition (the reference's inference modules). */
export const PROTOCOLS: ReadonlyArray<{ name: string; description: string; holds: (d: DefinitionInputLike) => boolean }> = [
  { name: "predicate", description: "Is this a predicate?", holds: (d) => (d.returns ?? []).length === 1 && d.returns![0]!.kind === "BOOL" },
  { name: "hook", description: "Is this a hook?", holds: (d) => (d.args ?? []).length === 1 && d.args![0]!.identifier === "@rekuest/taskevent" },
  { name: "agent", description: "Is this a agent?", holds: (d) => (d.args ?? []).length === 1 && d.args![0]!.identifier === "@lok/room" },
];

/** `@package/key` (case-insensitive) as [package, key], or null when it names no package. */
export function splitIdentifier(identifier: string): [string, string] | null {
  const lower = identifier.trim().toLowerCase();
  const slash = lower.indexOf("/");
  if (slash <= 0) return null;
  const pkg = lower.slice(0, slash).replace(/^@/, "");
  const key = lower.slice(lower.lastIndexOf("/") + 1);
  return pkg && key ? [pkg, key] : null;
}

type NewUsage = Omit<PortUsageRow, "id" | "action_id">;

/** Every STRUCTURE / INTERFACE port (at any depth) with an `@package/key` identifier, as a usage row. */
function usagesOf(org: string, ports: readonly PortInputLike[], direction: UsageDirection): NewUsage[] {
  const found: NewUsage[] = [];
  const walk = (port: PortInputLike, root: { key: string; index: number }, path: string[], containers: string[]): void => {
    const keyPath = [...path, port.key];
    if ((port.kind === "STRUCTURE" || port.kind === "INTERFACE") && typeof port.identifier === "string" && splitIdentifier(port.identifier)) {
      found.push({
        org,
        kind: port.kind,
        identifier: port.identifier.trim().toLowerCase(),
        direction,
        port_key: root.key,
        port_index: root.index,
        key_path: keyPath.join("."),
        modifiers: JSON.stringify(containers),
      });
    }
    const inner = port.kind === "DICT" || port.kind === "LIST" ? [...containers, port.kind.toLowerCase()] : containers;
    for (const child of port.children ?? []) walk(child, root, keyPath, inner);
  };
  ports.forEach((port, index) => walk(port, { key: port.key, index }, [], []));
  return found;
}

/** The area's service: its rules, over its records. Reached as `platform.areas.catalog`. */
export class CatalogArea {
  private recordsOnce: CatalogRecords | null = null;

  constructor(readonly platform: Platform) {}

  get records(): CatalogRecords {
    return (this.recordsOnce ??= new CatalogRecords(this.platform.store));
  }

  /**
   * Called by the core where it stores an action's definition (inside the registration's
   * transaction): registers the packages, structures and interfaces its ports name, replaces the
   * action's port usages, declared interfaces and inferred protocols.
   */
  onActionDefined(action: ActionRow, definition: DefinitionInputLike): void {
    const r = this.records;
    const now = Date.now();
    const usages = [...usagesOf(action.org, definition.args ?? [], "ARG"), ...usagesOf(action.org, definition.returns ?? [], "RETURN")];
    for (const usage of usages) {
      const [pkg, key] = splitIdentifier(usage.identifier)!;
      const pkgRow = r.ensurePackage(action.org, pkg, now);
      if (usage.kind === "STRUCTURE") r.ensureStructure(action.org, pkgRow.id, key, now);
      else r.ensureInterface(action.org, pkgRow.id, key, now);
    }
    r.replaceUsages(action.id, usages);
    const declared = Array.isArray(definition.interfaces) ? definition.interfaces.filter((name): name is string => typeof name === "string") : [];
    r.replaceActionInterfaces(
      action.id,
      declared.map((name) => {
        const split = splitIdentifier(name);
        if (!split) return { name, interfaceId: null };
        const pkgRow = r.ensurePackage(action.org, split[0], now);
        return { name, interfaceId: r.ensureInterface(action.org, pkgRow.id, split[1], now).id };
      }),
    );
    r.replaceActionProtocols(
      action.id,
      PROTOCOLS.filter((p) => p.holds(definition)).map((p) => r.ensureProtocol(action.org, p.name, p.description).id),
    );
  }

  /** The interfaces an action's definition declares (`DefinitionInput.interfaces`), in order. */
  interfacesOfAction(actionId: number): string[] {
    return this.records.interfacesOfAction(actionId);
  }
}

export const catalogArea: Area = { name: "catalog", resolvers: catalogResolvers };
