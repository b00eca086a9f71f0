/**
 * The catalog's rows (migration 8, catalog/migration.ts): structure packages, structures,
 * interfaces, port usages, the interfaces and protocols of each action. Writes join the store's
 * group transaction (`batch`).
 */
import type { ActionRow, ImplementationRow, Store } from "../../store/store.js";
import { listPage, type ListQuery } from "../sql-filter.js";

export interface StructurePackageRow {
  id: number;
  org: string;
  key: string;
  description: string | null;
  created_at: number;
}

export interface StructureRow {
  id: number;
  org: string;
  package_id: number;
  key: string;
  description: string | null;
  get_query: string | null;
  describe_query: string | null;
  created_at: number;
}

export interface InterfaceRow {
  id: number;
  org: string;
  package_id: number;
  key: string;
  description: string | null;
  created_at: number;
}

export interface ProtocolRow {
  id: number;
  org: string;
  name: string;
  description: string;
}

export type CatalogKind = "STRUCTURE" | "INTERFACE";
export type UsageDirection = "ARG" | "RETURN";

/** The container modifiers of a port usage (a JSON list written by the catalog). */
export function modifiersOf(usage: PortUsageRow): string[] {
  const parsed: unknown = JSON.parse(usage.modifiers);
  return Array.isArray(parsed) ? parsed.filter((m): m is string => typeof m === "string") : [];
}

export interface PortUsageRow {
  id: number;
  org: string;
  action_id: number;
  kind: CatalogKind;
  identifier: string;
  direction: UsageDirection;
  port_key: string;
  port_index: number;
  key_path: string;
  /** JSON array of the container kinds between the root port and the using port. */
  modifiers: string;
}

