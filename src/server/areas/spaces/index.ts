/**
 * Spaces, placements and 3D models: stored, listed and read per organisation; nothing is rendered.
 * `createSpace` updates the organisation's space of the same name and an agent has one placement
 * per space (placing it again updates it), as the platform does.
 */
import type { Area } from "../../graphql/area.js";
import type { Identity } from "../../auth.js";
import { PlatformError, type Platform } from "../../platform.js";
import type {
  CreatePlacementInput,
  CreateSpaceInput,
  CreateThreeDModelInput,
  PlacementInput,
  UpdatePlacementInput,
  UpdateSpaceInput,
  UpdateThreeDModelInput,
} from "../../../../generated/server/resolvers.js";
import { InputChecks, badInput } from "../inputs.js";
import { atInput } from "../scope.js";
import { SpacesRecords, type NewPlacement, type PlacementRow, type SpaceRow, type ThreeDModelRow } from "./records.js";
import { spacesResolvers } from "./resolvers.js";
import type { MediaStoreRow } from "../../media/records.js";

/** The role of a placement whose input gives none (the platform's default). */
export const DEFAULT_ROLE = "just a member";

/** The area's service: its rules, over its records. Reached as `platform.areas.spaces`. */
export class SpacesArea {
  private readonly check: InputChecks;
  private made: SpacesRecords | undefined;

  constructor(readonly platform: Platform) {
    this.check = new InputChecks(platform);
  }

  /** The area's records, prepared on first use (the platform builds its areas before its store is set). */
  get records(): SpacesRecords {
    return (this.made ??= new SpacesRecords(this.platform.store));
  }

  // 3D models -----------------------------------------------------------------------------------

  createThreedModel(me: Identity, input: CreateThreeDModelInput): ThreeDModelRow {
    const name = this.check.name(input.name, "input.name");
    const description = this.check.text(input.description ?? null, "input.description");
    const media = this.mediaAt(me, input.media, "input.media");
    return this.platform.store.transaction(() =>
      this.records.insertModel({ org: me.org, name, description, media_id: media.id, transfer_function: null, creator_sub: me.sub, now: Date.now() }),
    );
  }

  updateThreedModel(me: Identity, input: UpdateThreeDModelInput): ThreeDModelRow {
    const row = this.records.models.inOrg(me.org, input.id);
    const name = input.name === null || input.name === undefined ? null : this.check.name(input.name, "input.name");
    const description = this.check.text(input.description ?? null, "input.description");
    const media = input.media === null || input.media === undefined ? null : this.mediaAt(me, input.media, "input.media");
    return this.platform.store.transaction(() => {
      this.records.updateModel({ id: row.id, name, description, media_id: media?.id ?? null, now: Date.now() });
      return this.records.models.find(row.id)!;
    });
  }

  deleteThreedModel(me: Identity, id: string): string {
    return String(this.records.models.deleteInOrg(me.org, id).id);
  }

  // spaces --------------------------------------------------------------------------------------

  createSpace(me: Identity, input: CreateSpaceInput): SpaceRow {
    const name = this.check.name(input.name, "input.name");
    const placements = (input.placements ?? []).map((p, i) => this.placementOf(me, p, `input.placements[${i}]`, true));
    return this.platform.store.transaction(() => {
      const now = Date.now();
      const space = this.records.upsertSpace({ org: me.org, name, creator_sub: me.sub, now });
      for (const p of placements) this.records.upsertPlacement({ ...p, space_id: space.id, now });
      return space;
    });
  }

  updateSpace(me: Identity, input: UpdateSpaceInput): SpaceRow {
    const row = this.records.spaces.inOrg(me.org, input.id);
    const name = input.name === null || input.name === undefined ? null : this.check.name(input.name, "input.name");
    if (name !== null && name !== row.name && this.records.spaceByName(me.org, name)) {
      throw badInput("input.name", `organisation "${me.org}" already has a space named ${JSON.stringify(name)}; choose another name`);
    }
    const description = this.check.text(input.description ?? null, "input.description");
    return this.platform.store.transaction(() => {
      this.records.updateSpace({ id: row.id, name, description, now: Date.now() });
      return this.records.spaces.find(row.id)!;
    });
  }

  deleteSpace(me: Identity, id: string): string {
    return String(this.records.spaces.deleteInOrg(me.org, id).id);
  }

  // placements ----------------------------------------------------------------------------------

  createPlacement(me: Identity, input: CreatePlacementInput): PlacementRow {
    const space = atInput(() => this.records.spaces.inOrg(me.org, input.space), "input.space");
    const placement = this.placementOf(me, { ...input, blok: input.materializedBlok }, "input", false, "materializedBlok");
    return this.platform.store.transaction(() => this.records.upsertPlacement({ ...placement, space_id: space.id, now: Date.now() }));
  }

  updatePlacement(me: Identity, input: UpdatePlacementInput): PlacementRow {
    const row = this.records.placements.inOrg(me.org, input.id);
    const role = input.role === null || input.role === undefined ? null : this.check.name(input.role, "input.role");
    const matrix = input.affineMatrix === null || input.affineMatrix === undefined ? null : this.check.json(input.affineMatrix, "input.affineMatrix");
    const model = input.model === null || input.model === undefined ? null : atInput(() => this.records.models.inOrg(me.org, input.model), "input.model");
    return this.platform.store.transaction(() => {
      this.records.updatePlacement({ id: row.id, role, affine_matrix: matrix, model_id: model?.id ?? null, now: Date.now() });
      return this.records.placements.find(row.id)!;
    });
  }

  deletePlacement(me: Identity, id: string): string {
    return String(this.records.placements.deleteInOrg(me.org, id).id);
  }

  // checks --------------------------------------------------------------------------------------

  /** A placement input, checked: its agent (required), model and materialized blok are the organisation's. */
  private placementOf(me: Identity, input: PlacementInput, at: string, modelRequired: boolean, blokField = "blok"): Omit<NewPlacement, "space_id" | "now"> {
    if (input.agent === null || input.agent === undefined) throw badInput(`${at}.agent`, "is required: give the id of the agent to place");
    if (modelRequired && (input.model === null || input.model === undefined)) throw badInput(`${at}.model`, "is required: give the id of the 3D model that shows the agent");
    const agent = this.check.agent(me.org, input.agent, `${at}.agent`);
    const model = input.model === null || input.model === undefined ? null : atInput(() => this.records.models.inOrg(me.org, input.model), `${at}.model`);
    const blok =
      input.blok === null || input.blok === undefined
        ? null
        : atInput(() => this.platform.areas.workspace.records.materializedBloks.inOrg(me.org, input.blok), `${at}.${blokField}`);
    return {
      org: me.org,
      agent_id: agent.id,
      model_id: model?.id ?? null,
      materialized_blok_id: blok?.id ?? null,
      role: input.role === null || input.role === undefined ? DEFAULT_ROLE : this.check.name(input.role, `${at}.role`),
      affine_matrix: input.affineMatrix === null || input.affineMatrix === undefined ? null : this.check.json(input.affineMatrix, `${at}.affineMatrix`),
    };
  }

  /** The organisation's finished media store `id` (a pending one is finished on this first use). */
  private mediaAt(me: Identity, id: string, path: string): MediaStoreRow {
    const media = this.platform.media;
    if (!media) throw new PlatformError(`${path}: this server has no media store`, "NOT_FOUND");
    return atInput(() => media.ensureFinished(media.storeInOrg(me, id)), path, ["NOT_FOUND", "MEDIA_NOT_UPLOADED"]);
  }

}

export const spacesArea: Area = { name: "spaces", resolvers: spacesResolvers };
