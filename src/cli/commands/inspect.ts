/**
 * `arkitekt-next inspect [agents|actions|tasks]`: what the platform knows, read through the
 * generated GraphQL client (graphql/rekuest/inspect.graphql): the agents (connected, active, app,
 * instance), the actions with a table of their ports, the most recent tasks with their status.
 * `--json` prints the same as one JSON document; `--config` prints which URL and token would be
 * used and where each comes from (the token masked), without connecting.
 */
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { UserError } from "../errors.js";
import { DEFAULT_DATA_DIR, LOGIN_HELP, configuredEndpoint, platformUserError, requireEndpoint, type ConfiguredEndpoint, type Endpoint } from "../endpoint.js";
import { ACTION_NAMING_HELP } from "./call.js";
import type { InspectActionsQuery, InspectAgentsQuery, RecentTasksQuery } from "../../../generated/api/rekuest.js";

export interface InspectCommandOptions {
  url?: string;
  token?: string;
  /** `--redeem-token`: log in to a deployment without a browser. */
  redeemToken?: string;
  /** `--headless`: print the approval URL instead of opening a browser. */
  headless?: boolean;
  cwd?: string;
  data: string;
  json?: boolean;
  config?: boolean;
  limit: number;
}

/** What `inspect` can show; all of them by default. */
export const INSPECT_SECTIONS = ["agents", "actions", "tasks"] as const;
export type InspectSection = (typeof INSPECT_SECTIONS)[number];

/** Default of `--limit`: how many of the most recent tasks are listed. */
export const DEFAULT_TASK_LIMIT = 10;

type AgentRow = InspectAgentsQuery["agents"][number];
type ActionRow = InspectActionsQuery["actions"][number];
type TaskRow = RecentTasksQuery["tasks"][number];

/** A port as the platform serves it (args and returns, with children to the depth the fragments select). */
interface PortLike {
  key: string;
  label?: string | null;
  kind: string;
  description?: string | null;
  identifier?: string | null;
  nullable: boolean;
  default?: unknown;
  choices?: ReadonlyArray<{ label: string; value: string }> | null;
  children?: ReadonlyArray<PortLike> | null;
}

export interface PortSummary {
  key: string;
  label: string | null;
  /** The port's type in one expression: `INT`, `LIST<STRUCTURE @example/image>`, `ENUM(Above|Below)` ... */
  type: string;
  nullable: boolean;
  /** The default (args only), absent when there is none. */
  default?: unknown;
  description: string | null;
}

export interface InspectReport {
  platform: { url: string; urlFrom: string; tokenFrom: string };
  agents?: Array<{
    id: string;
    name: string;
    app: string;
    version: string;
    /** The client (app instance) the agent runs as. */
    instance: string;
    kind: string;
    connected: boolean;
    active: boolean;
    blocked: boolean;
    lastSeen: string | null;
  }>;
  actions?: Array<{
    id: string;
    key: string;
    app: string;
    version: string;
    hash: string;
    kind: string;
    name: string;
    description: string | null;
    /**
     * Who serves it: one entry per implementation. `locks` and `concurrency` (issue 16) are shown for
     * the implementations of the app in --cwd, read from its generated/definitions.json (the
     * platform keeps no field for them).
     */
    servedBy: Array<{ implementation: string; interface: string; agent: string; active: boolean; locks?: string[]; concurrency?: number }>;
    args: PortSummary[];
    returns: PortSummary[];
  }>;
  tasks?: Array<{
    id: string;
    action: string;
    status: string;
    isDone: boolean;
    agent: string | null;
    parent: string | null;
    createdAt: string;
    finishedAt: string | null;
  }>;
}

/** The type of a port in one expression, children included. */
export function portType(port: PortLike): string {
  const children = port.children ?? [];
  switch (port.kind) {
    case "STRUCTURE":
    case "MEMORY_STRUCTURE":
      return port.identifier ? `${port.kind} ${port.identifier}` : port.kind;
    case "LIST":
    case "DICT":
      return `${port.kind}<${children[0] ? portType(children[0]) : "?"}>`;
    case "UNION":
      return `UNION<${children.map(portType).join(" | ") || "?"}>`;
    case "MODEL":
      return `MODEL${port.identifier ? ` ${port.identifier}` : ""}{${children.map((c) => `${c.key}: ${portType(c)}`).join(", ")}}`;
    case "ENUM":
      return port.choices?.length ? `ENUM(${port.choices.map((c) => c.label).join("|")})` : "ENUM";
    default:
      return port.kind;
  }
}

