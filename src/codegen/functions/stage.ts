/**
 * The functions stage as the orchestrator sees it: runs when the project has a tsconfig (see
 * config.ts); inputs are the project's own source and config files; ts-morph is loaded only when
 * the stage actually runs.
 */
import { MANIFEST_FILE } from "../manifest.js";
import { isIgnoredFolder, listTree } from "../key.js";
import { loadStageModule, type Stage } from "../stage.js";
import type { FunctionsStage } from "./index.js";

/** Files the TypeScript program may read: sources, declarations, JSON (tsconfig, package.json, lockfile). */
const SOURCE = /\.([cm]?[jt]sx?|json)$/;

export const functionsStage: Stage = {
  name: "functions",
  enabled: (config) => config.functions !== null,
  owns: (config) => [{ folder: `${config.functions!.out}/registry`, extension: ".ts" }],
  open(context) {
    const { out, tsconfig } = context.config.functions!;
    // The stage's own outputs are not its inputs; other stages' outputs (generated/actions.ts ...) are.
    const own = new Set([`${out}/definitions.json`, `${out}/registry.ts`, `${out}/${MANIFEST_FILE}`]);
    let stage: FunctionsStage | undefined;
    return {
      async inputs() {
        const files = await listTree(
          context.cwd,
          (rel) => SOURCE.test(rel) && !own.has(rel),
          (rel, name) => isIgnoredFolder(name) || rel === `${out}/registry`,
        );
        return { files, settings: { out, tsconfig } };
      },
      async run() {
        if (!stage) {
          const mod = await loadStageModule<typeof import("./index.js")>("functions", "./functions/index.js", () => import("./index.js"), "generateFunctions");
          stage = new mod.FunctionsStage({ cwd: context.cwd, tsconfig, out, logger: context.logger });
        }
        const { files, diagnostics, functionCount } = await stage.run();
        return { files, diagnostics, counts: { functions: functionCount } };
      },
      update(paths) {
        stage?.update(paths);
      },
    };
  },
};
