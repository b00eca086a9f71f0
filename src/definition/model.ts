/**
 * The Definition and Port model: the platform's `DefinitionInput`, `ArgPortInput`/`ReturnPortInput`,
 * `ChoiceInput` and `ImplementationInput`, field for field (see ../../../shared/spec/platform-api.md).
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
 * A port: `ArgPortInput` / `ReturnPortInput` (the two differ only in widget/requires/provides,
 * which the generator does not produce). Optional fields are omitted from the manifest when unset.
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
  }),
);

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
  portGroups: never[];
  args: Port[];
  returns: Port[];
  isTestFor: never[];
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
  portGroups: z.array(z.never()),
  args: z.array(portSchema),
  returns: z.array(portSchema),
  isTestFor: z.array(z.never()),
});

/** `ImplementationInput`: a definition plus how this agent implements it. */
export interface Implementation {
  interface: string;
  definition: Definition;
  effect: EffectClass;
  needsToken: boolean;
  dependencies: never[];
}

export const implementationSchema = z.strictObject({
  interface: z.string().min(1),
  definition: definitionSchema,
  effect: z.enum(EFFECT_CLASSES),
  needsToken: z.boolean(),
  dependencies: z.array(z.never()),
});

/** The content of `generated/definitions.json`. */
export const manifestSchema = z.array(implementationSchema);
export type Manifest = Implementation[];
