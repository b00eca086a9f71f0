/**
 * The Definition and Port model: the platform's `DefinitionInput`, `ArgPortInput`/`ReturnPortInput`,
 * `ChoiceInput` and `ImplementationInput`, field for field (see docs/spec/platform-api.md).
 *
 * Only fields that the platform's current (HEAD) server accepts are modelled: `package`, `tests`,
 * `interfaces`, `logo` (definition) and `dynamic`, `logo` (implementation) were removed there.
 * This folder imports nothing else of ours: it is shared vocabulary.
 */
import { z } from "zod";

export const PORT_KINDS = [
  "INT",
  "STRING",
  "STRUCTURE",
  "LIST",
  "BOOL",
  "DICT",
  "FLOAT",
  "DATE",
  "UNION",
  "ENUM",
  "MODEL",
  "MEMORY_STRUCTURE",
  "INTERFACE",
  "QUANTITY",
] as const;
export type PortKind = (typeof PORT_KINDS)[number];

export const ACTION_KINDS = ["FUNCTION", "GENERATOR"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const EFFECT_CLASSES = ["NONE", "PHYSICAL"] as const;
export type EffectClass = (typeof EFFECT_CLASSES)[number];

/** A JSON value, as the `AnyDefault` scalar carries it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);

/** `ChoiceInput`: one allowed value of an ENUM port. */
export interface Choice {
  value: JsonValue;
  label: string;
  description?: string | null;
  image?: string | null;
}

export const choiceSchema = z.strictObject({
  value: jsonValueSchema,
  label: z.string(),
  description: z.string().nullable().optional(),
  image: z.string().nullable().optional(),
});

/**
 * `AssignWidgetInput` (arg ports) or `ReturnWidgetInput` (return ports), with the fields the
 * generator writes: SLIDER (`min`, `max`, `step`), STRING (`asParagraph`, `placeholder`) and
 * CHOICE (`choices`). Other kinds (SEARCH, CUSTOM, PROXY, STATE_CHOICE) may arrive from other
 * clients; their fields are kept as they came (`[field: string]: unknown`).
 */
export interface Widget {
  kind: string;
  min?: number | null;
  max?: number | null;
  step?: number | null;
  placeholder?: string | null;
  asParagraph?: boolean | null;
  choices?: Choice[] | null;
}

export const widgetSchema = z.strictObject({
  kind: z.enum(["SLIDER", "STRING", "CHOICE"]),
  min: z.number().nullable().optional(),
  max: z.number().nullable().optional(),
  step: z.number().nullable().optional(),
  placeholder: z.string().nullable().optional(),
  asParagraph: z.boolean().nullable().optional(),
  choices: z.array(choiceSchema).nullable().optional(),
});

/**
 * `ValidatorInput`: a JavaScript function source the platform's UI evaluates with the port's value
 * and the values of `dependencies` (`(v, d0, d1) => boolean`, true when valid). The generator
 * renders them from declarative forms (hints.ts); our checkers read those forms back from the
 * source and never evaluate it.
 */
export interface Validator {
  function: string;
  dependencies?: string[] | null;
  label?: string | null;
  errorMessage?: string | null;
}

export const validatorSchema = z.strictObject({
  function: z.string().min(1),
  dependencies: z.array(z.string()).nullable().optional(),
  label: z.string().nullable().optional(),
  errorMessage: z.string().nullable().optional(),
});

/** `EffectInput`: HIDE a port while `function(v, ...dependencies)` is true (hints.ts renders them). */
export interface Effect {
  kind: string;
  function: string;
  dependencies?: string[] | null;
  message?: string | null;
  fade?: boolean | null;
}

export const effectSchema = z.strictObject({
  kind: z.enum(["HIDE"]),
  function: z.string().min(1),
  dependencies: z.array(z.string()).nullable().optional(),
  message: z.string().nullable().optional(),
  fade: z.boolean().nullable().optional(),
});

/** `PortGroupInput`: arg ports shown together as a section. */
export interface PortGroup {
  key: string;
  title?: string | null;
  description?: string | null;
  effects?: Effect[] | null;
  ports: string[];
}

export const portGroupSchema = z.strictObject({
  key: z.string().min(1),
  title: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  effects: z.array(effectSchema).nullable().optional(),
  ports: z.array(z.string()),
});

/**
 * A port: `ArgPortInput` / `ReturnPortInput` (they differ in the widget's type and in
 * requires/provides, which the generator does not produce). Optional fields are omitted from the
 * manifest when unset.
 */
export interface Port {
  key: string;
  kind: PortKind;
  label?: string | null;
  description?: string | null;
  identifier?: string | null;
  nullable: boolean;
  default?: JsonValue;
  choices?: Choice[] | null;
  children?: Port[] | null;
  /** Form hint: how the platform's UI draws the port (also bounds the value: hints.ts). */
  widget?: Widget | null;
  /** Checked by every side (hints.ts reads the declarative form back from each function). */
  validators?: Validator[] | null;
  /** For the UI only: hide the port depending on other ports' values. */
  effects?: Effect[] | null;
}

export const portSchema: z.ZodType<Port> = z.lazy(() =>
  z.strictObject({
    key: z.string().min(1),
    kind: z.enum(PORT_KINDS),
    label: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
    identifier: z.string().nullable().optional(),
    nullable: z.boolean(),
    default: jsonValueSchema.optional(),
    choices: z.array(choiceSchema).nullable().optional(),
    children: z.array(portSchema).nullable().optional(),
    widget: widgetSchema.nullable().optional(),
    validators: z.array(validatorSchema).nullable().optional(),
    effects: z.array(effectSchema).nullable().optional(),
  }),
);

/** `TestTargetInput`: an action this definition tests, by hash, or by key (+ app, version). */
export interface TestTarget {
  hash?: string;
  app?: string;
  key?: string;
  version?: string;
}

export const testTargetSchema = z.strictObject({
  hash: z.string().min(1).optional(),
  app: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
});

/**
 * `ActionDemandInput`: what the action bound to a slot of a dependency must be. Only the criteria
 * written are sent (port matches and protocols are not modelled).
 */
export interface ActionDemand {
  hash?: string;
  key?: string;
  app?: string;
  version?: string;
  name?: string;
  pure?: boolean;
  idempotent?: boolean;
  stateful?: boolean;
  forceArgLength?: number;
  forceReturnLength?: number;
}

export const actionDemandSchema = z.strictObject({
  hash: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  app: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  pure: z.boolean().optional(),
  idempotent: z.boolean().optional(),
  stateful: z.boolean().optional(),
  forceArgLength: z.number().int().nonnegative().optional(),
  forceReturnLength: z.number().int().nonnegative().optional(),
});

/** `ActionDependencyInput`: one slot of a dependency; its `key` is the `method` callers name. */
export interface ActionDependency {
  key: string;
  description?: string;
  demand: ActionDemand;
  optional: boolean;
}

export const actionDependencySchema = z.strictObject({
  key: z.string().min(1),
  description: z.string().optional(),
  demand: actionDemandSchema,
  optional: z.boolean(),
});

/**
 * `AgentDependencyInput`: another agent this implementation calls (its `key` is the `dependency`
 * callers name), filtered by app and version, with the action slots it must offer.
 */
export interface AgentDependency {
  key: string;
  app?: string;
  version?: string;
  description?: string;
  optional: boolean;
  actionDependencies: ActionDependency[];
  autoResolvable: boolean;
  minViableInstances?: number;
  maxViableInstances?: number;
  preferedInstances?: number;
}

export const agentDependencySchema = z.strictObject({
  key: z.string().min(1),
  app: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  description: z.string().optional(),
  optional: z.boolean(),
  actionDependencies: z.array(actionDependencySchema),
  autoResolvable: z.boolean(),
  minViableInstances: z.number().int().nonnegative().optional(),
  maxViableInstances: z.number().int().nonnegative().optional(),
  preferedInstances: z.number().int().nonnegative().optional(),
});

/** `DefinitionInput` as the platform's current server accepts it. */
export interface Definition {
  key: string;
  version: string;
  name: string;
  kind: ActionKind;
  description?: string | null;
  collections: string[];
  stateful: boolean;
  pure: boolean;
  idempotent: boolean;
  isDev: boolean;
  portGroups: PortGroup[];
  args: Port[];
  returns: Port[];
  /** The actions this one tests (`TestTargetInput`s); empty unless `register(fn, { isTestFor })`. */
  isTestFor: TestTarget[];
}

export const definitionSchema = z.strictObject({
  key: z.string().min(1),
  version: z.string().min(1),
  name: z.string().min(1),
  kind: z.enum(ACTION_KINDS),
  description: z.string().nullable().optional(),
  collections: z.array(z.string()),
  stateful: z.boolean(),
  pure: z.boolean(),
  idempotent: z.boolean(),
  isDev: z.boolean(),
  portGroups: z.array(portGroupSchema),
  args: z.array(portSchema),
  returns: z.array(portSchema),
  isTestFor: z.array(testTargetSchema),
});

/** `ImplementationInput`: a definition plus how this agent implements it. */
export interface Implementation {
  interface: string;
  definition: Definition;
  effect: EffectClass;
  needsToken: boolean;
  /** The agents (and their actions) this implementation calls; empty unless `register(fn, { dependencies })`. */
  dependencies: AgentDependency[];
  // --- issue 16, locks and per-function concurrency (H2) ---
  /** `ImplementationInput.locks`: resources a task holds while it runs (tasks sharing one never overlap). Absent when none. */
  locks?: string[];
  /** `ImplementationInput.params`: how this agent runs the implementation. Absent when nothing is set. */
  params?: ImplementationParams;
}

/** What the agent reads from `Implementation.params` (issue 16). */
export interface ImplementationParams {
  /** At most this many tasks of the function run at once, on top of the agent-wide limit. */
  concurrency?: number;
}

export const implementationSchema = z.strictObject({
  interface: z.string().min(1),
  definition: definitionSchema,
  effect: z.enum(EFFECT_CLASSES),
  needsToken: z.boolean(),
  dependencies: z.array(agentDependencySchema),
  // issue 16 (H2)
  locks: z.array(z.string().min(1)).optional(),
  params: z.strictObject({ concurrency: z.number().int().positive().optional() }).optional(),
});

/** The content of `generated/definitions.json`. */
export const manifestSchema = z.array(implementationSchema);
export type Manifest = Implementation[];
