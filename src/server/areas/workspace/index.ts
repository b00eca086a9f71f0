/**
 * Shortcuts, toolboxes, dashboards, bloks and materialized bloks: stored, listed and read per
 * organisation; nothing is rendered. Create mutations of named rows (toolbox, blok) update the
 * organisation's row of the same name, as the platform does.
 */
import type { Area } from "../../graphql/area.js";
import type { Identity } from "../../auth.js";
import { PlatformError, definitionOf, type Platform } from "../../platform.js";
import { parseId } from "../../graphql/ids.js";
import type {
  CreateBlokInput,
  CreateDashboardInput,
  CreateShortcutInput,
  CreateToolboxInput,
  MaterializeBlokInput,
  UpdateBlokInput,
  UpdateDashboardInput,
  UpdateMaterializedBlokInput,
  BlokImplementationInput,
} from "../../../../generated/server/resolvers.js";
import { InputChecks, badInput } from "../inputs.js";
import { atInput } from "../scope.js";
import { WorkspaceRecords, type BlokRow, type DashboardRow, type MaterializedBlokRow, type ShortcutRow, type ToolboxRow } from "./records.js";
import { workspaceResolvers } from "./resolvers.js";

/** The toolbox a shortcut lands in when its input names none (the platform's default). */
export const DEFAULT_TOOLBOX = "default";
/** The UI catalog of a blok whose input names none. */
export const DEFAULT_CATALOG = "default";

/** Whether a blok dependency, as declared (stored JSON), is optional. */
function declaredOptional(declared: string): boolean {
  const parsed: unknown = JSON.parse(declared);
  return typeof parsed === "object" && parsed !== null && "optional" in parsed && parsed.optional === true;
}

/** The area's service: its rules, over its records. Reached as `platform.areas.workspace`. */
export class WorkspaceArea {
  private readonly check: InputChecks;
  private made: WorkspaceRecords | undefined;

  constructor(readonly platform: Platform) {
    this.check = new InputChecks(platform);
  }

  /** The area's records, prepared on first use (the platform builds its areas before its store is set). */
  get records(): WorkspaceRecords {
    return (this.made ??= new WorkspaceRecords(this.platform.store));
  }

  // toolboxes and shortcuts ---------------------------------------------------------------------

  createToolbox(me: Identity, input: CreateToolboxInput): ToolboxRow {
    const name = this.check.name(input.name, "input.name");
    const description = this.check.text(input.description ?? "", "input.description");
    return this.platform.store.transaction(() =>
      this.records.insertToolbox({ org: me.org, name, description, creator_sub: me.sub, created_at: Date.now() }),
    );
  }

  deleteToolbox(me: Identity, id: string): string {
    return String(this.records.toolboxes.deleteInOrg(me.org, id).id);
  }

  createShortcut(me: Identity, input: CreateShortcutInput): ShortcutRow {
    const name = this.check.name(input.name, "input.name");
    const description = this.check.text(input.description ?? null, "input.description");
    const savedArgs = this.check.object(input.args, "input.args");
    const actionId = parseId(input.action);
    const action = actionId === null ? undefined : this.platform.store.action(actionId);
    if (!action || action.org !== me.org) throw new PlatformError(`input.action: Action ${JSON.stringify(input.action)} not found in organisation "${me.org}"`, "NOT_FOUND");
    const given: unknown = JSON.parse(savedArgs);
    const definition = definitionOf(action);
    // the shortcut leaves open the ports its saved args do not fill; its returns are the action's
    const args = (definition.args ?? []).filter((port) => !(typeof given === "object" && given !== null && port.key in given));
    const returns = definition.returns ?? [];
    return this.platform.store.transaction(() => {
      const toolbox =
        input.toolbox === null || input.toolbox === undefined
          ? this.records.ensureToolbox({ org: me.org, name: DEFAULT_TOOLBOX, description: "Default toolbox", creator_sub: me.sub, created_at: Date.now() })
          : atInput(() => this.records.toolboxes.inOrg(me.org, input.toolbox), "input.toolbox");
      return this.records.insertShortcut({
        org: me.org,
        toolbox_id: toolbox.id,
        action_id: action.id,
        name,
        description,
        saved_args: savedArgs,
        args: JSON.stringify(args),
        returns: JSON.stringify(returns),
        allow_quick: input.allowQuick === true ? 1 : 0,
        use_returns: input.useReturns === true ? 1 : 0,
        bind_number: input.bindNumber ?? null,
        creator_sub: me.sub,
        created_at: Date.now(),
      });
    });
  }

  deleteShortcut(me: Identity, id: string): string {
    return String(this.records.shortcuts.deleteInOrg(me.org, id).id);
  }

  // dashboards ----------------------------------------------------------------------------------

