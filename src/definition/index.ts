export * from "./model.js";
export * from "./hash.js";
export * from "./values.js";
