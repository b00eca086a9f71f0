/** The media store from the runtime's side: the File structure and its helpers. */
export { File, upload, download } from "./file.js";
export type { FileInit, MediaCallOptions, StreamSource, UploadSource } from "./file.js";
export { MediaError } from "./errors.js";
export type { MediaErrorKind } from "./errors.js";
export { configureMedia, MEDIA_DEFAULTS } from "./options.js";
export type { MediaOptions } from "./options.js";
