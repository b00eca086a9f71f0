/**
 * The GraphQL stage as the orchestrator sees it: runs when the project has a codegen config (see
 * config.ts); inputs are the config (env-expanded), its schema files and its documents. A schema
 * fetched from a URL cannot be hashed here, so such a project runs the stage every time.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadStageModule, type Stage } from "../stage.js";
import { parseCodegenConfig } from "./config.js";
import { expandGlobs } from "./glob.js";

export const graphqlStage: Stage = {
  name: "graphql",
  enabled: (config) => config.graphql !== null,
  open(context) {
    const configPath = context.config.graphql!;
    return {
      async inputs() {
        const configFile = path.relative(context.cwd, path.resolve(context.cwd, configPath)).split(path.sep).join("/");
        const text = await readFile(path.join(context.cwd, configFile), "utf8").catch(() => undefined);
        if (text === undefined) return { files: [], volatile: `${configFile} is missing` };
        const parsed = await parseCodegenConfig(text, configFile);
        if (!parsed.config) return { files: [], volatile: `${configFile} has problems` };
        const files = [configFile];
        for (const target of parsed.config.targets) {
          if (target.schema.some((s) => s.kind === "url")) return { files: [], volatile: `${target.output} introspects a schema URL` };
          const schema = target.schema.flatMap((s) => (s.kind === "file" ? [s.pattern] : []));
          files.push(...(await expandGlobs(schema, context.cwd)), ...(await expandGlobs(target.documents, context.cwd)));
        }
        // The parsed config (env already expanded) covers plugin options, scalars and outputs.
        return { files, settings: parsed.config };
      },
      async run() {
        const mod = await loadStageModule<typeof import("./index.js")>("GraphQL", "./graphql/index.js", () => import("./index.js"), "generateGraphql");
        return mod.generateGraphql({ cwd: context.cwd, configPath, logger: context.logger, ...(context.previous ? { previous: context.previous } : {}) });
      },
    };
  },
};
