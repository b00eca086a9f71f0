/**
 * `arkitekt-next call <action> [args]`: calls an action on the platform and prints its returns
 * (every yield for a generator). The action is named by its key (as `run dev` lists it), by
 * `app/key[@version]`, by its hash or a unique hash prefix, or by `implementation:<id>`; args are a
 * JSON object keyed by port (wire format, docs/spec/definitions-and-values.md) or `key=value` pairs whose
 * values are read as JSON when they parse. `@path` at a File port uploads that file (call-files.ts);
 * `--out DIR` writes returned files into DIR.
 */
import { rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { parsePositiveMilliseconds } from "../options.js";
import { UserError, isUserFacing } from "../errors.js";
import { humanCallOutput, jsonCallOutput, type CallFailure as CallFailureInfo, type CallOutput } from "../call-output.js";
import { isArkitektError } from "../../shared/errors.js";
import { cliLogger } from "../logger.js";
import { DEFAULT_DATA_DIR, LOGIN_HELP, platformUserError, requireEndpoint, type Endpoint } from "../endpoint.js";
import { DEV_TOKEN_FILE } from "../../runtime/config.js";
import { FILE_IDENTIFIER, createUniqueFile, fileArgHint, filesIn, findFileArgs, hasAtString, outputFolder, readLocalFile, safeFileName, type PortShape } from "../call-files.js";
import type { CallTarget } from "../../index.js";

export interface CallCommandOptions {
  url?: string;
  token?: string;
  /** `--redeem-token`: log in to a deployment without a browser. */
  redeemToken?: string;
  /** `--headless`: print the approval URL instead of opening a browser. */
  headless?: boolean;
  data: string;
  cwd?: string;
  timeout?: number;
  interruptAfter?: number;
  /** Accepted and ignored: every yield is printed as it arrives. */
  stream?: boolean;
  json?: boolean;
  verbose?: boolean;
  /** Write returned files (File ports) into this folder. */
  out?: string;
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
    if (!key) throw new UserError(`"${text}" names no action key`, "write app/key, e.g. com.example.imaging/gradient");
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

/**
 * The arg ports of the action a target names (read only when an arg holds an `@` string, to tell
 * File ports from others).
 */
export async function actionArgPorts(target: CallTarget, endpoint: Endpoint): Promise<PortShape[]> {
  const [api, { createGraphQLClient, platformEndpoints }, { readAllPages }] = await Promise.all([
    import("../../../generated/api/rekuest.js"),
    import("../../runtime/transport/index.js"),
    import("../../runtime/transport/pages.js"),
  ]);
  const gql = createGraphQLClient({ url: platformEndpoints(endpoint.url).graphqlUrl, token: endpoint.token });
  try {
    let found: { args: PortShape[] } | null | undefined;
    if (typeof target === "string") found = await api.action(gql, { hash: target });
    else if ("actionHash" in target) found = await api.action(gql, { hash: target.actionHash });
    else if ("action" in target) found = await api.action(gql, { id: target.action });
    else if ("implementation" in target) found = (await api.implementation(gql, { id: target.implementation })).action;
    else if ("agent" in target) found = (await api.implementationAt(gql, { agent: target.agent, interface: target.interface })).action;
    else if ("dependency" in target) found = undefined; // only inside a task: the platform picks the action
    else {
      const { app, key, version } = target;
      const list = await readAllPages((pagination) => api.actions(gql, { filters: { appIdentifier: app }, pagination }), { field: "Query.actions", keyOf: (a) => a.id });
      const match = list.filter((a) => a.key === key && (version === undefined || a.version === version)).at(-1);
      found = match ? await api.action(gql, { id: match.id }) : undefined;
    }
    // no such action: the call itself says so, in its words
    return found?.args ?? [];
  } catch (error) {
    throw platformUserError(error, endpoint) ?? error;
  } finally {
    await gql.close();
  }
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

/** The exit codes of `call` (documented in its --help). */
export const CALL_EXIT = {
  /** The task completed. */
  OK: 0,
  /** The call could not be made or followed: a bad name, args or platform configuration, no agent, the platform lost. */
  USER_ERROR: 1,
  /** The task ended without completing: FAILED, CRITICAL, INTERRUPTED, DISCONNECTED, TIMEOUT, RESULT_LOST. */
  TASK_FAILED: 2,
  /** The task was cancelled: by Ctrl+C (SIGINT), or by someone else on the platform. */
  CANCELLED: 130,
} as const;

/** How the action names in `call` are read (also `inspect`'s help points here). */
export const ACTION_NAMING_HELP = `How an action is named (first rule that fits wins):
  implementation:<id>   that implementation (an agent's copy of the action), by its id
  app/key[@version]     the action <key> of the app <app> (the token's client_app, for run dev the
                        app's arkitekt.json identifier); <version> is the action's definition
                        version ("1" unless register() sets one), as inspect prints it on each
                        action's app/key@version line, not the app's release version
  <64 hex digits>       the action hash
  <6 to 63 hex digits, at least one of them 0-9>
                        a hash prefix: must start the hash of exactly one action (as run dev and
                        inspect list them)
  <key>                 a key (letters, digits, _ and -, not starting with a digit or -): must be
                        the key of exactly one action on the platform, else name it by app/key
A key that looks like a hash prefix (e.g. "abc123") is read as one: name it by app/key.`;

export function callCommand(): Command {
  return new Command("call")
    .description("call an action on the platform and print its returns (every yield of a generator, as it arrives)")
    .argument("<action>", "action key or hash prefix (as `run dev` and `inspect` list them), app/key[@version], or implementation:<id>")
    .argument("[args...]", "a JSON object, or key=value pairs (values read as JSON)")
    .option("--url <url>", "the platform's http base (default: ARKITEKT_URL, else the dev server's <data>/dev-token.json)")
    .option("--token <token>", "the token (default: ARKITEKT_TOKEN, else the dev server's, for its own URL only)")
    .option("--redeem-token <token>", "log in to a deployment with this redeem token, no browser (default: ARKITEKT_REDEEM_TOKEN; FAKTS_TOKEN gives a claim token directly)")
    .option("--headless", "print the approval URL of a deployment login instead of opening a browser (automatic without a TTY)")
    .option("--cwd <dir>", "the project directory whose dev server to use (default: the current directory)")
    .option("--data <dir>", "the dev server's data dir, relative to --cwd", DEFAULT_DATA_DIR)
    .option("--json", "machine output: one JSON object per line on stdout (assigned, yield, progress, log, done or error with its exitCode)")
    .option("--timeout <ms>", "give up after this many milliseconds (the task is cancelled; exit 2)", parsePositiveMilliseconds)
    .option(
      "--interrupt-after <ms>",
      "after Ctrl+C or --timeout cancelled the task, interrupt it when it has not stopped within this many milliseconds (off by default: agents without an INTERRUPT handler, like released Python agents, exit on one)",
      parsePositiveMilliseconds,
    )
    // Streaming is the default now; the flag stays accepted so scripts written for it keep working.
    .addOption(new Option("--stream", "(no effect: every yield is printed as it arrives)").hideHelp())
    .option("--verbose", "print every task event as it arrives (with --json: as event lines)")
    .option("--out <dir>", "write returned files (File ports) into this folder, under their original names (made when missing; never overwrites: a taken name gets -1, -2 ...)")
    .addHelpText(
      "after",
      `
${LOGIN_HELP}

The examples name this repository's example app (examples/app, identifier com.example.imaging);
in your own app use its identifier and keys, e.g. myapp/add a=1 b=2.

Examples:
  $ arkitekt-next call gradient width=3 height=2                 # in examples/app, with run dev running
  $ arkitekt-next call com.example.imaging/gradient '{"width": 3}'   # app/key
  $ arkitekt-next call 1bb783cdf4b8 width=3                       # a hash prefix from the run dev listing
  $ arkitekt-next call tile image='{"__identifier":"@example/image","object":"img-1"}' size=2
  $ arkitekt-next call tile image=... --json | jq -c 'select(.type == "yield") | .returns'
  $ arkitekt-next call myapp/thumbnail image=@photos/cat.png --out results/   # upload a file, save the returned one

${ACTION_NAMING_HELP}

Output: every yield is one JSON line on stdout as it arrives (a function has one); progress goes to
stderr, as a bar on a terminal and as lines "call progress 40% message" otherwise; logs too. When
the reader of stdout stops (e.g. | head -1), call cancels the task and exits 0.
With --json, stdout has one JSON object per line instead:
  {"type":"assigned","task":"7"}
  {"type":"yield","task":"7","index":0,"returns":{"return0":...}}
  {"type":"progress","task":"7","progress":40,"message":"tile 2 of 4"}
  {"type":"log","task":"7","level":"INFO","message":"..."}
  {"type":"done","task":"7","yields":4,"exitCode":0}
  {"type":"error","task":"7","kind":"CRITICAL","message":"...","hint":"...","exitCode":2}
(error kinds: the task's FAILED, CRITICAL, CANCELLED, INTERRUPTED, DISCONNECTED, TIMEOUT,
RESULT_LOST; or USER_ERROR, ASSIGN_FAILED, PLATFORM_LOST, MEDIA_FAILED before or around the task)

Exit codes:
  0    the task completed
  1    the call could not be made or followed (action name, args, URL or token, no agent serving
       the action, platform lost)
  2    the task ended without completing (FAILED, CRITICAL, INTERRUPTED, DISCONNECTED, TIMEOUT,
       RESULT_LOST); the message is the remote error
  130  the task was cancelled: Ctrl+C cancels it and waits up to 5 s for the agent to confirm (a second
       Ctrl+C leaves it running and exits at once), or someone cancelled it on the platform

Values are the wire format: structures {"__identifier": ..., "object": <ref>}, enums by member name,
dates as ISO strings; a key=value value is read as JSON when it parses (quote strings that look like
numbers: name='"5"').

Files: where a port is a File (structure ${FILE_IDENTIFIER}, also inside a list, dict or model),
@path uploads that file (relative to the current directory) and passes its reference, e.g.
image=@cat.png or images='["@a.png", "@b.png"]'; anywhere else @text stays the string "@text".
Returned files are printed as references; --out DIR writes them into DIR (stderr says where;
with --json as {"type":"file","port":...,"path":...} lines). Transfers over 4 MB show progress
on stderr (--json: "transfer" lines).`,
    )
    .action(async (action: string, argParts: string[], options: CallCommandOptions) => {
      const verbose = options.verbose ?? false;
      const logger = cliLogger("call", { verbose });
      const output = options.json ? jsonCallOutput(process.stdout, { verbose, logger }) : humanCallOutput({ logger, verbose });
      // Ctrl+C cancels the remote task (and interrupts it with --interrupt-after) instead of leaving it running.
      const abort = new AbortController();
      let taskId: string | undefined;
      const onSigint = (): void => {
        if (abort.signal.aborted) {
          const message = taskId ? `left task ${taskId} running` : "stopped before the task was assigned";
          output.error({ kind: "CANCELLED", message, task: taskId, exitCode: CALL_EXIT.CANCELLED });
          output.warn(message);
          process.exit(CALL_EXIT.CANCELLED);
        }
        output.warn(`cancelling ${taskId ? `task ${taskId}` : "the call"} (Ctrl+C again to leave it running)`);
        abort.abort();
      };
      process.on("SIGINT", onSigint);
      // The reader of stdout went away (`call ... | head -1`): stop following and cancel the task, like
      // breaking out of `iterate`, and end quietly instead of crashing on EPIPE.
      let readerGone = false;
      const onStdoutError = (error: NodeJS.ErrnoException): void => {
        if (error.code !== "EPIPE") throw error;
        if (!readerGone) abort.abort();
        readerGone = true;
      };
      process.stdout.on("error", onStdoutError);
      try {
        await runCall(action, argParts, options, {
          output,
          signal: abort.signal,
          onAssigned: (id) => (taskId = id),
        });
      } catch (error) {
        if (readerGone) return;
        const failure = describeCallFailure(error, taskId, abort.signal.aborted);
        output.error(failure);
        if (failure.kind === "INTERNAL") throw error;
        throw new UserError(failure.message, failure.hint, failure.exitCode);
      } finally {
        process.off("SIGINT", onSigint);
        if (!readerGone) process.stdout.off("error", onStdoutError);
      }
    });
}

interface RunCallHooks {
  output: CallOutput;
  signal: AbortSignal;
  onAssigned(taskId: string): void;
}

/** A failure already put in the user's terms; `describeCallFailure` passes it on. */
class CallFailure extends Error {
  constructor(readonly failure: CallFailureInfo) {
    super(failure.message);
  }
}

/** Calls the action and reports what happens through `hooks.output`; throws on any failure. */
export async function runCall(action: string, argParts: string[], options: CallCommandOptions, hooks: RunCallHooks): Promise<void> {
  const { output, signal } = hooks;
  const name = parseTarget(action);
  const args = parseArgs(argParts);
  const dataDir = resolve(options.cwd ?? process.cwd(), options.data);
  const endpoint = await requireEndpoint(
    { url: options.url, token: options.token, redeemToken: options.redeemToken, headless: options.headless },
    dataDir,
    { cwd: resolve(options.cwd ?? process.cwd()) },
  );
  const target = await resolveTarget(name, endpoint);
  const out = options.out === undefined ? undefined : await outputFolder(options.out, process.cwd());
  // `@path` at File ports: every file is checked before any is uploaded
  const uploads: Array<{ port: string; path: string; size: number; replace(value: unknown): void }> = [];
  if (hasAtString(args)) {
    for (const arg of findFileArgs(await actionArgPorts(target, endpoint), args)) uploads.push({ ...arg, ...(await readLocalFile(arg, process.cwd())) });
  }
  const { createClient, TaskFailedError, AssignError, PlatformLostError, MediaError } = await import("../../index.js");
  // the dev server's token file of --data also names its S3 endpoint (for its own URL only)
  const client = createClient({ url: endpoint.url, token: endpoint.token, platformLostMs: 15_000, devTokenFile: join(dataDir, DEV_TOKEN_FILE) });
  const media = uploads.length > 0 || out !== undefined ? await callMedia(client) : undefined;
  let taskId: string | undefined;
  try {
    signal.throwIfAborted();
    for (const upload of uploads) {
      const name = basename(upload.path);
      const id = await media!.upload(upload.path, upload.size, (loaded) => output.transfer("upload", upload.port, name, loaded, upload.size), signal);
      upload.replace({ __identifier: FILE_IDENTIFIER, object: id });
      output.uploaded(upload.port, upload.path, id, upload.size);
    }
    let yields = 0;
    let savedFiles = 0;
    const stream = client.iterate(target, args, {
      signal,
      ...(options.timeout ? { timeout: options.timeout } : {}),
      ...(options.interruptAfter ? { interruptAfterMs: options.interruptAfter } : {}),
      onAssigned: (id: string) => {
        taskId = id;
        hooks.onAssigned(id);
        output.assigned(id);
      },
      onEvent: (event: { kind: string; message?: string | null }) => output.event(event.kind, event.message ?? undefined),
      onProgress: (progress: number | undefined, message: string | undefined) => output.progress(progress, message),
      onLog: (message: string, level: string) => output.log(level, message),
    });
    for await (const returns of stream) {
      output.yielded(returns);
      yields++;
      for (const file of filesIn(returns)) {
        if (out === undefined) output.returnedFile(file.port, file.id);
        else {
          const saved = await saveReturnedFile(media!, out, file, (name, loaded, total) => output.transfer("download", file.port, name, loaded, total), signal);
          output.savedFile(file.port, file.id, saved.path, saved.bytes);
          savedFiles++;
        }
      }
    }
    if (out !== undefined && savedFiles === 0) output.warn(`--out: the result held no file; nothing was written into ${out}`);
    output.done(yields);
  } catch (error) {
    const failure = platformUserError(error, endpoint);
    if (failure) throw failure;
    if (isArkitektError(error, TaskFailedError)) {
      throw new CallFailure({
        kind: error.kind,
        message: error.message,
        hint: FAILURE_HINTS[error.kind],
        task: error.taskId,
        exitCode: error.kind === "CANCELLED" ? CALL_EXIT.CANCELLED : CALL_EXIT.TASK_FAILED,
      });
    }
    if (isArkitektError(error, AssignError)) {
      throw new CallFailure({
        kind: "ASSIGN_FAILED",
        message: error.message,
        hint:
          error.hint ??
          fileArgHint(error.message) ??
          (/arg|port/i.test(error.message)
            ? "the args must fit the action's ports (wire format: structures as {\"__identifier\", \"object\"}, enums by member name)"
            : "check the action name and that an agent serving it is running (`arkitekt-next inspect` lists agents and actions)"),
        task: taskId,
        exitCode: CALL_EXIT.USER_ERROR,
      });
    }
    if (isArkitektError(error, MediaError)) {
      if (signal.aborted) throw new CallFailure({ kind: "CANCELLED", message: "cancelled while a file was transferred", task: taskId, exitCode: CALL_EXIT.CANCELLED });
      throw new CallFailure({
        kind: "MEDIA_FAILED",
        message: error.message,
        hint: error.hint ?? "a file could not be moved to or from the platform's media store: check the platform's S3 endpoint (ARKITEKT_S3_URL, or GET <url>/.well-known/s3)",
        task: taskId,
        exitCode: CALL_EXIT.USER_ERROR,
      });
    }
    if (isArkitektError(error, PlatformLostError)) {
      throw new CallFailure({ kind: "PLATFORM_LOST", message: error.message, hint: error.hint, task: error.taskId ?? taskId, exitCode: CALL_EXIT.USER_ERROR });
    }
    throw error;
  } finally {
    await client.close();
  }
}

/** Any error of a call, as what `--json` prints and the exit code; `kind: "INTERNAL"` is a bug of ours (exit 70). */
export function describeCallFailure(error: unknown, taskId: string | undefined, cancelled: boolean): CallFailureInfo {
  if (error instanceof CallFailure) return error.failure;
  if (cancelled && !isUserFacing(error)) {
    // Ctrl+C before the task was assigned: the abort itself surfaced.
    return { kind: "CANCELLED", message: "cancelled before the task was assigned", task: taskId, exitCode: CALL_EXIT.CANCELLED };
  }
  if (isUserFacing(error)) {
    return { kind: "USER_ERROR", message: error.message, hint: error.hint, task: taskId, exitCode: (error as { exitCode?: number }).exitCode ?? CALL_EXIT.USER_ERROR };
  }
  return { kind: "INTERNAL", message: error instanceof Error ? error.message : String(error), task: taskId, exitCode: 70 };
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

// ------------------------------------------------------------------------------------------------ files

/** The media transfers of `call`, over the call's own client (its URL and token). */
export interface CallMedia {
  /** Uploads a local file; resolves to its store id. */
  upload(path: string, size: number, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<string>;
  /** A stored file: its original name (null when the store has none), its size, and its bytes when read. */
  open(id: string, signal: AbortSignal): Promise<{ name: string | null; size: number | undefined; read(): Promise<AsyncIterable<Uint8Array>> }>;
}

/**
 * Writes one returned file into `dir` under its original name (made safe, numbered when taken);
 * a failed download leaves no partial file.
 */
export async function saveReturnedFile(
  media: CallMedia,
  dir: string,
  file: { port: string; id: string },
  onProgress: (name: string, loaded: number, total: number | undefined) => void,
  signal: AbortSignal,
): Promise<{ path: string; bytes: number }> {
  const stored = await media.open(file.id, signal);
  const name = safeFileName(stored.name, safeFileName(file.id, "file"));
  const created = await createUniqueFile(dir, name);
  let bytes = 0;
  try {
    for await (const chunk of await stored.read()) {
      for (let at = 0; at < chunk.length; ) at += (await created.handle.write(chunk, at)).bytesWritten;
      bytes += chunk.length;
      onProgress(name, bytes, stored.size);
    }
    await created.handle.close();
  } catch (error) {
    await created.handle.close().catch(() => undefined);
    await rm(created.path, { force: true });
    throw error;
  }
  return { path: created.path, bytes };
}

/** `CallMedia` over the runtime's File helpers, with `client`'s URL, token and S3 endpoint. */
async function callMedia(client: import("../../index.js").ArkitektClient): Promise<CallMedia> {
  const [{ File, upload }, { createReadStream }, { Transform }] = await Promise.all([import("../../index.js"), import("node:fs"), import("node:stream")]);
  /** Counts the bytes that pass. */
  const counting = (onProgress: (loaded: number) => void) => {
    let loaded = 0;
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        loaded += chunk.length;
        onProgress(loaded);
        done(null, chunk);
      },
    });
  };
  return {
    async upload(path, size, onProgress, signal) {
      const counter = counting(onProgress);
      const source = createReadStream(path);
      source.on("error", (error) => counter.destroy(error));
      const file = await upload(source.pipe(counter), { name: basename(path), size, client, signal });
      return file.id;
    },
    async open(id, signal) {
      const file = await File.fromId(id, { client });
      // a store without an original name is named by its object key
      return { name: file.name === id ? null : file.name, size: file.size, read: async () => (await file.stream({ client, signal })) as AsyncIterable<Uint8Array> };
    },
  };
}
