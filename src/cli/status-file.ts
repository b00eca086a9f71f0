/**
 * The status file `run prod` keeps fresh (default `.arkitekt/status.json` in the app folder), and
 * the check `arkitekt-next health` makes of it (the Docker HEALTHCHECK): healthy means the file
 * says `serving` (the agent socket is registered with the platform), was rewritten within
 * `maxAgeMs`, and names a process that is alive.
 *
 * ```json
 * { "state": "serving", "pid": 7, "updatedAt": "2025-01-01T12:00:00.000Z", "url": "http://...", "agentId": "3" }
 * ```
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export const DEFAULT_STATUS_FILE = ".arkitekt/status.json";
/** How often `run prod` rewrites the status file, in ms. */
export const DEFAULT_STATUS_INTERVAL_MS = 5_000;
/** `health` accepts a status file at most this old, in ms (three missed refreshes). */
export const DEFAULT_HEALTH_MAX_AGE_MS = 3 * DEFAULT_STATUS_INTERVAL_MS;

export type AgentState = "connecting" | "serving" | "stopping" | "stopped";

export interface AgentStatus {
  state: AgentState;
  pid: number;
  /** ISO time of the last write. */
  updatedAt: string;
  url?: string;
  agentId?: string;
  /** Why the agent is not serving, when it knows. */
  detail?: string;
}

/** Writes the file whole (a temporary file renamed over it), so a reader never sees half of it. */
export async function writeStatus(file: string, status: Omit<AgentStatus, "pid" | "updatedAt">): Promise<void> {
  const full: AgentStatus = { ...status, pid: process.pid, updatedAt: new Date().toISOString() };
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(full, null, 2)}\n`);
  await rename(temporary, file);
}

export interface Health {
  healthy: boolean;
  /** One line: what the file says, or why it is not healthy. */
  reason: string;
  status?: AgentStatus;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** The pid of another live process that keeps `file` (its state is not "stopped"), if one does. */
export async function otherKeeper(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const status = JSON.parse(text) as Partial<AgentStatus>;
    if (typeof status.pid !== "number" || status.pid === process.pid || status.state === "stopped") return undefined;
    return alive(status.pid) ? status.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and judges the status file at `file`. */
export async function checkHealth(file: string, maxAgeMs: number, now = Date.now()): Promise<Health> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return { healthy: false, reason: `no status file at ${file} (is \`arkitekt-next run prod\` running here?)` };
  let status: AgentStatus;
  try {
    status = JSON.parse(text) as AgentStatus;
    if (typeof status.state !== "string" || typeof status.updatedAt !== "string" || typeof status.pid !== "number") throw new Error("fields");
  } catch {
    return { healthy: false, reason: `${file} is not a status file written by \`arkitekt-next run prod\`` };
  }
  const age = now - Date.parse(status.updatedAt);
  if (!Number.isFinite(age) || age > maxAgeMs) {
    return { healthy: false, status, reason: `${file} was last written ${Math.round(age)} ms ago (more than ${maxAgeMs} ms): the agent process hangs or stopped` };
  }
  if (!alive(status.pid)) return { healthy: false, status, reason: `the process ${status.pid} that wrote ${file} is not running` };
  if (status.state !== "serving") {
    return { healthy: false, status, reason: `the agent is ${status.state}${status.detail ? ` (${status.detail})` : ""}` };
  }
  return { healthy: true, status, reason: `serving${status.agentId ? ` as agent ${status.agentId}` : ""}${status.url ? ` on ${status.url}` : ""}` };
}
