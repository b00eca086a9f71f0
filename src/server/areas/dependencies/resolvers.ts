import type { Area } from "../../graphql/area.js";
export const dependenciesResolvers: NonNullable<Area["resolvers"]> = {};
