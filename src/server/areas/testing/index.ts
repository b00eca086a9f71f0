/**
 * Test cases and test results.
 */
import type { Area } from "../../graphql/area.js";
import type { Platform } from "../../platform.js";

/** The area's service: its rules, over its records. Reached as `platform.areas.testing`. */
export class TestingArea {
  constructor(readonly platform: Platform) {}
}

export const testingArea: Area = { name: "testing" };
