/**
 * `arkitekt-next call <action> [args]`: calls an action on the platform and prints its returns
 * (every yield for a generator). The action is named by its key (as `run dev` lists it), by
 * `app/key[@version]`, by its hash or a unique hash prefix, or by `implementation:<id>`; args are a
 * JSON object keyed by port (wire format, spec/definitions-and-values.md) or `key=value` pairs whose
 * values are read as JSON when they parse.
 */
import { resolve } from "node:path";
import { Command } from "commander";
import { parsePositiveMilliseconds } from "../options.js";
import { UserError } from "../errors.js";
import { isArkitektError } from "../../shared/errors.js";
import { cliLogger } from "../logger.js";
import { DEFAULT_DATA_DIR, platformUserError, requireEndpoint, type Endpoint } from "../endpoint.js";
import type { CallTarget } from "../../index.js";

export interface CallCommandOptions {
  url?: string;
  token?: string;
  data: string;
  cwd?: string;
  timeout?: number;
  interruptAfter?: number;
  stream?: boolean;
  verbose?: boolean;
}

/** How the user named the action; `key` and `hash-prefix` are looked up on the platform. */
export type TargetName =
  | { kind: "target"; target: CallTarget }
  | { kind: "key"; key: string }
  | { kind: "hash-prefix"; prefix: string };

/** Reads `implementation:<id>`, `app/key[@version]`, a hash or hash prefix, or a bare key. */
export function parseTarget(text: string): TargetName {
  if (text.startsWith("implementation:")) return { kind: "target", target: { implementation: text.slice("implementation:".length) } };
  const slash = text.indexOf("/");
  if (slash > 0) {
    const [key, version] = text.slice(slash + 1).split("@");
    if (!key) throw new UserError(`"${text}" names no action key`, "write app/key, e.g. arkitekt-next-dev/gradient");
    return { kind: "target", target: { app: text.slice(0, slash), key, ...(version ? { version } : {}) } };
  }
  if (/^[0-9a-f]{64}$/i.test(text)) return { kind: "target", target: { actionHash: text.toLowerCase() } };
  if (/^[0-9a-f]{6,63}$/i.test(text) && /\d/.test(text)) return { kind: "hash-prefix", prefix: text.toLowerCase() };
  if (/^[A-Za-z_][\w-]*$/.test(text)) return { kind: "key", key: text };
  throw new UserError(
    `cannot tell which action "${text}" names`,
    "name it by key or hash prefix (as `run dev` lists them), by app/key[@version], or by implementation:<id>",
  );
}

/**
 * Turns a key or hash prefix into an action hash, using the platform's action list. Any other
 * target is checked by one small query, so a wrong URL or token fails here at once (the call itself
 * would first wait for its subscription socket) as a user error naming it.
 */
export async function resolveTarget(name: TargetName, endpoint: Endpoint): Promise<CallTarget> {
  const [{ actions }, { createGraphQLClient, platformEndpoints }, { readAllPages }] = await Promise.all([
    import("../../../generated/api/rekuest.js"),
    import("../../runtime/transport/index.js"),
    import("../../runtime/transport/pages.js"),
  ]);
  const gql = createGraphQLClient({ url: platformEndpoints(endpoint.url).graphqlUrl, token: endpoint.token });
  let list: Awaited<ReturnType<typeof actions>>;
  try {
    // A key or hash prefix is looked up in every action (page by page: the platform serves a page at a time).
    list =
      name.kind === "target"
        ? await actions(gql, { pagination: { limit: 1 } })
        : await readAllPages((pagination) => actions(gql, { pagination }), { field: "Query.actions", keyOf: (action) => action.id });
  } catch (error) {
    throw platformUserError(error, endpoint) ?? error;
  } finally {
    await gql.close();
  }
  if (name.kind === "target") return name.target;
  const matches =
    name.kind === "key" ? list.filter((a) => a.key === name.key) : list.filter((a) => (a.hash as string).startsWith(name.prefix));
  const what = name.kind === "key" ? `the key "${name.key}"` : `a hash starting with ${name.prefix}`;
  if (matches.length === 1) return { actionHash: matches[0]!.hash as string };
  if (matches.length === 0) {
    const known = list.map((a) => a.key).sort().join(", ");
    throw new UserError(`the platform knows no action with ${what}`, known ? `known keys: ${known}` : "no actions are registered yet: start an agent with `arkitekt-next run dev`");
  }
  const options = matches.map((a) => `${(a.hash as string).slice(0, 12)} (${a.key}@${a.version})`).join(", ");
  throw new UserError(`${matches.length} actions have ${what}: ${options}`, "name one by a longer hash prefix or by app/key[@version]");
}

/** Reads args: one JSON object, or key=value pairs (values parsed as JSON when they parse, else strings). */
export function parseArgs(parts: string[]): Record<string, unknown> {
  if (parts.length === 1 && parts[0]!.trimStart().startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(parts[0]!);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`the args are not valid JSON: ${(error as Error).message}`, `quote them for the shell: '{"a": 1}'`);
    }
  }
  const args: Record<string, unknown> = {};
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new UserError(`"${part}" is not key=value`, "pass args as key=value pairs or as one JSON object");
    const raw = part.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a bare word is a string
    }
    args[part.slice(0, eq)] = value;
  }
  return args;
}

