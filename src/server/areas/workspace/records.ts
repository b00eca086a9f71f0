/**
 * The workspace area's rows (migration 9): toolboxes and their shortcuts, dashboards, UI catalogs,
 * bloks with their declared dependencies, materialized bloks with their agent mappings, and the
 * placements of materialized bloks on dashboards. Writes join the store's group transaction.
 */
import type { Store } from "../../store/store.js";
import { OrgTable, idIs, idsIn, searchIn, strLookup } from "../list-query.js";

export interface ToolboxRow {
  id: number;
  org: string;
  name: string;
  description: string;
  creator_sub: string;
  created_at: number;
}

export interface ShortcutRow {
  id: number;
  org: string;
  toolbox_id: number;
  action_id: number;
  name: string;
  description: string | null;
  /** JSON: the arguments the shortcut passes. */
  saved_args: string;
  /** JSON: the action's argument ports the shortcut leaves open. */
  args: string;
  /** JSON: the action's return ports. */
  returns: string;
  allow_quick: number;
  use_returns: number;
  bind_number: number | null;
  creator_sub: string;
  created_at: number;
}

export interface DashboardRow {
  id: number;
  org: string;
  name: string;
  creator_sub: string;
  created_at: number;
}

export interface UiCatalogRow {
  id: number;
  org: string;
  name: string;
  description: string | null;
}

export interface BlokRow {
  id: number;
  org: string;
  catalog_id: number;
  name: string;
  description: string | null;
  /** JSON: the ComponentNode tree. */
  components: string;
  /** JSON object. */
  demo_state: string;
  creator_sub: string;
  created_at: number;
}

export interface BlokDependencyRow {
  id: number;
  org: string;
  blok_id: number;
  key: string;
  /** JSON: the AgentDependencyInput as declared. */
  declared: string;
  created_at: number;
}

