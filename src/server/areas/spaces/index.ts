/**
 * Spaces, placements and 3D models.
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.spaces`. */
export class SpacesArea {
  constructor(readonly platform: Platform) {}
}

export const spacesArea: Area = { name: "spaces" };
