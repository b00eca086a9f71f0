/**
 * Checks of the inputs the areas store, and the conversions of their rows' columns to GraphQL
 * values. A refused input names its place in the arguments (`input.name: must not be empty`) and
 * says what to do.
 */
import type { Platform } from "../platform.js";
import { PlatformError } from "../platform.js";
import { parseId } from "../graphql/ids.js";
import type { AgentRow } from "../store/store.js";

/** A JSON object (not null, not a list): what stored or given JSON must be before its keys are read. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export const badInput = (path: string, what: string): PlatformError => new PlatformError(`${path}: ${what}`, "BAD_USER_INPUT");

/** Epoch milliseconds as the ISO text of a DateTime. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A stored JSON column as its value (written by our checks, so of the shape its GraphQL type declares). */
export const parsed = (text: string | null) => (text === null ? null : JSON.parse(text));

export class InputChecks {
  constructor(private readonly platform: Platform) {}

  /** A name (also keys, roles): not blank, at most `maxNameChars` characters. */
  name(value: string, path: string): string {
    const max = this.platform.options.maxNameChars;
    if (value.trim() === "") throw badInput(path, "must not be empty; give a name");
    if (value.length > max) throw badInput(path, `is ${value.length} characters, more than the server's maxNameChars (${max}); use a shorter name`);
    return value;
  }

  /** Free text (descriptions): at most `maxDescriptionChars` characters. */
  text<T extends string | null | undefined>(value: T, path: string): T {
    const max = this.platform.options.maxDescriptionChars;
    if (typeof value === "string" && value.length > max) {
      throw badInput(path, `is ${value.length} characters, more than the server's maxDescriptionChars (${max}); shorten it`);
    }
    return value;
  }

  /** A JSON value to store: within the platform's maxJsonDepth and maxFrameBytes; returns its text. */
  json(value: unknown, path: string): string {
    this.platform.checkStoredInput(value, path);
    return JSON.stringify(value ?? null);
  }

  /** A JSON object (an `Args` input). */
  object(value: unknown, path: string): string {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw badInput(path, "must be a JSON object (key to value)");
    return this.json(value, path);
  }

  /** The agent `id` of organisation `org`; NOT_FOUND otherwise (also another organisation's). */
  agent(org: string, id: unknown, path: string): AgentRow {
    const n = parseId(id);
    const agent = n === null ? undefined : this.platform.store.agent(n);
    if (!agent || agent.org !== org) throw new PlatformError(`${path}: Agent ${JSON.stringify(String(id).slice(0, 80))} not found in organisation "${org}"`, "NOT_FOUND");
    return agent;
  }
}