export interface MaterializedBlokRow {
  id: number;
  org: string;
  blok_id: number;
  name: string | null;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface DashboardPlacementRow {
  id: number;
  org: string;
  dashboard_id: number;
  materialized_blok_id: number;
  created_at: number;
}

export interface BlokAgentMappingRow {
  id: number;
  org: string;
  materialized_blok_id: number;
  dependency_id: number | null;
  key: string;
  agent_id: number;
  created_at: number;
  updated_at: number;
}

export class WorkspaceRecords {
  readonly toolboxes: OrgTable<ToolboxRow>;
  readonly shortcuts: OrgTable<ShortcutRow>;
  readonly dashboards: OrgTable<DashboardRow>;
  readonly catalogs: OrgTable<UiCatalogRow>;
  readonly bloks: OrgTable<BlokRow>;
  readonly blokDependencies: OrgTable<BlokDependencyRow>;
  readonly materializedBloks: OrgTable<MaterializedBlokRow>;
  readonly dashboardPlacements: OrgTable<DashboardPlacementRow>;
  readonly agentMappings: OrgTable<BlokAgentMappingRow>;
  private readonly s;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.toolboxes = new OrgTable(store, "toolbox", "Toolbox", { ids: idsIn(), search: searchIn("name", "description"), name: strLookup("name") }, { name: "name COLLATE NOCASE" });
    this.shortcuts = new OrgTable(store, "shortcut", "Shortcut", { ids: idsIn(), search: searchIn("name", "description"), toolbox: idIs("toolbox_id") }, { name: "name COLLATE NOCASE" });
    this.dashboards = new OrgTable(store, "dashboard", "Dashboard", {}, {});
    this.catalogs = new OrgTable(store, "ui_catalog", "UICatalog", {}, {});
    this.bloks = new OrgTable(store, "blok", "Blok", {}, {});
    this.blokDependencies = new OrgTable(store, "blok_dependency", "BlokDependency", { ids: idsIn() }, {});
    const blokName = "(SELECT b.name FROM blok b WHERE b.id = materialized_blok.blok_id)";
    this.materializedBloks = new OrgTable(
      store,
      "materialized_blok",
      "MaterializedBlok",
      {
        ids: idsIn(),
        agent: agentMapped("materialized_blok.id"),
        search: searchIn("name", "description", blokName),
      },
      { createdAt: "created_at" },
    );
    this.dashboardPlacements = new OrgTable(
      store,
      "dashboard_placement",
      "DashboardPlacement",
      {
        ids: idsIn(),
        agent: agentMapped("dashboard_placement.materialized_blok_id"),
        search: searchIn(`(SELECT COALESCE(mb.name, b.name) FROM materialized_blok mb JOIN blok b ON b.id = mb.blok_id WHERE mb.id = dashboard_placement.materialized_blok_id)`),
      },
      { createdAt: "created_at" },
    );
    this.agentMappings = new OrgTable(store, "blok_agent_mapping", "BlokAgentMapping", {}, {});
    this.s = {
      insertToolbox: db.prepare<Omit<ToolboxRow, "id">, ToolboxRow>(
        `INSERT INTO toolbox (org, name, description, creator_sub, created_at) VALUES (@org, @name, @description, @creator_sub, @created_at)
         ON CONFLICT (org, name) DO UPDATE SET description = excluded.description RETURNING *`,
      ),
      ensureToolbox: db.prepare<Omit<ToolboxRow, "id">, ToolboxRow>(
        `INSERT INTO toolbox (org, name, description, creator_sub, created_at) VALUES (@org, @name, @description, @creator_sub, @created_at)
         ON CONFLICT (org, name) DO UPDATE SET name = excluded.name RETURNING *`,
      ),
      insertShortcut: db.prepare<Omit<ShortcutRow, "id">, ShortcutRow>(
        `INSERT INTO shortcut (org, toolbox_id, action_id, name, description, saved_args, args, returns, allow_quick, use_returns, bind_number, creator_sub, created_at)
         VALUES (@org, @toolbox_id, @action_id, @name, @description, @saved_args, @args, @returns, @allow_quick, @use_returns, @bind_number, @creator_sub, @created_at) RETURNING *`,
      ),
      insertDashboard: db.prepare<Omit<DashboardRow, "id">, DashboardRow>(`INSERT INTO dashboard (org, name, creator_sub, created_at) VALUES (@org, @name, @creator_sub, @created_at) RETURNING *`),
      renameDashboard: db.prepare<[string, number]>("UPDATE dashboard SET name = ? WHERE id = ?"),
      ensureCatalog: db.prepare<[string, string], UiCatalogRow>(`INSERT INTO ui_catalog (org, name) VALUES (?, ?) ON CONFLICT (org, name) DO UPDATE SET name = excluded.name RETURNING *`),
      upsertBlok: db.prepare<Omit<BlokRow, "id">, BlokRow>(
        `INSERT INTO blok (org, catalog_id, name, description, components, demo_state, creator_sub, created_at)
         VALUES (@org, @catalog_id, @name, @description, @components, @demo_state, @creator_sub, @created_at)
         ON CONFLICT (org, name) DO UPDATE SET catalog_id = excluded.catalog_id, description = excluded.description,
           components = excluded.components, demo_state = excluded.demo_state, creator_sub = excluded.creator_sub RETURNING *`,
      ),
      updateBlok: db.prepare<{ id: number; name: string | null; description: string | null; components: string | null }>(
        `UPDATE blok SET name = COALESCE(@name, name), description = COALESCE(@description, description), components = COALESCE(@components, components) WHERE id = @id`,
      ),
      blokByName: db.prepare<[string, string], BlokRow>("SELECT * FROM blok WHERE org = ? AND name = ?"),
      upsertDependency: db.prepare<Omit<BlokDependencyRow, "id">, BlokDependencyRow>(
        `INSERT INTO blok_dependency (org, blok_id, key, declared, created_at) VALUES (@org, @blok_id, @key, @declared, @created_at)
         ON CONFLICT (blok_id, key) DO UPDATE SET declared = excluded.declared RETURNING *`,
      ),
      dependenciesOf: db.prepare<[number], BlokDependencyRow>("SELECT * FROM blok_dependency WHERE blok_id = ? ORDER BY id"),
      insertMaterialized: db.prepare<Omit<MaterializedBlokRow, "id" | "created_at" | "updated_at"> & { now: number }, MaterializedBlokRow>(
        `INSERT INTO materialized_blok (org, blok_id, name, description, created_at, updated_at) VALUES (@org, @blok_id, @name, @description, @now, @now) RETURNING *`,
      ),
      touchMaterialized: db.prepare<[number, number]>("UPDATE materialized_blok SET updated_at = ? WHERE id = ?"),
      insertPlacement: db.prepare<Omit<DashboardPlacementRow, "id">, DashboardPlacementRow>(
        `INSERT INTO dashboard_placement (org, dashboard_id, materialized_blok_id, created_at) VALUES (@org, @dashboard_id, @materialized_blok_id, @created_at) RETURNING *`,
      ),
      clearPlacements: db.prepare<[number]>("DELETE FROM dashboard_placement WHERE dashboard_id = ?"),
      upsertMapping: db.prepare<Omit<BlokAgentMappingRow, "id" | "created_at" | "updated_at"> & { now: number }>(
        `INSERT INTO blok_agent_mapping (org, materialized_blok_id, dependency_id, key, agent_id, created_at, updated_at)
         VALUES (@org, @materialized_blok_id, @dependency_id, @key, @agent_id, @now, @now)
         ON CONFLICT (materialized_blok_id, key) DO UPDATE SET agent_id = excluded.agent_id, dependency_id = excluded.dependency_id, updated_at = excluded.updated_at`,
      ),
      mappingsOf: db.prepare<[number], BlokAgentMappingRow>("SELECT * FROM blok_agent_mapping WHERE materialized_blok_id = ? ORDER BY id"),
      mappingsOfAgent: db.prepare<[number], BlokAgentMappingRow>("SELECT * FROM blok_agent_mapping WHERE agent_id = ? ORDER BY id"),
    };
  }

