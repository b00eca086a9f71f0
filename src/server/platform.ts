/** The platform core lives in ./platform/ (one file per section); this module is its public face. */
export * from "./platform/index.js";
