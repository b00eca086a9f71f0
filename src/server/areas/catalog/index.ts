/**
 * Interfaces, structures, structure packages and protocols.
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.catalog`. */
export class CatalogArea {
  constructor(readonly platform: Platform) {}
}

export const catalogArea: Area = { name: "catalog" };