  createDashboard(me: Identity, input: CreateDashboardInput): DashboardRow {
    const name = this.check.name(input.name, "input.name");
    this.ownOrganisation(me, input.organization);
    const bloks = this.materializedBlokList(me, input.bloks ?? [], "input.bloks");
    return this.platform.store.transaction(() => {
      const dashboard = this.records.insertDashboard({ org: me.org, name, creator_sub: me.sub, created_at: Date.now() });
      for (const blok of bloks) this.records.insertPlacement({ org: me.org, dashboard_id: dashboard.id, materialized_blok_id: blok.id, created_at: Date.now() });
      return dashboard;
    });
  }

  updateDashboard(me: Identity, input: UpdateDashboardInput): DashboardRow {
    const row = this.records.dashboards.inOrg(me.org, input.id);
    const name = input.name === null || input.name === undefined ? null : this.check.name(input.name, "input.name");
    this.ownOrganisation(me, input.organization);
    const bloks = input.bloks === null || input.bloks === undefined ? null : this.materializedBlokList(me, input.bloks, "input.bloks");
    return this.platform.store.transaction(() => {
      if (name !== null) this.records.renameDashboard(row.id, name);
      if (bloks !== null) {
        // the list replaces the dashboard's placements
        this.records.clearPlacements(row.id);
        for (const blok of bloks) this.records.insertPlacement({ org: me.org, dashboard_id: row.id, materialized_blok_id: blok.id, created_at: Date.now() });
      }
      return this.records.dashboards.find(row.id)!;
    });
  }

  deleteDashboard(me: Identity, id: string): boolean {
    this.records.dashboards.deleteInOrg(me.org, id);
    return true;
  }

  // bloks ---------------------------------------------------------------------------------------

  /** `at` is where the input sits in the arguments (and `nameField` its name's field), for errors. */
  createBlok(me: Identity, input: Omit<CreateBlokInput, "demoState"> & { demoState?: unknown }, at = "input", nameField = "name"): BlokRow {
    const name = this.check.name(input.name, `${at}.${nameField}`);
    const description = this.check.text(input.description ?? null, `${at}.description`);
    const catalog = this.check.name(input.catalog ?? DEFAULT_CATALOG, `${at}.catalog`);
    const components = this.check.json(input.components ?? [], `${at}.components`);
    const demoState = input.demoState === null || input.demoState === undefined ? "{}" : this.check.object(input.demoState, `${at}.demoState`);
    const dependencies = this.dependencyList(input.dependencies ?? [], `${at}.dependencies`);
    return this.platform.store.transaction(() => {
      const blok = this.records.upsertBlok({
        org: me.org,
        catalog_id: this.records.ensureCatalog(me.org, catalog).id,
        name,
        description,
        components,
        demo_state: demoState,
        creator_sub: me.sub,
        created_at: Date.now(),
      });
      for (const d of dependencies) this.records.upsertDependency({ org: me.org, blok_id: blok.id, key: d.key, declared: d.declared, created_at: Date.now() });
      return blok;
    });
  }

  updateBlok(me: Identity, input: UpdateBlokInput): BlokRow {
    const row = this.records.bloks.inOrg(me.org, input.id);
    const name = input.name === null || input.name === undefined ? null : this.check.name(input.name, "input.name");
    if (name !== null && name !== row.name && this.records.blokByName(me.org, name)) {
      throw badInput("input.name", `organisation "${me.org}" already has a blok named ${JSON.stringify(name)}; choose another name`);
    }
    const description = this.check.text(input.description ?? null, "input.description");
    const components = input.components === null || input.components === undefined ? null : this.check.json(input.components, "input.components");
    return this.platform.store.transaction(() => {
      this.records.updateBlok(row.id, { name, description, components });
      return this.records.bloks.find(row.id)!;
    });
  }

  deleteBlok(me: Identity, id: string): boolean {
    this.records.bloks.deleteInOrg(me.org, id);
    return true;
  }

  /**
   * The bloks an agent declares in `implementAgent` (`ImplementAgentInput.bloks`): each is stored as
   * the organisation's blok named by its key (created or updated), with its dependencies.
   */
  implementBloks(me: Identity, bloks: readonly BlokImplementationInput[], path = "input.bloks"): BlokRow[] {
    // all or none: a refused blok leaves none of the others stored
    return this.platform.store.transaction(() =>
      bloks.map((b, i) =>
        this.createBlok(
          me,
          { name: b.key, description: b.description, catalog: b.catalog, components: b.components, demoState: b.demoState, dependencies: b.dependencies },
          `${path}[${i}]`,
          "key",
        ),
      ),
    );
  }

  // materialized bloks --------------------------------------------------------------------------

