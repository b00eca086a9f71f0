/**
 * Every stage `arkitekt-next gen` knows, in run order. Adding a stage: write its file (a `Stage`,
 * see stage.ts) and add one line here; the orchestrator (index.ts) loops over this list.
 */
import { actionsStage } from "./actions/stage.js";
import { functionsStage } from "./functions/stage.js";
import { graphqlStage } from "./graphql/stage.js";
import type { Stage } from "./stage.js";

export const STAGES: readonly Stage[] = [
  functionsStage,
  graphqlStage,
  actionsStage,
];
