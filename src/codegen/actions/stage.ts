/**
 * The remote-actions stage as the orchestrator sees it: runs when arkitekt.json has an `actions`
 * section; inputs are that section and the committed snapshot. `--refresh-actions` fetches from
 * the platform, so the stage then always runs.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadStageModule, type Stage } from "../stage.js";

/** The snapshot path when `actions.snapshot` is not set (the same default as generateActions' config schema). */
const DEFAULT_SNAPSHOT = "generated/actions.json";

export const actionsStage: Stage = {
  name: "actions",
  enabled: (config) => config.actions !== undefined,
  open(context) {
    const section = context.config.actions;
    return {
      async inputs() {
        if (context.refreshActions) return { files: [], volatile: "--refresh-actions fetches the actions from the platform" };
        const written = (section as { snapshot?: unknown } | null)?.snapshot;
        const snapshot = typeof written === "string" ? written : DEFAULT_SNAPSHOT;
        // Without a snapshot the stage warns (gen) or fails (gen --check) each time, so it is not skipped.
        if (!existsSync(join(context.cwd, snapshot))) return { files: [], volatile: `no snapshot at ${snapshot}` };
        return { files: [snapshot], settings: section ?? null };
      },
      async run({ check }) {
        const mod = await loadStageModule<typeof import("./index.js")>("remote actions", "./actions/index.js", () => import("./index.js"), "generateActions");
        return mod.generateActions({ cwd: context.cwd, config: section, refresh: context.refreshActions, check, logger: context.logger });
      },
    };
  },
};