export function callCommand(): Command {
  return new Command("call")
    .description("call an action on the platform and print its returns")
    .argument("<action>", "action key or hash prefix (as `run dev` lists them), app/key[@version], or implementation:<id>")
    .argument("[args...]", "a JSON object, or key=value pairs (values read as JSON)")
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL, else the dev server's <data>/dev-token.json)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN, else the dev server's, for its own URL only)")
    .option("--cwd <dir>", "the project directory whose dev server to use (default: the current directory)")
    .option("--data <dir>", "the dev server's data dir, relative to --cwd", DEFAULT_DATA_DIR)
    .option("--timeout <ms>", "give up after this many milliseconds (the task is cancelled)", parsePositiveMilliseconds)
    .option(
      "--interrupt-after <ms>",
      "after Ctrl+C or --timeout cancelled the task, interrupt it when it has not stopped within this many milliseconds (off by default: agents without an INTERRUPT handler, like released Python agents, exit on one)",
      parsePositiveMilliseconds,
    )
    .option("--stream", "print every yield as it arrives (for generators)")
    .option("--verbose", "print task events as they arrive")
    .addHelpText(
      "after",
      `
Examples:
  $ arkitekt-next call gradient width=3 height=2                 # in examples/app, with run dev running
  $ arkitekt-next call arkitekt-next-dev/gradient '{"width": 3}'  # app/key: the app is the token's client_app
  $ arkitekt-next call 1bb783cdf4b8 width=3                       # a hash prefix from the run dev listing
  $ arkitekt-next call tile image='{"__identifier":"@example/image","object":"img-1"}' --stream

Values are the wire format: structures {"__identifier": ..., "object": <ref>}, enums by member name,
dates as ISO strings; a key=value value is read as JSON when it parses (quote strings that look like
numbers: name='"5"').`,
    )
    .action(async (action: string, argParts: string[], options: CallCommandOptions) => {
      const name = parseTarget(action);
      const args = parseArgs(argParts);
      const dataDir = resolve(options.cwd ?? process.cwd(), options.data);
      const endpoint = await requireEndpoint({ url: options.url, token: options.token }, dataDir);
      const target = await resolveTarget(name, endpoint);
      const logger = cliLogger("call", { verbose: options.verbose ?? false });
      const { createClient, TaskFailedError, AssignError, PlatformLostError } = await import("../../index.js");
      const client = createClient({ url: endpoint.url, token: endpoint.token, platformLostMs: 15_000 });
      // Ctrl+C cancels the remote task (and interrupts it with --interrupt-after) instead of leaving it running.
      const abort = new AbortController();
      const onSigint = (): void => {
        if (abort.signal.aborted) process.exit(130);
        logger.warn("cancelling the task (Ctrl+C again to leave it running)");
        abort.abort();
      };
      process.on("SIGINT", onSigint);
      const callOptions = {
        signal: abort.signal,
        ...(options.timeout ? { timeout: options.timeout } : {}),
        ...(options.interruptAfter ? { interruptAfterMs: options.interruptAfter } : {}),
        onAssigned: (taskId: string) => logger.debug(`task ${taskId} assigned`),
        onEvent: (event: { kind: string; message?: string | null }) => logger.debug(`event ${event.kind}${event.message ? ` ${event.message}` : ""}`),
        onProgress: (p: number | undefined, m: string | undefined) => logger.info(`progress ${p ?? "?"}%${m ? ` ${m}` : ""}`),
        onLog: (m: string, level: string) => logger.info(`log ${level} ${m}`),
      };
      try {
        if (options.stream) {
          for await (const returns of client.iterate(target, args, callOptions)) {
            process.stdout.write(`${JSON.stringify(returns)}\n`);
          }
        } else {
          const returns = await client.call(target, args, callOptions);
          process.stdout.write(`${JSON.stringify(returns, null, 2)}\n`);
        }
      } catch (error) {
        const failure = platformUserError(error, endpoint);
        if (failure) throw failure;
        if (isArkitektError(error, TaskFailedError)) throw new UserError(error.message, FAILURE_HINTS[error.kind], error.kind === "CANCELLED" ? 130 : 1);
        if (isArkitektError(error, AssignError)) {
          throw new UserError(
            error.message,
            /arg|port/i.test(error.message)
              ? "the args must fit the action's ports (wire format: structures as {\"__identifier\", \"object\"}, enums by member name)"
              : "check the action name and that an agent serving it is running (`arkitekt-next run dev` lists what it serves)",
          );
        }
        if (isArkitektError(error, PlatformLostError)) throw new UserError(error.message, error.hint);
        throw error;
      } finally {
        process.off("SIGINT", onSigint);
        await client.close();
      }
    });
}

/** What to do after a task ended without completing, by how it ended. */
const FAILURE_HINTS: Record<string, string> = {
  FAILED: "the args or the returns did not fit their ports: the message names the port",
  CRITICAL: "the function threw: the message is its error (run the agent with --verbose for more)",
  CANCELLED: "the task was cancelled",
  INTERRUPTED: "the task was interrupted",
  DISCONNECTED: "the agent serving the task disconnected; the platform may run it again when it comes back",
  TIMEOUT: "the task was cancelled after --timeout; raise it if the function needs longer",
  RESULT_LOST: "the platform lost the task's result; call it again",
};
