/**
 * One log line per finished task, as `run dev` and `run prod` print them: `task <id> <key>
 * <STATUS> <ms> ms`, then, for a FAILED or CRITICAL task, its error indented (the stack of a
 * CRITICAL one where `withStack`: in dev mode).
 */
import type { Registry, TaskEnd } from "../index.js";

export function taskEndLines(end: TaskEnd, registry: Registry, withStack: boolean): string {
  const key = end.interface === undefined ? "(unknown action)" : (registry.entries[end.interface]?.implementation.definition.key ?? end.interface);
  let text = `task ${end.task} ${key} ${end.status} ${Math.round(end.durationMs)} ms\n`;
  const error = (withStack ? end.stack : undefined) ?? end.error;
  if (error && (end.status === "CRITICAL" || end.status === "FAILED")) text += `${error.replace(/^/gm, "    ")}\n`;
  return text;
}
