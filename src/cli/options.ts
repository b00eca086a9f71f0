/** Option parsers shared by the commands, so a port or a duration means the same everywhere. */
import { InvalidArgumentError } from "commander";

/** A TCP port, 0..65535 (0 = any free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError("expected a port 0..65535 (0 = any free port)");
  return n;
}

/** A duration in milliseconds, >= 0. */
export function parseMilliseconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number of milliseconds >= 0");
  return n;
}

/** A duration in milliseconds, > 0. */
export function parsePositiveMilliseconds(value: string): number {
  const n = parseMilliseconds(value);
  if (n === 0) throw new InvalidArgumentError("expected a number of milliseconds > 0");
  return n;
}