  insertToolbox(row: Omit<ToolboxRow, "id">): ToolboxRow {
    this.store.batch();
    return this.s.insertToolbox.get(row)!;
  }
  /** The organisation's toolbox of that name as it is, created (with `row`'s description) when missing. */
  ensureToolbox(row: Omit<ToolboxRow, "id">): ToolboxRow {
    this.store.batch();
    return this.s.ensureToolbox.get(row)!;
  }
  insertShortcut(row: Omit<ShortcutRow, "id">): ShortcutRow {
    this.store.batch();
    return this.s.insertShortcut.get(row)!;
  }
  insertDashboard(row: Omit<DashboardRow, "id">): DashboardRow {
    this.store.batch();
    return this.s.insertDashboard.get(row)!;
  }
  renameDashboard(id: number, name: string): void {
    this.store.batch();
    this.s.renameDashboard.run(name, id);
  }
  /** The organisation's catalog of that name, created when missing. */
  ensureCatalog(org: string, name: string): UiCatalogRow {
    this.store.batch();
    return this.s.ensureCatalog.get(org, name)!;
  }
  blokByName(org: string, name: string): BlokRow | undefined {
    return this.s.blokByName.get(org, name);
  }
  /** Creates the blok, or updates the organisation's blok of the same name (as the platform does). */
  upsertBlok(row: Omit<BlokRow, "id">): BlokRow {
    this.store.batch();
    return this.s.upsertBlok.get(row)!;
  }
  updateBlok(id: number, fields: { name: string | null; description: string | null; components: string | null }): void {
    this.store.batch();
    this.s.updateBlok.run({ id, ...fields });
  }
  upsertDependency(row: Omit<BlokDependencyRow, "id">): BlokDependencyRow {
    this.store.batch();
    return this.s.upsertDependency.get(row)!;
  }
  dependenciesOf(blokId: number): BlokDependencyRow[] {
    return this.s.dependenciesOf.all(blokId);
  }
  insertMaterialized(row: Omit<MaterializedBlokRow, "id" | "created_at" | "updated_at"> & { now: number }): MaterializedBlokRow {
    this.store.batch();
    return this.s.insertMaterialized.get(row)!;
  }
  touchMaterialized(id: number, now: number): void {
    this.store.batch();
    this.s.touchMaterialized.run(now, id);
  }
  insertPlacement(row: Omit<DashboardPlacementRow, "id">): DashboardPlacementRow {
    this.store.batch();
    return this.s.insertPlacement.get(row)!;
  }
  clearPlacements(dashboardId: number): void {
    this.store.batch();
    this.s.clearPlacements.run(dashboardId);
  }
  /** Maps the dependency `key` of a materialized blok to an agent (one agent per key). */
  upsertMapping(row: Omit<BlokAgentMappingRow, "id" | "created_at" | "updated_at"> & { now: number }): void {
    this.store.batch();
    this.s.upsertMapping.run(row);
  }
  mappingsOf(materializedBlokId: number): BlokAgentMappingRow[] {
    return this.s.mappingsOf.all(materializedBlokId);
  }
  mappingsOfAgent(agentId: number): BlokAgentMappingRow[] {
    return this.s.mappingsOfAgent.all(agentId);
  }
}

/** `agent: ID` on materialized bloks and their placements: one of the blok's dependencies is mapped to that agent. */
function agentMapped(materializedBlokId: string) {
  return (value: unknown, path: string) => {
    const inner = idIs("m.agent_id")(value, path);
    return { sql: `EXISTS (SELECT 1 FROM blok_agent_mapping m WHERE m.materialized_blok_id = ${materializedBlokId} AND ${inner.sql})`, params: inner.params };
  };
}
