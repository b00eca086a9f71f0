export * from "./model.js";
export * from "./hash.js";
