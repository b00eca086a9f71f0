import { context, register, type Int } from "arkitekt-next";
import { createActions } from "../generated/actions.js";
import type { ImageStats } from "./filters.js";
import { Image } from "./image.js";

/**
 * Measure an image tile by tile.
 *
 * A workflow: streams the yields of `tile` through `measure` as they arrive, calling both
 * through the typed stubs (generated/actions.ts) with the agent's own client, so each call is a
 * child task of this one (its parent and root are this task).
 * @param image The image to cut and measure
 * @param size Edge length of a tile in pixels
 */
export const tileStats = register(
  async function* tileStats(image: Image, size: Int = 4): AsyncGenerator<ImageStats> {
    const actions = createActions(context().client);
    let n = 0;
    for await (const piece of actions.tile({ image, size })) {
      yield await actions.measure({ image: piece });
      context().log(`measured tile ${++n}`);
    }
  },
  { collections: ["workflows"], ports: { size: { widget: { kind: "slider", min: 1, max: 64, step: 1 } } } },
);
