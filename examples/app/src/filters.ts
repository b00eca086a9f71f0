import { context, register, type Int } from "arkitekt-next";
import { Image } from "./image.js";

/** How a threshold splits the pixels. */
export enum ThresholdMode {
  /** Pixels above the level become white. */
  Above = "above",
  /** Pixels below the level become white. */
  Below = "below",
}

/** Summary statistics of an image. */
export interface ImageStats {
  /** Smallest pixel value */
  min: number;
  /** Largest pixel value */
  max: number;
  /** Mean pixel value */
  mean: number;
  /** Number of pixels */
  count: Int;
}

/**
 * Make a test image.
 *
 * Fills a width x height image with a diagonal gradient.
 * @param width Width in pixels
 * @param height Height in pixels
 * @returns The new image
 */
export const gradient = register(
  function gradient(width: Int = 8, height: Int = 8): Image {
    return Image.create(width, height, (x, y) => (x + y) / (width + height - 2 || 1));
  },
  {
    ports: {
      width: { validators: [{ min: 1 }, { max: 4096, message: "at most 4096 pixels wide" }] },
    },
  },
);

/**
 * Threshold an image.
 * @param image The image to threshold
 * @param level The cut-off between 0 and 1
 * @param mode Which side of the level becomes white
 */
export const threshold = register(
  async function threshold(image: Image, level = 0.5, mode: ThresholdMode = ThresholdMode.Above): Promise<Image> {
    const keep = mode === ThresholdMode.Above ? (v: number) => v > level : (v: number) => v < level;
    return Image.create(image.width, image.height, (x, y) => (keep(image.pixels[y * image.width + x] ?? 0) ? 1 : 0));
  },
  { collections: ["segmentation"], pure: true, ports: { level: { widget: { kind: "slider", min: 0, max: 1, step: 0.05 } } } },
);

/**
 * Compute statistics of an image.
 * @param image The image to measure
 */
export const measure = register(function measure(image: Image): ImageStats {
  const { pixels } = image;
  const sum = pixels.reduce((a, b) => a + b, 0);
  return { min: Math.min(...pixels), max: Math.max(...pixels), mean: sum / pixels.length, count: pixels.length };
});

/**
 * Average several images pixel by pixel.
 * @param images Images of the same size
 * @param weights One weight per image; equal weights when omitted
 */
export const average = register(function average(images: Image[], weights?: number[] | null): Image {
  const first = images[0];
  if (!first) throw new Error("average needs at least one image");
  const w = weights ?? images.map(() => 1 / images.length);
  return Image.create(first.width, first.height, (x, y) =>
    images.reduce((acc, img, i) => acc + (img.pixels[y * first.width + x] ?? 0) * (w[i] ?? 0), 0),
  );
});

/**
 * Cut an image into tiles.
 *
 * Yields one tile after the other and reports progress.
 * @param image The image to cut
 * @param size Edge length of a tile in pixels
 */
export const tile = register(
  async function* tile(image: Image, size: Int = 4): AsyncGenerator<Image> {
    const across = Math.ceil(image.width / size);
    const down = Math.ceil(image.height / size);
    const total = across * down;
    let done = 0;
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const width = Math.min(size, image.width - tx * size);
        const height = Math.min(size, image.height - ty * size);
        yield Image.create(width, height, (x, y) => image.pixels[(ty * size + y) * image.width + tx * size + x] ?? 0);
        done++;
        context().progress(Math.round((done / total) * 100), `tile ${done} of ${total}`);
      }
    }
  },
  { ports: { size: { widget: { kind: "slider", min: 1, max: 64, step: 1 } } } },
);

/** How `clip` treats values outside its range. */
export type ClipMode = "clip" | "rescale";

/**
 * Clip an image to a range of values.
 *
 * Values below `low` become `low` and values above `high` become `high`; in rescale mode the
 * range is then stretched to 0..1 and a gamma applied.
 * @param image The image to clip
 * @param low Lower end of the range
 * @param high Upper end of the range
 * @param mode Clip only, or clip and rescale to 0..1
 * @param gamma Exponent applied after rescaling
 */
export const clip = register(
  function clip(image: Image, low = 0, high = 1, mode: ClipMode = "clip", gamma = 1): Image {
    return Image.create(image.width, image.height, (x, y) => {
      const v = Math.min(high, Math.max(low, image.pixels[y * image.width + x] ?? 0));
      return mode === "rescale" ? ((v - low) / (high - low || 1)) ** gamma : v;
    });
  },
  {
    ports: {
      low: { validators: [{ lessThan: "high", message: "low must be below high" }] },
      mode: {
        widget: {
          kind: "choice",
          choices: [
            { value: "clip", label: "Clip", description: "Keep values, cut off what is outside the range" },
            { value: "rescale", label: "Rescale", description: "Clip, then stretch the range to 0..1" },
          ],
        },
      },
      gamma: { widget: { kind: "slider", min: 0.1, max: 5, step: 0.1 }, effects: [{ showIf: { port: "mode", equals: "rescale" } }] },
    },
    portGroups: [
      { key: "range", title: "Range", ports: ["low", "high"] },
      { key: "output", title: "Output", description: "What happens after clipping", ports: ["mode", "gamma"] },
    ],
  },
);
