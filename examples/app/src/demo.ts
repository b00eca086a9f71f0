/**
 * Calling this app's functions from code, typed: `createActions(client)` comes from
 * `generated/actions.ts`, which `arkitekt-next gen` renders from the committed snapshot of the
 * platform's actions (`generated/actions.json`). tsc checks every call against the remote ports,
 * and structures come back as `Image` objects (expanded with `Image.expand`).
 *
 * `npm start` at the repository root runs this against the embedded dev platform.
 */
import { TaskFailedError, type ArkitektClient } from "arkitekt-next";
import { createActions } from "../generated/actions.js";
import { Image } from "./image.js";

/** Calls every function once and reports each result through `print`. */
export async function demo(client: ArkitektClient, print: (label: string, value: unknown) => void): Promise<void> {
  const actions = createActions(client);

  const image = await actions.gradient({ width: 6, height: 4 });
  print("gradient(6, 4)", image);

  const binary = await actions.threshold({ image, level: 0.5, mode: "Below" });
  print("threshold(image, 0.5, Below)", binary);

  const stats = await actions.measure({ image: binary });
  print("measure(thresholded)", stats);

  const mean = await actions.average({ images: [image, binary] });
  print("average([image, thresholded])", mean);

  const progress: number[] = [];
  let tiles = 0;
  for await (const tile of actions.tile({ image, size: 3 }, { onProgress: (p) => p !== undefined && progress.push(p) })) {
    if (!(tile instanceof Image)) throw new Error("tile yielded something that is not an Image");
    tiles++;
  }
  print("tile(image, 3) yields", tiles);
  print("tile progress", progress);

  const [labels, count] = await actions.labelImages({ names: { a: "cells", b: "nuclei" }, prefix: "lab" });
  print("labelImages(...)", { labels, count });

  const note = await actions.annotate({ image, label: 7, tags: ["demo"] });
  print("annotate(image, 7)", { ...note, takenAt: note.takenAt.toISOString() });

  try {
    await actions.average({ images: [] });
    throw new Error("average of no images should have failed");
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    print("average([]) fails", `${error.kind}: ${error.remoteMessage}`);
  }
}
