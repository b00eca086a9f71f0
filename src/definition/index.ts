export * from "./model.js";
export * from "./hash.js";
export * from "./values.js";
export * from "./hints.js";
