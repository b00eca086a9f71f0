/**
 * A fourth stage, as a user of the Stage interface writes one (test fixture; not registered in
 * src/codegen/stages.ts): when the project has `banner.txt`, it writes `generated/banner.ts`.
 * Registering it for real would be this file under src/codegen/ plus one line in stages.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Stage } from "../../../src/codegen/stage.js";
import { existsSync } from "node:fs";

/** How often the stage actually ran (the orchestrator skips it when its inputs are unchanged). */
export const bannerRuns = { count: 0 };

export const bannerStage: Stage = {
  name: "banner",
  enabled: (config) => existsSync(join(config.cwd, "banner.txt")),
  open(context) {
    return {
      async inputs() {
        return { files: ["banner.txt"] };
      },
      async run() {
        bannerRuns.count++;
        const text = (await readFile(join(context.cwd, "banner.txt"), "utf8")).trim();
        if (text === "") {
          return { files: [], diagnostics: [{ file: "banner.txt", line: 1, column: 1, message: "the banner is empty", hint: "write a line into banner.txt", code: "TEST_EMPTY_BANNER" }] };
        }
        return { files: [{ path: "generated/banner.ts", content: `export const banner = ${JSON.stringify(text)};\n` }], diagnostics: [], counts: { banners: 1 } };
      },
    };
  },
};