  /** Stores a materialization of a blok (one per blok, as the platform does: materializing again updates its mappings) and places it on the dashboard. */
  materializeBlok(me: Identity, input: MaterializeBlokInput): MaterializedBlokRow {
    const blok = atInput(() => this.records.bloks.inOrg(me.org, input.blok), "input.blok");
    const dashboard = input.dashboard === null || input.dashboard === undefined ? null : atInput(() => this.records.dashboards.inOrg(me.org, input.dashboard), "input.dashboard");
    const mappings = this.mappingsFor(me, blok, input.agentMappings ?? [], "input.agentMappings");
    return this.platform.store.transaction(() => {
      const now = Date.now();
      const existing = this.records.materializedBloks.list(me.org, { pagination: { offset: 0, limit: 1 } }, { sql: "blok_id = ?", params: [blok.id] })[0];
      const row = existing ?? this.records.insertMaterialized({ org: me.org, blok_id: blok.id, name: blok.name, description: blok.description, now });
      for (const m of mappings) this.records.upsertMapping({ org: me.org, materialized_blok_id: row.id, dependency_id: m.dependencyId, key: m.key, agent_id: m.agentId, now });
      if (existing) this.records.touchMaterialized(row.id, now);
      if (dashboard) this.records.insertPlacement({ org: me.org, dashboard_id: dashboard.id, materialized_blok_id: row.id, created_at: now });
      return this.records.materializedBloks.find(row.id)!;
    });
  }

  updateMaterializedBlok(me: Identity, input: UpdateMaterializedBlokInput): MaterializedBlokRow {
    const row = this.records.materializedBloks.inOrg(me.org, input.id);
    const blok = this.records.bloks.find(row.blok_id)!;
    const mappings = input.agentMappings === null || input.agentMappings === undefined ? null : this.mappingsFor(me, blok, input.agentMappings, "input.agentMappings");
    return this.platform.store.transaction(() => {
      const now = Date.now();
      for (const m of mappings ?? []) this.records.upsertMapping({ org: me.org, materialized_blok_id: row.id, dependency_id: m.dependencyId, key: m.key, agent_id: m.agentId, now });
      this.records.touchMaterialized(row.id, now);
      return this.records.materializedBloks.find(row.id)!;
    });
  }

  deleteMaterializedBlok(me: Identity, id: string): boolean {
    this.records.materializedBloks.deleteInOrg(me.org, id);
    return true;
  }

  // checks --------------------------------------------------------------------------------------


  /** A dashboard belongs to the viewer's organisation; an `organization` input may only name it. */
  private ownOrganisation(me: Identity, organization: string | null | undefined): void {
    if (organization !== null && organization !== undefined && organization !== me.org) {
      throw badInput("input.organization", `a dashboard belongs to your organisation "${me.org}"; leave organization out (or give "${me.org}")`);
    }
  }

  private materializedBlokList(me: Identity, ids: readonly string[], path: string): MaterializedBlokRow[] {
    return ids.map((id, i) => atInput(() => this.records.materializedBloks.inOrg(me.org, id), `${path}[${i}]`));
  }

  private dependencyList(dependencies: readonly { key: string }[], path: string): Array<{ key: string; declared: string }> {
    const seen = new Set<string>();
    return dependencies.map((d, i) => {
      const key = this.check.name(d.key, `${path}[${i}].key`);
      if (seen.has(key)) throw badInput(`${path}[${i}].key`, `${JSON.stringify(key)} is declared twice; give each dependency its own key`);
      seen.add(key);
      return { key, declared: this.check.json(d, `${path}[${i}]`) };
    });
  }

  /**
   * The agent mappings of a materialization: every key names a dependency of the blok, every agent
   * is one of the organisation's, and every dependency that is not optional is mapped.
   */
  private mappingsFor(me: Identity, blok: BlokRow, given: readonly { key: string; agent: string }[], path: string) {
    const dependencies = new Map(this.records.dependenciesOf(blok.id).map((d) => [d.key, d]));
    const keys = [...dependencies.keys()];
    const mapped = given.map((m, i) => {
      const dependency = dependencies.get(m.key);
      if (!dependency) {
        throw badInput(`${path}[${i}].key`, `blok ${blok.id} has no dependency ${JSON.stringify(m.key)}; its keys are ${keys.length ? keys.map((k) => JSON.stringify(k)).join(", ") : "none"}`);
      }
      const agent = this.check.agent(me.org, m.agent, `${path}[${i}].agent`);
      return { key: m.key, dependencyId: dependency.id, agentId: agent.id };
    });
    const missing = [...dependencies.values()].filter((d) => !mapped.some((m) => m.key === d.key) && !declaredOptional(d.declared));
    if (missing.length > 0) {
      throw badInput(path, `dependency ${missing.map((d) => JSON.stringify(d.key)).join(", ")} of blok ${blok.id} is not mapped to an agent; map every dependency that is not optional`);
    }
    return mapped;
  }
}

export const workspaceArea: Area = { name: "workspace", resolvers: workspaceResolvers };
