import { File, upload, type Structure } from "arkitekt-next";
import { decodeGreyPng, encodeGreyPng } from "./png.js";

/** Images this process made or read, by id: expanding one again gives the same object. */
const known = new Map<string, Image>();

/**
 * A grey-scale image kept in the platform's media store as a PNG; only its id (the media store
 * id) travels. `shrink` uploads the PNG once, `expand` downloads and decodes it, so a reference
 * works in any process (and on any machine) that talks to the same platform.
 */
export class Image implements Structure<string> {
  static identifier = "@example/image";

  /** The media store id, once the image was stored (or read from the store). */
  id: string | null;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly pixels: number[],
    id: string | null = null,
  ) {
    this.id = id;
    if (id !== null) known.set(id, this);
  }

  /** Uploads the image as a PNG (once) and returns its reference. */
  async shrink(): Promise<string> {
    if (this.id === null) {
      const file = await upload(encodeGreyPng(this), { name: `image-${this.width}x${this.height}.png`, contentType: "image/png" });
      this.id = file.id;
      known.set(file.id, this);
    }
    return this.id;
  }

  /** Downloads the PNG of a reference and decodes it. */
  static async expand(ref: string): Promise<Image> {
    const cached = known.get(ref);
    if (cached) return cached;
    const file = await File.fromId(ref);
    const { width, height, pixels } = decodeGreyPng(await file.bytes());
    return new Image(width, height, pixels, ref);
  }

  static create(width: number, height: number, fill: (x: number, y: number) => number): Image {
    const pixels: number[] = [];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.push(fill(x, y));
    return new Image(width, height, pixels);
  }
}