function summarizePort(port: PortLike, withDefault: boolean): PortSummary {
  const summary: PortSummary = { key: port.key, label: port.label ?? null, type: portType(port), nullable: port.nullable, description: port.description ?? null };
  if (withDefault && port.default !== undefined && port.default !== null) summary.default = port.default;
  return summary;
}

/** `inspect --config`'s answer, as text or JSON. */
function renderConfig(configured: ConfiguredEndpoint, json: boolean): string {
  const config = configured.login
    ? {
        url: configured.url,
        urlFrom: configured.urlFrom,
        token: null,
        tokenFrom: "a fakts login of this deployment, which the other commands run (--config does not)",
        claimCache: configured.claimCache,
        claimCached: configured.claimCached,
      }
    : {
        url: configured.config.url,
        urlFrom: configured.config.urlFrom,
        token: typeof configured.config.token === "string" ? maskToken(configured.config.token) : "(access tokens of a fakts login, fetched as needed)",
        tokenFrom: configured.config.tokenFrom,
      };
  if (json) return `${JSON.stringify(config, null, 2)}\n`;
  const claim = "claimCache" in config ? `claim  ${config.claimCache} (${config.claimCached ? "cached: the login reuses it" : "none cached yet: the login asks for approval"})\n` : "";
  return `url    ${config.url}\n       from ${config.urlFrom}\ntoken  ${config.token ?? "none given"}\n       from ${config.tokenFrom}\n${claim}`;
}

/** Shows a token as its first 4 characters and its length, never more than a third of it. */
export function maskToken(token: string): string {
  const shown = token.length >= 12 ? token.slice(0, 4) : "";
  return `${shown}… (${token.length} characters)`;
}

/** Issue 16: the locks and concurrency of the app in `cwd`, by `<app identifier>#<interface>`; empty outside an app. */
export type LocalLimits = ReadonlyMap<string, { locks?: string[]; concurrency?: number }>;

/** Reads the app's arkitekt.json and generated/definitions.json (never its code); anything missing or unreadable gives no limits. */
export async function localLimits(cwd: string): Promise<LocalLimits> {
  const limits = new Map<string, { locks?: string[]; concurrency?: number }>();
  try {
    const { loadProjectConfig } = await import("../../codegen/config.js");
    const config = loadProjectConfig(cwd);
    if (!config.identifier) return limits;
    const { readFile } = await import("node:fs/promises");
    const manifest = JSON.parse(await readFile(resolve(cwd, config.functions?.out ?? "generated", "definitions.json"), "utf8")) as unknown;
    if (!Array.isArray(manifest)) return limits;
    for (const impl of manifest as Array<{ interface?: unknown; locks?: unknown; params?: { concurrency?: unknown } | null }>) {
      if (typeof impl?.interface !== "string") continue;
      const locks = Array.isArray(impl.locks) ? impl.locks.filter((l): l is string => typeof l === "string") : [];
      const concurrency = typeof impl.params?.concurrency === "number" ? impl.params.concurrency : undefined;
      if (locks.length === 0 && concurrency === undefined) continue;
      limits.set(`${config.identifier}#${impl.interface}`, { ...(locks.length > 0 ? { locks } : {}), ...(concurrency !== undefined ? { concurrency } : {}) });
    }
  } catch {
    // not an app directory, or not generated yet: the platform's view alone
  }
  return limits;
}

/** Reads what `sections` need from the platform at `endpoint`. */
export async function inspectPlatform(
  endpoint: Endpoint,
  sections: readonly InspectSection[],
  limit: number,
  local: LocalLimits = new Map(),
): Promise<InspectReport> {
  const [api, { createGraphQLClient, platformEndpoints }, { readAllPages }] = await Promise.all([
    import("../../../generated/api/rekuest.js"),
    import("../../runtime/transport/index.js"),
    import("../../runtime/transport/pages.js"),
  ]);
  const gql = createGraphQLClient({ url: platformEndpoints(endpoint.url).graphqlUrl, token: endpoint.token });
  const report: InspectReport = { platform: { url: endpoint.url, urlFrom: endpoint.urlFrom, tokenFrom: endpoint.tokenFrom } };
  try {
    const [agents, actions, tasks] = await Promise.all([
      sections.includes("agents")
        ? readAllPages((pagination) => api.inspectAgents(gql, { pagination }), { field: "Query.agents", keyOf: (a) => a.id })
        : undefined,
      sections.includes("actions")
        ? readAllPages(({ offset }) => api.inspectActions(gql, { offset }), { field: "Query.actions", keyOf: (a) => a.id })
        : undefined,
      sections.includes("tasks") ? api.recentTasks(gql, { limit }) : undefined,
    ]);
    if (agents) report.agents = agents.map(agentEntry);
    if (actions) report.actions = actions.map((action) => actionEntry(action, local)).sort((a, b) => a.app.localeCompare(b.app) || a.key.localeCompare(b.key) || a.version.localeCompare(b.version));
    if (tasks) report.tasks = tasks.map(taskEntry);
  } catch (error) {
    const failure = platformUserError(error, endpoint);
    if (failure) throw failure;
    throw new UserError(
      `the platform at ${endpoint.url} refused the inspect query: ${error instanceof Error ? error.message : String(error)}`,
      "check that the URL is an arkitekt platform (rekuest) and, for a --limit error, lower --limit",
    );
  } finally {
    await gql.close();
  }
  return report;
}

