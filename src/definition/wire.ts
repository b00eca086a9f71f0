/**
 * A dynamic validator of values in their wire format against ports
 * (shared/spec/definitions-and-values.md, "Values on the wire"). Used by the embedded server to
 * refuse bad `assign` args before a task exists; the agent validates again with generated zod.
 * It checks shape only and never rewrites values: defaults are applied by the agent.
 */
import type { Port } from "./model.js";

export type WireValidation = { ok: true } | { ok: false; port: string; message: string };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function fail(port: string, message: string): WireValidation {
  return { ok: false, port, message: `port "${port}": ${message}` };
}

/** Validates `args` (an object keyed by port key) against `ports`. The first problem is reported. */
export function validateWireArgs(ports: readonly Port[], args: unknown): WireValidation {
  if (!isPlainObject(args)) return { ok: false, port: "", message: `args must be an object keyed by port key, got ${describe(args)}` };
  return validateFields(ports, args, "", new Set());
}

function validateFields(ports: readonly Port[], value: Record<string, unknown>, prefix: string, allowExtra: Set<string>): WireValidation {
  const known = new Set(ports.map((p) => p.key));
  for (const key of Object.keys(value)) {
    if (!known.has(key) && !allowExtra.has(key)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const expected = ports.length > 0 ? `expected one of ${ports.map((p) => p.key).join(", ")}` : "this action takes no args";
      return fail(path, `unknown port (${expected})`);
    }
  }
  for (const port of ports) {
    const path = prefix ? `${prefix}.${port.key}` : port.key;
    const result = validatePortValue(port, value[port.key], path, !(port.key in value));
    if (!result.ok) return result;
  }
  return { ok: true };
}

/** Validates one value against one port. `missing` means the key was absent. */
export function validatePortValue(port: Port, value: unknown, path: string = port.key, missing = false): WireValidation {
  const hasDefault = port.default !== undefined && port.default !== null;
  if (value === undefined || value === null) {
    if (port.nullable || hasDefault) return { ok: true };
    return fail(path, missing ? `missing value (the port is not nullable and has no default)` : `null is not allowed (the port is not nullable)`);
  }
  const children = port.children ?? [];
  const choices = port.choices ?? [];
  if (choices.length > 0 && port.kind !== "ENUM" && port.kind !== "LIST" && port.kind !== "DICT" && (typeof value !== "object" || value === null)) {
    // choices restrict scalar ports too (a STRING with choices is a closed set)
    if (!choices.some((c) => c.value === value)) {
      return fail(path, `${describe(value)} is not one of the choices ${choices.map((c) => JSON.stringify(c.value)).join(", ")}`);
    }
  }
  switch (port.kind) {
    case "INT":
      return typeof value === "number" && Number.isInteger(value) ? { ok: true } : fail(path, `expected an integer, got ${describe(value)}`);
    case "FLOAT":
    case "QUANTITY":
      return typeof value === "number" && Number.isFinite(value) ? { ok: true } : fail(path, `expected a number, got ${describe(value)}`);
    case "BOOL":
      return typeof value === "boolean" ? { ok: true } : fail(path, `expected a boolean, got ${describe(value)}`);
    case "STRING":
      return typeof value === "string" ? { ok: true } : fail(path, `expected a string, got ${describe(value)}`);
    case "DATE":
      return typeof value === "string" && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? { ok: true }
        : fail(path, `expected an ISO-8601 date string, got ${describe(value)}`);
    case "ENUM": {
      const choices = port.choices ?? [];
      if (choices.length === 0) return typeof value === "string" ? { ok: true } : fail(path, `expected a choice value, got ${describe(value)}`);
      if (choices.some((c) => c.value === value)) return { ok: true };
      return fail(path, `${describe(value)} is not one of the choices ${choices.map((c) => JSON.stringify(c.value)).join(", ")}`);
    }
    case "LIST": {
      if (!Array.isArray(value)) return fail(path, `expected a list, got ${describe(value)}`);
      const child = children[0];
      if (!child) return { ok: true };
      for (let i = 0; i < value.length; i++) {
        const r = validatePortValue({ ...child, nullable: child.nullable }, value[i], `${path}[${i}]`);
        if (!r.ok) return r;
      }
      return { ok: true };
    }
    case "DICT": {
      if (!isPlainObject(value)) return fail(path, `expected an object (dict), got ${describe(value)}`);
      const child = children[0];
      if (!child) return { ok: true };
      for (const [key, item] of Object.entries(value)) {
        const r = validatePortValue(child, item, `${path}.${key}`);
        if (!r.ok) return r;
      }
      return { ok: true };
    }
    case "UNION": {
      if (!isPlainObject(value) || !("__use" in value)) {
        return fail(path, `expected a union value {"__use": <child index>, "__value": ...}, got ${describe(value)}`);
      }
      const use = value.__use;
      const index = typeof use === "string" && /^\d+$/.test(use) ? Number(use) : use;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= children.length) {
        return fail(path, `"__use" must be a child index 0..${children.length - 1}, got ${describe(use)}`);
      }
      for (const key of Object.keys(value)) {
        if (key !== "__use" && key !== "__value") return fail(path, `unknown key ${JSON.stringify(key)} in a union value`);
      }
      return validatePortValue(children[index]!, value.__value, `${path}<${index}>`);
    }
    case "MODEL": {
      if (!isPlainObject(value)) return fail(path, `expected an object (model), got ${describe(value)}`);
      return validateFields(children, value, path, new Set(["__identifier"]));
    }
    case "MEMORY_STRUCTURE":
      return typeof value === "string" || (isPlainObject(value) && typeof value.object === "string")
        ? { ok: true }
        : fail(path, `expected a memory structure reference, got ${describe(value)}`);
    case "STRUCTURE": {
      if (isPlainObject(value) && typeof value.object === "string") {
        for (const key of Object.keys(value)) {
          if (key !== "object" && key !== "__identifier") return fail(path, `unknown key ${JSON.stringify(key)} in a structure reference`);
        }
        return { ok: true };
      }
      return fail(path, `expected a structure reference {"__identifier": ..., "object": "<reference>"}, got ${describe(value)}`);
    }
    case "INTERFACE":
      return { ok: true };
    default:
      return { ok: true };
  }
}
