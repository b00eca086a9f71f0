/**
 * What the sections of the platform core share: the agent link the sockets implement, the inputs of
 * the core operations and the small rules every section applies (ids, progress, stored definitions).
 */
import type { Choice, Port } from "../../definition/model.js";
import { encodeCancel, encodeInterrupt, encodePause, encodeResume, type TaskEventKind } from "../../protocol/index.js";
import type { Identity } from "../auth.js";
import type { ActionRow } from "../store/store.js";

export interface AgentLink {
  readonly connectionId: string;
  readonly agentId: number;
  readonly identity: Identity;
  readonly epoch: number;
  /** Sends one frame, as written by the protocol's encoders (protocol/frames.ts). */
  send(frame: string): void;
  close(code: number, reason: string): void;
  /** Highest outbox id already sent on this connection. */
  lastOutboxId: number;
  /** True while much is waiting unsent on the socket: the outbox pauses (see `whenDrained`). */
  backlogged?(): boolean;
  /** Calls `fn` once the socket has sent what was waiting. */
  whenDrained?(fn: () => void): void;
  /** Writes the frames sent so far now rather than at the end of the event loop's turn. */
  flushWrites?(): void;
}

export type ControlKind = "CANCEL" | "INTERRUPT" | "PAUSE" | "RESUME";
export const CONTROL_EVENT: Record<ControlKind, TaskEventKind> = {
  CANCEL: "CANCELLING",
  INTERRUPT: "INTERRUPTING",
  PAUSE: "PAUSING",
  RESUME: "RESUMING",
};

export interface AssignInput {
  action?: string | null;
  implementation?: string | null;
  agent?: string | null;
  actionHash?: string | null;
  interface?: string | null;
  dependency?: string | null;
  method?: string | null;
  resolution?: string | null;
  dependencies?: unknown;
  args?: unknown;
  reference?: string | null;
  parent?: string | null;
  capture?: boolean | null;
  ephemeral?: boolean | null;
  step?: boolean | null;
}

/** A port as an agent declares it (checked structurally here; the stored definition is read back as `Port`). */
export interface PortInputLike {
  key: string;
  kind: string;
  children?: readonly PortInputLike[] | null;
  [extra: string]: unknown;
}

export interface DefinitionInputLike {
  key: string;
  version?: string | null;
  name: string;
  kind: string;
  description?: string | null;
  collections?: readonly string[] | null;
  stateful?: boolean | null;
  pure?: boolean | null;
  idempotent?: boolean | null;
  isDev?: boolean | null;
  portGroups?: readonly unknown[] | null;
  args?: readonly PortInputLike[] | null;
  returns?: readonly PortInputLike[] | null;
  isTestFor?: readonly unknown[] | null;
  /** `custom:svg-paths` or a lucide icon name, as the agent declared it. */
  logo?: string | null;
  interfaces?: readonly string[] | null;
  [extra: string]: unknown;
}

/** A choice of a stored port (its value is any JSON; GraphQL serves it as a string). */
export type StoredChoice = Choice;

/** A port group of a stored definition (PortGroupInput as the agent sent it). */
export interface StoredPortGroup {
  key: string;
  title?: string | null;
  description?: string | null;
  ports?: string[] | null;
  effects?: unknown[] | null;
}

/** A definition as stored in `action.definition` (JSON): what upsertImplementation wrote (logo and interfaces since issue 15). */
export interface StoredDefinition {
  key: string;
  version: string;
  name: string;
  kind: string;
  description: string | null;
  collections: string[];
  stateful: boolean;
  pure: boolean;
  idempotent: boolean;
  isDev: boolean;
  portGroups: StoredPortGroup[];
  args: Port[];
  returns: Port[];
  isTestFor: unknown[];
  logo?: string | null;
  interfaces?: string[];
}

export interface ImplementationInputLike {
  definition: DefinitionInputLike;
  interface?: string | null;
  params?: unknown;
  effect?: string | null;
  needsToken?: boolean | null;
  dependencies?: readonly unknown[] | null;
  /** The provenance token's audience the implementation asks for (stored, served as `Implementation.provenanceAudience`). */
  provenanceAudience?: readonly string[] | null;
  [extra: string]: unknown;
}

export function toId(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (!/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/** The longest auto_interrupt a timer can hold (setTimeout takes at most 2^31 - 1 ms, about 24.8 days). */
export const MAX_AUTO_INTERRUPT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Room left in an ASSIGN frame for everything but args and reference (ids, hash, interface, user, org). */
export const ASSIGN_FRAME_OVERHEAD = 2048;

/** Close code of an agent socket whose reports could not be stored: it reconnects and resends what it holds. */
export const STORE_FAILED_CLOSE = 1011;

/** The frame of a control message the outbox keeps until the agent answers it. */
export function controlFrame(kind: ControlKind, task: string, step: boolean): string {
  switch (kind) {
    case "CANCEL":
      return encodeCancel({ task });
    case "INTERRUPT":
      return encodeInterrupt({ task });
    case "PAUSE":
      return encodePause({ task });
    case "RESUME":
      return encodeResume({ task, step });
  }
}

/** PROGRESS is a percentage (GraphQL `Int`): rounded and clamped to 0..100; anything else is no progress. */
export function clampProgress(progress: unknown): number | null {
  if (typeof progress !== "number" || !Number.isFinite(progress)) return null;
  return Math.max(0, Math.min(100, Math.round(progress)));
}

/** Parsed definitions per action row (rows are cached by the store, so each is parsed once). */
const DEFINITIONS = new WeakMap<ActionRow, { text: string; parsed: StoredDefinition }>();

/** Ports as stored: the definition's `args`/`returns` JSON. Shared between callers: read it, never change it. */
export function definitionOf(action: ActionRow): StoredDefinition {
  const known = DEFINITIONS.get(action);
  if (known && known.text === action.definition) return known.parsed;
  const parsed = JSON.parse(action.definition) as StoredDefinition;
  DEFINITIONS.set(action, { text: action.definition, parsed });
  return parsed;
}
