import { register, type Int } from "arkitekt-next";
import { Image } from "./image.js";

/** A note attached to an image. */
export interface Note {
  image: Image;
  /** When the note was taken (UTC) */
  takenAt: Date;
  /** Free text, or a numbered label */
  label: string | Int;
  tags: string[];
}

/**
 * Attach a note to an image.
 * @param image The image the note is about
 * @param label Free text, or a numbered label
 * @param takenAt When the note was taken; now when omitted
 * @param tags Keywords
 */
export const annotate = register(function annotate(
  image: Image,
  label: string | Int,
  takenAt: Date | null = null,
  tags: string[] = [],
): Note {
  return { image, label, takenAt: takenAt ?? new Date(), tags };
});
