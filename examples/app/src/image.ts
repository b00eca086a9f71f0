import { LocalStructureStore, type Structure } from "arkitekt-next";

/** What an image is stored as. */
type ImageData = { width: number; height: number; pixels: number[] };

/**
 * Where images live between processes: the app's `.arkitekt/structures/images/` folder, so a
 * caller in another process (the demo against `run dev`) can expand what the agent shrank. An
 * interim stand-in for the platform's central storage.
 */
const images = new LocalStructureStore<ImageData>({
  name: "images",
  idPrefix: "img-",
  from: import.meta,
});
/** Images this process made or read, by id: expanding them here gives the same object. */
const known = new Map<string, Image>();
/** Ids already written to the store by this process. */
const stored = new Set<string>();

/** A grey-scale image kept in (pretend) central storage; only its id travels. */
export class Image implements Structure<string> {
  static identifier = "@example/image";

  constructor(
    readonly id: string,
    readonly width: number,
    readonly height: number,
    readonly pixels: number[],
  ) {}

  /** Puts the image in the store and returns its reference. */
  async shrink(): Promise<string> {
    if (!stored.has(this.id)) {
      await images.put(this.id, { width: this.width, height: this.height, pixels: this.pixels });
      stored.add(this.id);
    }
    return this.id;
  }

  /** Fetches an image by reference, from any process that shares this app's folder. */
  static async expand(ref: string): Promise<Image> {
    const cached = known.get(ref);
    if (cached) return cached;
    const data = await images.get(ref);
    const image = new Image(ref, data.width, data.height, data.pixels);
    known.set(ref, image);
    stored.add(ref);
    return image;
  }

  static create(width: number, height: number, fill: (x: number, y: number) => number): Image {
    const pixels: number[] = [];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.push(fill(x, y));
    const image = new Image(images.newId(), width, height, pixels);
    known.set(image.id, image);
    return image;
  }
}
