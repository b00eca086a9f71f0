/**
 * The abstract types of a port's form hints: a stored widget or effect is plain JSON with a
 * `kind` (as `ArgPortInput` took it), and GraphQL needs the concrete type to answer
 * `widget { ... on SliderAssignWidget { min max step } }`. The kind names it.
 */
import type { GraphQLSchema } from "graphql";
import { graphql } from "./graphql-module.js";

const { isInterfaceType } = graphql;

const CONCRETE: Record<string, Record<string, string>> = {
  AssignWidget: {
    SEARCH: "SearchAssignWidget",
    CHOICE: "ChoiceAssignWidget",
    SLIDER: "SliderAssignWidget",
    CUSTOM: "CustomAssignWidget",
    STRING: "StringAssignWidget",
    STATE_CHOICE: "StateChoiceAssignWidget",
    PROXY: "ProxyWidget",
  },
  ReturnWidget: { CHOICE: "ChoiceReturnWidget", CUSTOM: "CustomReturnWidget" },
  Effect: { MESSAGE: "MessageEffect", HIDE: "HideEffect", CUSTOM: "CustomEffect" },
};

/**
 * Sets `resolveType` of AssignWidget, ReturnWidget and Effect (by `kind`) where the schema has them
 * and the schema's own resolvers did not already.
 */
export function resolvePortHintTypes(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, byKind] of Object.entries(CONCRETE)) {
    const type = schema.getType(name);
    if (!type || !isInterfaceType(type) || type.resolveType) continue;
    const fallback = Object.values(byKind).find((t) => schema.getType(t)) ?? null;
    type.resolveType = (value) => {
      const concrete = byKind[String((value as { kind?: unknown }).kind)];
      return concrete && schema.getType(concrete) ? concrete : (fallback ?? undefined);
    };
  }
  return schema;
}
