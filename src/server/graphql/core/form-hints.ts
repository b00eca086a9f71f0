/**
 * Form hints (issue 13) as stored with the ports: widgets, effects, port groups and choices are kept
 * as the agent sent them; their interfaces resolve by `kind`, and the fields the schema requires get
 * the platform's defaults.
 */
import type { Resolvers } from "../../../../generated/server/resolvers.js";

/** The object type of a stored assign widget, by its `kind` (issue 13: form hints). */
const ASSIGN_WIDGET_TYPES: Record<string, string> = {
  SLIDER: "SliderAssignWidget",
  CHOICE: "ChoiceAssignWidget",
  STRING: "StringAssignWidget",
  SEARCH: "SearchAssignWidget",
  STATE_CHOICE: "StateChoiceAssignWidget",
  PROXY: "ProxyWidget",
  CUSTOM: "CustomAssignWidget",
};

const kindOf = (value: unknown): string => {
  const kind: unknown = value !== null && typeof value === "object" ? Reflect.get(value, "kind") : undefined;
  return typeof kind === "string" ? kind : "";
};

/** The object type of each stored form-hint interface value, by its `kind`. */
export const RESOLVE_TYPE: Record<string, (value: unknown) => string> = {
  AssignWidget: (w) => ASSIGN_WIDGET_TYPES[kindOf(w)] ?? "CustomAssignWidget",
  ReturnWidget: (w) => (kindOf(w) === "CHOICE" ? "ChoiceReturnWidget" : "CustomReturnWidget"),
  Effect: (e) => {
    const kind = kindOf(e);
    return kind === "MESSAGE" ? "MessageEffect" : kind === "CUSTOM" ? "CustomEffect" : "HideEffect";
  },
};

function choiceValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export const formHintResolvers: Resolvers = {
  StringAssignWidget: {
    placeholder: (w) => w.placeholder ?? "",
    asParagraph: (w) => w.asParagraph ?? false,
  },
  // the input names the state to choose from `stateChoices` (AssignWidgetInput); the output calls it statePath
  StateChoiceAssignWidget: {
    statePath: (w) => w.statePath ?? ("stateChoices" in w && typeof w.stateChoices === "string" ? w.stateChoices : ""),
  },
  // no input carries a proxy's target: the platform's defaults for the required fields
  ProxyWidget: {
    targetPort: (w) => w.targetPort ?? "",
    targetAction: (w) => w.targetAction ?? "",
  },
  HideEffect: {
    fade: (e) => e.fade ?? true,
    dependencies: (e) => e.dependencies ?? [],
  },
  MessageEffect: {
    message: (e) => e.message ?? "",
    dependencies: (e) => e.dependencies ?? [],
  },
  CustomEffect: {
    hook: (e) => e.hook ?? "",
    ward: (e) => e.ward ?? "",
    dependencies: (e) => e.dependencies ?? [],
  },
  CustomAssignWidget: {
    hook: (w) => w.hook ?? "",
    ward: (w) => w.ward ?? "",
  },
  CustomReturnWidget: {
    hook: (w) => w.hook ?? "",
    ward: (w) => w.ward ?? "",
  },
  PortGroup: {
    ports: (g) => g.ports ?? [],
  },
  Choice: {
    value: (p) => choiceValue(p.value),
    label: (p) => String(p.label ?? choiceValue(p.value)),
  },
};
