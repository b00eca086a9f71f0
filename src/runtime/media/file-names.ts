/**
 * The one rule for naming a downloaded file after its stored name (`download()` into a folder, and
 * `call --out`): the name comes from whoever uploaded the file, so it must not leave the folder,
 * hide itself, or be refused by the file system.
 */
import { extname } from "node:path";

/** Longest file name written, in UTF-8 bytes (most file systems allow 255). */
const MAX_NAME_BYTES = 200;

/** Names Windows refuses for a file, whatever the extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/**
 * A file name that stays inside the output folder: the last segment of `original` (after `/` or
 * `\`), without control characters and characters Windows refuses, without leading dots (no hidden
 * files, no `.` or `..`), at most 200 UTF-8 bytes (keeping the extension); `fallback` when nothing
 * is left.
 */
export function safeFileName(original: string | null | undefined, fallback: string): string {
  let name = (original ?? "").split(/[\\/]/).pop() ?? "";
  name = name.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, "_").trim().replace(/^\.+/, "").replace(/[. ]+$/, "");
  if (name === "" || WINDOWS_RESERVED.test(name)) name = name ? `_${name}` : fallback;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const ext = extname(name).length <= 16 ? extname(name) : "";
    let stem = name.slice(0, name.length - ext.length);
    while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = stem.slice(0, -1);
    name = stem + ext;
  }
  return name;
}
