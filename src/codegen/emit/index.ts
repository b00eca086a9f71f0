export { emitRegistry, emitDefinitions, renderRegistryModule, renderRegistryIndex, importPath, type EmitOptions } from "./registry.js";
export { renderZod, renderArgsZod, renderTsType, literal, propertyName, type TsTypeOptions } from "./ports.js";
export { formatTypeScript, formatFiles } from "./format.js";
