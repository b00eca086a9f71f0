/**
 * The spaces area's rows (migration 10): 3D models (each over a media store object), spaces, and
 * the placements of agents in spaces. Writes join the store's group transaction.
 */
import type { Store } from "../../store/store.js";
import { OrgTable, idIs, idsIn, searchIn } from "../list-query.js";

export interface ThreeDModelRow {
  id: number;
  org: string;
  name: string;
  description: string | null;
  media_id: string;
  transfer_function: string | null;
  creator_sub: string;
  created_at: number;
  updated_at: number;
}

export interface SpaceRow {
  id: number;
  org: string;
  name: string;
  description: string | null;
  creator_sub: string;
  created_at: number;
  updated_at: number;
}

export interface PlacementRow {
  id: number;
  org: string;
  space_id: number;
  agent_id: number;
  model_id: number | null;
  materialized_blok_id: number | null;
  role: string;
  /** JSON: the affine matrix (rows of numbers), or null. */
  affine_matrix: string | null;
  created_at: number;
  updated_at: number;
}

export type NewPlacement = Omit<PlacementRow, "id" | "created_at" | "updated_at"> & { now: number };

export class SpacesRecords {
  readonly models: OrgTable<ThreeDModelRow>;
  readonly spaces: OrgTable<SpaceRow>;
  readonly placements: OrgTable<PlacementRow>;
  private readonly s;

  constructor(private readonly store: Store) {
    const db = store.db;
    const dated = { createdAt: "created_at", updatedAt: "updated_at", name: "name COLLATE NOCASE" };
    this.models = new OrgTable(store, "threed_model", "ThreeDModel", { ids: idsIn(), search: searchIn("name", "description") }, dated);
    this.spaces = new OrgTable(store, "space", "Space", { ids: idsIn(), search: searchIn("name", "description") }, dated);
    this.placements = new OrgTable(
      store,
      "placement",
      "Placement",
      { ids: idsIn(), space: idIs("space_id"), agent: idIs("agent_id"), search: searchIn("role", "(SELECT a.name FROM agent a WHERE a.id = placement.agent_id)") },
      { role: "role COLLATE NOCASE", createdAt: "created_at" },
    );
    this.s = {
      insertModel: db.prepare<Omit<ThreeDModelRow, "id" | "created_at" | "updated_at"> & { now: number }, ThreeDModelRow>(
        `INSERT INTO threed_model (org, name, description, media_id, transfer_function, creator_sub, created_at, updated_at)
         VALUES (@org, @name, @description, @media_id, @transfer_function, @creator_sub, @now, @now) RETURNING *`,
      ),
      updateModel: db.prepare<{ id: number; name: string | null; description: string | null; media_id: string | null; now: number }>(
        `UPDATE threed_model SET name = COALESCE(@name, name), description = COALESCE(@description, description), media_id = COALESCE(@media_id, media_id), updated_at = @now WHERE id = @id`,
      ),
      upsertSpace: db.prepare<Omit<SpaceRow, "id" | "created_at" | "updated_at" | "description"> & { now: number }, SpaceRow>(
        `INSERT INTO space (org, name, creator_sub, created_at, updated_at) VALUES (@org, @name, @creator_sub, @now, @now)
         ON CONFLICT (org, name) DO UPDATE SET updated_at = excluded.updated_at RETURNING *`,
      ),
      updateSpace: db.prepare<{ id: number; name: string | null; description: string | null; now: number }>(
        `UPDATE space SET name = COALESCE(@name, name), description = COALESCE(@description, description), updated_at = @now WHERE id = @id`,
      ),
      spaceByName: db.prepare<[string, string], SpaceRow>("SELECT * FROM space WHERE org = ? AND name = ?"),
      upsertPlacement: db.prepare<NewPlacement, PlacementRow>(
        `INSERT INTO placement (org, space_id, agent_id, model_id, materialized_blok_id, role, affine_matrix, created_at, updated_at)
         VALUES (@org, @space_id, @agent_id, @model_id, @materialized_blok_id, @role, @affine_matrix, @now, @now)
         ON CONFLICT (space_id, agent_id) DO UPDATE SET model_id = excluded.model_id, materialized_blok_id = excluded.materialized_blok_id,
           role = excluded.role, affine_matrix = excluded.affine_matrix, updated_at = excluded.updated_at RETURNING *`,
      ),
      updatePlacement: db.prepare<{ id: number; role: string | null; affine_matrix: string | null; model_id: number | null; now: number }>(
        `UPDATE placement SET role = COALESCE(@role, role), affine_matrix = COALESCE(@affine_matrix, affine_matrix),
           model_id = COALESCE(@model_id, model_id), updated_at = @now WHERE id = @id`,
      ),
      latestAgentOfModel: db.prepare<[number], { agent_id: number }>("SELECT agent_id FROM placement WHERE model_id = ? ORDER BY updated_at DESC, id DESC LIMIT 1"),
    };
  }

  insertModel(row: Omit<ThreeDModelRow, "id" | "created_at" | "updated_at"> & { now: number }): ThreeDModelRow {
    this.store.batch();
    return this.s.insertModel.get(row)!;
  }
  updateModel(fields: { id: number; name: string | null; description: string | null; media_id: string | null; now: number }): void {
    this.store.batch();
    this.s.updateModel.run(fields);
  }
  spaceByName(org: string, name: string): SpaceRow | undefined {
    return this.s.spaceByName.get(org, name);
  }
  /** Creates the space, or touches the organisation's space of the same name (as the platform does). */
  upsertSpace(row: Omit<SpaceRow, "id" | "created_at" | "updated_at" | "description"> & { now: number }): SpaceRow {
    this.store.batch();
    return this.s.upsertSpace.get(row)!;
  }
  updateSpace(fields: { id: number; name: string | null; description: string | null; now: number }): void {
    this.store.batch();
    this.s.updateSpace.run(fields);
  }
  /** Places the agent in the space, or updates its placement there (one per agent and space, as the platform does). */
  upsertPlacement(row: NewPlacement): PlacementRow {
    this.store.batch();
    return this.s.upsertPlacement.get(row)!;
  }
  updatePlacement(fields: { id: number; role: string | null; affine_matrix: string | null; model_id: number | null; now: number }): void {
    this.store.batch();
    this.s.updatePlacement.run(fields);
  }
  /** The agent most recently placed with this model. */
  latestAgentOfModel(modelId: number): number | null {
    return this.s.latestAgentOfModel.get(modelId)?.agent_id ?? null;
  }
}
