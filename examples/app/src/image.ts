import type { Structure } from "arkitekt-next";

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
  shrink(): string {
    store.set(this.id, this);
    return this.id;
  }

  /** Fetches an image by reference. */
  static async expand(ref: string): Promise<Image> {
    const image = store.get(ref);
    if (!image) throw new Error(`no image with id ${ref}`);
    return image;
  }

  static create(width: number, height: number, fill: (x: number, y: number) => number): Image {
    const pixels: number[] = [];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.push(fill(x, y));
    const image = new Image(`img-${++counter}`, width, height, pixels);
    store.set(image.id, image);
    return image;
  }
}

let counter = 0;
/** The in-memory stand-in for central storage. */
export const store = new Map<string, Image>();