function agentEntry(agent: AgentRow): NonNullable<InspectReport["agents"]>[number] {
  return {
    id: agent.id,
    name: agent.name,
    app: agent.app.identifier,
    version: agent.release.version,
    instance: agent.client.clientId,
    kind: agent.kind,
    connected: agent.connected,
    active: agent.active,
    blocked: agent.blocked,
    lastSeen: (agent.lastSeen as string | null | undefined) ?? null,
  };
}

function actionEntry(action: ActionRow, local: LocalLimits): NonNullable<InspectReport["actions"]>[number] {
  return {
    id: action.id,
    key: action.key,
    app: action.app.identifier,
    version: action.version,
    hash: action.hash as string,
    kind: action.kind,
    name: action.name,
    description: action.description ?? null,
    servedBy: action.implementations.map((impl) => ({
      implementation: impl.id,
      interface: impl.interface,
      agent: impl.agent.name,
      active: impl.agent.active,
      ...local.get(`${action.app.identifier}#${impl.interface}`),
    })),
    args: (action.args as unknown as PortLike[]).map((port) => summarizePort(port, true)),
    returns: (action.returns as unknown as PortLike[]).map((port) => summarizePort(port, false)),
  };
}

function taskEntry(task: TaskRow): NonNullable<InspectReport["tasks"]>[number] {
  return {
    id: task.id,
    action: task.action.key,
    status: task.latestEventKind,
    isDone: task.isDone,
    agent: task.agent?.name ?? null,
    parent: task.parent?.id ?? null,
    createdAt: task.createdAt as string,
    finishedAt: (task.finishedAt as string | null | undefined) ?? null,
  };
}

/** Rows as columns separated by two spaces, each line indented by `indent`. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = "  "): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `${indent}${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

const yesNo = (value: boolean): string => (value ? "yes" : "no");

/** The report for people: one section per part, a port table per action. */
export function renderInspect(report: InspectReport, limit: number): string {
  const out: string[] = [`platform ${report.platform.url} (URL from ${report.platform.urlFrom}, token from ${report.platform.tokenFrom})`];
  if (report.agents) {
    out.push("", `Agents (${report.agents.length})`);
    if (report.agents.length === 0) out.push("  none: start one with `arkitekt-next run dev` in your app");
    else
      out.push(
        ...table(
          ["id", "name", "app", "version", "instance", "connected", "active", "last seen"],
          report.agents.map((a) => [a.id, a.name, a.app, a.version, a.instance, yesNo(a.connected), yesNo(a.active) + (a.blocked ? " (blocked)" : ""), a.lastSeen ?? "never"]),
        ),
      );
  }
  if (report.actions) {
    out.push("", `Actions (${report.actions.length})`);
    if (report.actions.length === 0) out.push("  none: an agent registers its app's functions when it connects");
    for (const action of report.actions) {
      out.push("", `  ${action.key}  ${action.hash.slice(0, 12)}  ${action.kind}  ${action.app}/${action.key}@${action.version}`);
      if (action.description) out.push(...action.description.split("\n").map((l) => `    ${l}`.trimEnd()));
      const served = action.servedBy.map((s) => `${s.agent} (${s.active ? "active" : "inactive"})`);
      out.push(`    served by: ${served.length > 0 ? served.join(", ") : "no agent"}`);
      // issue 16: locks and per-function concurrency of this app's implementations
      const limited = action.servedBy.find((s) => s.locks !== undefined || s.concurrency !== undefined);
      if (limited) {
        out.push(`    locks: ${limited.locks?.join(", ") ?? "none"}; concurrency: ${limited.concurrency !== undefined ? `at most ${limited.concurrency} at a time` : "the agent's limit"}`);
      }
      if (action.args.length === 0) out.push("    args: none");
      else {
        out.push("    args:");
        out.push(
          ...table(
            ["key", "type", "nullable", "default", "description"],
            action.args.map((p) => [p.key, p.type, yesNo(p.nullable), p.default === undefined ? "-" : JSON.stringify(p.default), p.description ?? ""]),
            "      ",
          ),
        );
      }
      if (action.returns.length === 0) out.push("    returns: none");
      else {
        out.push(action.kind === "GENERATOR" ? "    yields (each time):" : "    returns:");
        out.push(
          ...table(
            ["key", "type", "nullable", "description"],
            action.returns.map((p) => [p.key, p.type, yesNo(p.nullable), [p.label && p.label !== p.key ? `(${p.label})` : "", p.description ?? ""].filter(Boolean).join(" ")]),
            "      ",
          ),
        );
      }
    }
  }
  if (report.tasks) {
    out.push("", `Recent tasks (newest first, at most ${limit})`);
    if (report.tasks.length === 0) out.push("  none yet: `arkitekt-next call <action>` assigns one");
    else
      out.push(
        ...table(
          ["id", "action", "status", "agent", "created", "finished"],
          report.tasks.map((t) => [t.id, t.action, t.status, t.agent ?? "-", t.createdAt, t.finishedAt ?? "-"]),
        ),
      );
  }
  return `${out.join("\n")}\n`;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError("expected a whole number of tasks >= 1");
  return n;
}

