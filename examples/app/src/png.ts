/**
 * Grey-scale images as 16-bit PNG files (fast-png): what the `Image` structure keeps in the
 * platform's media store. Pixel values map linearly onto 0..65535 over the image's value range,
 * which is 0..1 unless a pixel lies outside it (then the range is written in a tEXt chunk).
 */
import { decode, encode } from "fast-png";

/** A grey-scale image: `pixels` row by row, `width * height` values. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: number[];
}

const RANGE_KEY = "value-range";
const MAX = 65535;

/** Encodes `image` as a 16-bit grey-scale PNG. */
export function encodeGreyPng(image: GreyImage): Uint8Array {
  const finite = image.pixels.map((v) => (Number.isFinite(v) ? v : 0));
  const lo = Math.min(0, ...finite);
  const hi = Math.max(1, ...finite);
  const data = new Uint16Array(image.width * image.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.round((((finite[i] ?? 0) - lo) / (hi - lo)) * MAX);
  const text = lo === 0 && hi === 1 ? undefined : { [RANGE_KEY]: `${lo} ${hi}` };
  return encode({ width: image.width, height: image.height, data, depth: 16, channels: 1, ...(text ? { text } : {}) });
}

/** Decodes a grey-scale PNG written by `encodeGreyPng` (any bit depth; the first channel of others). */
export function decodeGreyPng(bytes: Uint8Array): GreyImage {
  const png = decode(bytes);
  const [lo, hi] = (png.text[RANGE_KEY] ?? "0 1").split(" ").map(Number) as [number, number];
  const max = 2 ** png.depth - 1;
  const pixels: number[] = [];
  for (let i = 0; i < png.width * png.height; i++) pixels.push(lo + ((png.data[i * png.channels] ?? 0) / max) * (hi - lo));
  return { width: png.width, height: png.height, pixels };
}