export class CatalogRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.s = {
      packageById: db.prepare<[number], StructurePackageRow>("SELECT * FROM structure_package WHERE id = ?"),
      packageByKey: db.prepare<[string, string], StructurePackageRow>("SELECT * FROM structure_package WHERE org = ? AND key = ?"),
      insertPackage: db.prepare("INSERT INTO structure_package (org, key, created_at) VALUES (?, ?, ?)"),
      structureById: db.prepare<[number], StructureRow>("SELECT * FROM structure WHERE id = ?"),
      structureByKey: db.prepare<[number, string], StructureRow>("SELECT * FROM structure WHERE package_id = ? AND key = ?"),
      insertStructure: db.prepare("INSERT INTO structure (org, package_id, key, created_at) VALUES (?, ?, ?, ?)"),
      interfaceById: db.prepare<[number], InterfaceRow>("SELECT * FROM structure_interface WHERE id = ?"),
      interfaceByKey: db.prepare<[number, string], InterfaceRow>("SELECT * FROM structure_interface WHERE package_id = ? AND key = ?"),
      insertInterface: db.prepare("INSERT INTO structure_interface (org, package_id, key, created_at) VALUES (?, ?, ?, ?)"),
      deleteUsagesOfAction: db.prepare("DELETE FROM port_usage WHERE action_id = ?"),
      insertUsage: db.prepare(
        `INSERT INTO port_usage (org, action_id, kind, identifier, direction, port_key, port_index, key_path, modifiers)
         VALUES (@org, @action_id, @kind, @identifier, @direction, @port_key, @port_index, @key_path, @modifiers)`,
      ),
      usages: db.prepare<[string, string, string, string], PortUsageRow>(
        "SELECT * FROM port_usage WHERE org = ? AND kind = ? AND identifier = ? AND direction = ? ORDER BY action_id, id",
      ),
      deleteInterfacesOfAction: db.prepare("DELETE FROM action_interface WHERE action_id = ?"),
      insertActionInterface: db.prepare("INSERT INTO action_interface (action_id, position, name, interface_id) VALUES (?, ?, ?, ?)"),
      interfacesOfAction: db.prepare<[number], { name: string }>("SELECT name FROM action_interface WHERE action_id = ? ORDER BY position"),
      protocolById: db.prepare<[number], ProtocolRow>("SELECT * FROM protocol WHERE id = ?"),
      protocolByName: db.prepare<[string, string], ProtocolRow>("SELECT * FROM protocol WHERE org = ? AND name = ?"),
      insertProtocol: db.prepare("INSERT INTO protocol (org, name, description) VALUES (?, ?, ?)"),
      deleteProtocolsOfAction: db.prepare("DELETE FROM action_protocol WHERE action_id = ?"),
      insertActionProtocol: db.prepare("INSERT OR IGNORE INTO action_protocol (action_id, protocol_id) VALUES (?, ?)"),
    };
  }

  // writes (inside platform.store.transaction) --------------------------------------------------

  ensurePackage(org: string, key: string, now: number): StructurePackageRow {
    const found = this.s.packageByKey.get(org, key);
    if (found) return found;
    this.store.batch();
    return this.s.packageById.get(Number(this.s.insertPackage.run(org, key, now).lastInsertRowid))!;
  }
  ensureStructure(org: string, packageId: number, key: string, now: number): StructureRow {
    const found = this.s.structureByKey.get(packageId, key);
    if (found) return found;
    this.store.batch();
    return this.s.structureById.get(Number(this.s.insertStructure.run(org, packageId, key, now).lastInsertRowid))!;
  }
  ensureInterface(org: string, packageId: number, key: string, now: number): InterfaceRow {
    const found = this.s.interfaceByKey.get(packageId, key);
    if (found) return found;
    this.store.batch();
    return this.s.interfaceById.get(Number(this.s.insertInterface.run(org, packageId, key, now).lastInsertRowid))!;
  }
  replaceUsages(actionId: number, usages: Array<Omit<PortUsageRow, "id" | "action_id">>): void {
    this.store.batch();
    this.s.deleteUsagesOfAction.run(actionId);
    for (const usage of usages) this.s.insertUsage.run({ ...usage, action_id: actionId });
  }
  replaceActionInterfaces(actionId: number, entries: Array<{ name: string; interfaceId: number | null }>): void {
    this.store.batch();
    this.s.deleteInterfacesOfAction.run(actionId);
    entries.forEach((entry, position) => this.s.insertActionInterface.run(actionId, position, entry.name, entry.interfaceId));
  }
  ensureProtocol(org: string, name: string, description: string): ProtocolRow {
    const found = this.s.protocolByName.get(org, name);
    if (found) return found;
    this.store.batch();
    return this.s.protocolById.get(Number(this.s.insertProtocol.run(org, name, description).lastInsertRowid))!;
  }
  replaceActionProtocols(actionId: number, protocolIds: number[]): void {
    this.store.batch();
    this.s.deleteProtocolsOfAction.run(actionId);
    for (const id of protocolIds) this.s.insertActionProtocol.run(actionId, id);
  }

  // reads -----------------------------------------------------------------------------------------

  package(id: number): StructurePackageRow | undefined {
    return this.s.packageById.get(id);
  }
  structure(id: number): StructureRow | undefined {
    return this.s.structureById.get(id);
  }
  interface(id: number): InterfaceRow | undefined {
    return this.s.interfaceById.get(id);
  }
  protocol(id: number): ProtocolRow | undefined {
    return this.s.protocolById.get(id);
  }
  usages(org: string, kind: CatalogKind, identifier: string, direction: UsageDirection): PortUsageRow[] {
    return this.s.usages.all(org, kind, identifier, direction);
  }
  interfacesOfAction(actionId: number): string[] {
    return this.s.interfacesOfAction.all(actionId).map((r) => r.name);
  }

  packages(org: string, q: ListQuery): StructurePackageRow[] {
    return this.list<StructurePackageRow>("SELECT p.* FROM structure_package p WHERE p.org = ?", [org], q, "p.id");
  }
  /** Structures of the org; `packageId` narrows to one package. Columns: `s` and its package `p`. */
  structures(org: string, packageId: number | null, q: ListQuery): StructureRow[] {
    return this.list<StructureRow>(
      "SELECT s.* FROM structure s JOIN structure_package p ON p.id = s.package_id WHERE s.org = ? AND (? IS NULL OR s.package_id = ?)",
      [org, packageId, packageId],
      q,
      "s.id",
    );
  }
  /** Interfaces of the org; `packageId` narrows to one package. Columns: `s` and its package `p`. */
  interfaces(org: string, packageId: number | null, q: ListQuery): InterfaceRow[] {
    return this.list<InterfaceRow>(
      "SELECT s.* FROM structure_interface s JOIN structure_package p ON p.id = s.package_id WHERE s.org = ? AND (? IS NULL OR s.package_id = ?)",
      [org, packageId, packageId],
      q,
      "s.id",
    );
  }
  /** Protocols of the org; `actionId` narrows to those of one action. */
  protocols(org: string, actionId: number | null, q: ListQuery): ProtocolRow[] {
    return this.list<ProtocolRow>(
      "SELECT r.* FROM protocol r WHERE r.org = ? AND (? IS NULL OR r.id IN (SELECT protocol_id FROM action_protocol WHERE action_id = ?))",
      [org, actionId, actionId],
      q,
      "r.id",
    );
  }
  /** Actions of the org implementing one protocol. Columns: `a`. */
  actionsOfProtocol(org: string, protocolId: number, q: ListQuery): ActionRow[] {
    return this.list<ActionRow>(
      "SELECT a.* FROM action a WHERE a.org = ? AND a.id IN (SELECT action_id FROM action_protocol WHERE protocol_id = ?)",
      [org, protocolId],
      q,
      "a.id",
    );
  }
  /** Implementations (of the org's agents) of the actions that declare one interface. Columns: `i`. */
  implementationsOfInterface(org: string, interfaceId: number, q: ListQuery): ImplementationRow[] {
    return this.list<ImplementationRow>(
      `SELECT i.* FROM implementation i JOIN agent g ON g.id = i.agent_id
       WHERE g.org = ? AND i.action_id IN (SELECT action_id FROM action_interface WHERE interface_id = ?)`,
      [org, interfaceId],
      q,
      "i.id",
    );
  }

  private list<T>(base: string, params: unknown[], q: ListQuery, idColumn: string): T[] {
    return listPage<T>(this.store, base, params, q, idColumn);
  }
}