function parseSection(value: string | undefined): readonly InspectSection[] {
  if (value === undefined) return INSPECT_SECTIONS;
  if ((INSPECT_SECTIONS as readonly string[]).includes(value)) return [value as InspectSection];
  throw new UserError(`inspect shows agents, actions or tasks, not "${value}"`, "run `arkitekt-next inspect` for all of them, or name one: inspect actions");
}

export function inspectCommand(): Command {
  return new Command("inspect")
    .description("show the platform's agents, actions (with their ports) and recent tasks")
    .argument("[what]", `one part only: ${INSPECT_SECTIONS.join(", ")} (default: all)`)
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL, else the dev server's <data>/dev-token.json)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN, else the dev server's, for its own URL only)")
    .option("--redeem-token <token>", "log in to a deployment with this redeem token, no browser (default: ARKITEKT_REDEEM_TOKEN; FAKTS_TOKEN gives a claim token directly)")
    .option("--headless", "print the approval URL of a deployment login instead of opening a browser (automatic without a TTY)")
    .option("--cwd <dir>", "the project directory whose dev server to use (default: the current directory)")
    .option("--data <dir>", "the dev server's data dir, relative to --cwd", DEFAULT_DATA_DIR)
    .option("--limit <n>", "how many of the most recent tasks to list", parseLimit, DEFAULT_TASK_LIMIT)
    .option("--json", "print one JSON document (platform, agents, actions with ports, tasks) instead of tables")
    .option("--config", "print the URL and token that would be used and where each comes from (token masked), without connecting")
    .addHelpText(
      "after",
      `
Examples:
  $ arkitekt-next inspect                       # in your app, with run dev running
  $ arkitekt-next inspect actions               # the actions, a port table each
  $ arkitekt-next inspect tasks --limit 50
  $ arkitekt-next inspect --json | jq '.actions[].key'
  $ arkitekt-next inspect --config              # which platform and token, without connecting
  $ ARKITEKT_URL=http://127.0.0.1:8080 ARKITEKT_TOKEN=... arkitekt-next inspect agents

In an app directory (--cwd), each action this app serves also shows its functions' locks and
concurrency (register(fn, { locks, concurrency })), read from generated/definitions.json.

Agents: "connected" means its socket is open; "active" that it was also seen within the platform's
liveness window; "instance" is the client (app instance) it runs as. Each action line shows its key,
hash prefix, kind and app/key@version, i.e. the names \`arkitekt-next call\` takes:

${ACTION_NAMING_HELP}

Where the URL and token come from, first hit wins: --url/--token, ARKITEKT_URL/ARKITEKT_TOKEN, the
dev server's <data>/dev-token.json (written by \`run dev\` or \`server\` at start).

${LOGIN_HELP}`,
    )
    .action(async (what: string | undefined, options: InspectCommandOptions) => {
      const sections = parseSection(what);
      const dataDir = resolve(options.cwd ?? process.cwd(), options.data);
      const flags = { url: options.url, token: options.token, redeemToken: options.redeemToken, headless: options.headless };
      const place = { cwd: resolve(options.cwd ?? process.cwd()) };
      if (options.config) {
        process.stdout.write(renderConfig(await configuredEndpoint(flags, dataDir, place), options.json === true));
        return;
      }
      const endpoint = await requireEndpoint(flags, dataDir, place);
      const report = await inspectPlatform(endpoint, sections, options.limit, await localLimits(resolve(options.cwd ?? process.cwd())));
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report, options.limit));
    });
}
