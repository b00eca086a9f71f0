/**
 * `arkitekt-next call <action> [args]`: calls an action on the platform and prints its returns
 * (every yield for a generator). The action is named by its hash, by `app/key[@version]`, or by
 * `implementation:<id>`; args are a JSON object keyed by port (wire format,
 * spec/definitions-and-values.md) or `key=value` pairs whose values are read as JSON when they parse.
 */
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { UserError } from "../errors.js";
import { cliLogger } from "../logger.js";
import { DEFAULT_DATA_DIR, findEndpoint } from "../endpoint.js";
import type { CallTarget } from "../../index.js";

export interface CallCommandOptions {
  url?: string;
  token?: string;
  data: string;
  cwd?: string;
  timeout?: number;
  stream?: boolean;
  verbose?: boolean;
}

/** Reads `app/key@version`, `implementation:<id>` or an action hash. */
export function parseTarget(text: string): CallTarget {
  if (text.startsWith("implementation:")) return { implementation: text.slice("implementation:".length) };
  const slash = text.indexOf("/");
  if (slash > 0) {
    const [key, version] = text.slice(slash + 1).split("@");
    if (!key) throw new UserError(`"${text}" names no action key`, "write app/key, e.g. arkitekt-next-dev/add");
    return { app: text.slice(0, slash), key, ...(version ? { version } : {}) };
  }
  if (/^[0-9a-f]{16,}$/i.test(text)) return { actionHash: text };
  throw new UserError(
    `cannot tell which action "${text}" names`,
    "name it by hash (see `run dev` output), by app/key[@version], or by implementation:<id>",
  );
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

function parseMs(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError("a timeout is a positive number of milliseconds");
  return ms;
}

export function callCommand(): Command {
  return new Command("call")
    .description("call an action on the platform and print its returns")
    .argument("<action>", "action hash, app/key[@version], or implementation:<id>")
    .argument("[args...]", "a JSON object, or key=value pairs (values read as JSON)")
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL, else a running dev server)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN, else the dev server's)")
    .option("--cwd <dir>", "the project directory whose dev server to use (default: the current directory)")
    .option("--data <dir>", "the dev server's data dir, relative to --cwd", DEFAULT_DATA_DIR)
    .option("--timeout <ms>", "cancel the task after this many milliseconds", parseMs)
    .option("--stream", "print every yield as it arrives (for generators)")
    .option("--verbose", "print task events as they arrive")
    .addHelpText(
      "after",
      `
Examples:
  $ arkitekt-next call arkitekt-next-dev/add a=1 b=2
  $ arkitekt-next call 3f2a9c... '{"image": {"__identifier": "@example/image", "object": "img-1"}}'
  $ arkitekt-next call arkitekt-next-dev/tile image='{"__identifier":"@example/image","object":"img-1"}' --stream`,
    )
    .action(async (action: string, argParts: string[], options: CallCommandOptions) => {
      const target = parseTarget(action);
      const args = parseArgs(argParts);
      const dataDir = resolve(options.cwd ?? process.cwd(), options.data);
      const endpoint = await findEndpoint({ url: options.url, token: options.token }, dataDir);
      if (!endpoint) {
        throw new UserError(
          "no platform to call: no --url/--token, no ARKITEKT_URL/ARKITEKT_TOKEN, and no dev server running here",
          "start one with `arkitekt-next run dev` (or `arkitekt-next server`) in this directory, or pass --url and --token",
        );
      }
      const logger = cliLogger("call", { verbose: options.verbose ?? false });
      const { createClient, TaskFailedError, AssignError } = await import("../../index.js");
      const client = createClient({ url: endpoint.url, token: endpoint.token });
      const callOptions = {
        ...(options.timeout ? { timeout: options.timeout } : {}),
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
        if (error instanceof TaskFailedError || error instanceof AssignError) {
          throw new UserError(error.message, "check the args against the action's ports (`arkitekt-next call --help`)");
        }
        throw error;
      } finally {
        await client.close();
      }
    });
}
