/**
 * Where the platform URL and token come from: the one resolver used by the CLI, `connect`,
 * `createClient` and `gen`'s actions stage (DESIGN.md, "Seams").
 *
 * - Explicit values (options, or the CLI's `--url`/`--token`) win over the environment
 *   (`ARKITEKT_URL`, `ARKITEKT_TOKEN`), field by field: `--url` with `ARKITEKT_TOKEN` is fine.
 * - A project's config (`arkitekt.json`, `actions.url`) may name a URL, below the environment; it
 *   never holds a token.
 * - The dev server's `<dataDir>/dev-token.json` (`{"url", "token"}`, default `.arkitekt/dev/`)
 *   supplies both or neither: it is read only when no token was given, and used only when no URL
 *   was given or the given URL is its own, so its token is never sent to another platform.
 * - Anything else is partial: a `PlatformConfigError` naming what is missing and where each piece
 *   came from.
 *
 * Browser-safe: `node:fs` is imported (dynamically) only to read the dev-token file, and only under
 * Node; without `process` there is no environment. Imports nothing else of ours, so the runtime,
 * the CLI and the generator can all use it.
 */
import { ArkitektError } from "../shared/errors.js";

export const URL_ENV = "ARKITEKT_URL";
export const TOKEN_ENV = "ARKITEKT_TOKEN";
/** The embedded dev server's default data dir, relative to the project directory. */
export const DEFAULT_DEV_DATA_DIR = ".arkitekt/dev";
/** The file the dev server writes into its data dir at start. */
export const DEV_TOKEN_FILE = "dev-token.json";

/**
 * A bearer token, or a function asked for it per request and per reconnect. After the platform
 * refused a token (HTTP 401/403, an auth close of a socket) the function is asked once more with
 * `{ rejected }`, so a token provider (e.g. a fakts login) can fetch a new one.
 */
export type TokenSource = string | ((info?: { rejected?: string }) => string | Promise<string>);

export interface PlatformConfigInput<T extends TokenSource = string> {
  /** An explicit URL (an option or the `--url` flag). Empty strings count as absent. */
  url?: string | undefined;
  /** An explicit token (an option or the `--token` flag). */
  token?: T | undefined;
  /** How messages name the explicit values: `"flag"` says "the --url flag", `"option"` (default) "the url option". */
  explicit?: "flag" | "option";
  /** The environment. Default `process.env` when there is one (none in a browser); `{}` ignores it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A URL from a project's config and where it stands, e.g. `"actions.url in arkitekt.json"`. Never a token. */
  configUrl?: { url: string; from: string } | undefined;
  /**
   * The dev server's token file. Default `.arkitekt/dev/dev-token.json` under the working
   * directory (Node only); `false` never reads one.
   */
  devTokenFile?: string | false;
}

export interface PlatformConfig<T extends TokenSource = string> {
  /** The platform's http(s) base, without trailing slashes. */
  url: string;
  token: T | string;
  /** Where the URL came from, in words: "the --url flag", "ARKITEKT_URL", "/app/.arkitekt/dev/dev-token.json" ... */
  urlFrom: string;
  /** Where the token came from, in the same words. */
  tokenFrom: string;
  /** Both came from the dev server's token file (a local dev server that may have stopped). */
  devTokenFile: string | undefined;
  /**
   * Whether explicit values are the CLI's flags or a library's options: `explainPlatformFailure`'s
   * hints name them so. Not set by the resolver; `createClient` sets `"option"`. Default `"flag"`.
   */
  explicit?: "flag" | "option";
}

/** Why no usable URL and token could be put together. */
export type PlatformConfigProblem = "NOTHING" | "NO_TOKEN" | "NO_URL" | "BAD_URL" | "BAD_DEV_TOKEN_FILE" | "NO_S3_ENDPOINT";

/** Thrown when the URL and token are missing, partial or malformed; the message names each piece's origin. */
export class PlatformConfigError extends ArkitektError {
  override readonly name = "PlatformConfigError";
  readonly code = "ARKITEKT_PLATFORM_CONFIG";
  constructor(
    readonly problem: PlatformConfigProblem,
    message: string,
    /** What to do about it, one line. */
    override readonly hint: string,
    /** With NO_TOKEN: the URL that has no token and where it came from (a fakts login may complete it). */
    readonly given?: { url: string; urlFrom: string },
  ) {
    super(message);
  }
}

interface Piece<V> {
  value: V;
  from: string;
}

/** What options, flags, environment and project config give, before any file is read. */
interface Given<T extends TokenSource> {
  url: Piece<string> | undefined;
  token: Piece<T | string> | undefined;
}

function present(value: string | undefined): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function processEnv(): Readonly<Record<string, string | undefined>> {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env ?? {};
}

function gather<T extends TokenSource>(input: PlatformConfigInput<T>): Given<T> {
  const env = input.env ?? processEnv();
  const flag = input.explicit === "flag";
  let url: Piece<string> | undefined;
  if (present(input.url)) url = { value: input.url, from: flag ? "the --url flag" : "the url option" };
  else if (present(env[URL_ENV])) url = { value: env[URL_ENV], from: URL_ENV };
  else if (input.configUrl && present(input.configUrl.url)) url = { value: input.configUrl.url, from: input.configUrl.from };
  let token: Piece<T | string> | undefined;
  if (typeof input.token === "function" || present(input.token as string | undefined)) {
    token = { value: input.token as T, from: flag ? "the --token flag" : "the token option" };
  } else if (present(env[TOKEN_ENV])) token = { value: env[TOKEN_ENV], from: TOKEN_ENV };
  return { url, token };
}

/** The platform's http(s) base without trailing slashes; throws naming the URL's origin. */
function checkUrl(url: Piece<string>): string {
  const text = url.value.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.host) {
    throw new PlatformConfigError(
      "BAD_URL",
      `the platform URL ${JSON.stringify(url.value)} (from ${url.from}) is not an http(s) URL`,
      "give the platform's http base, e.g. http://127.0.0.1:8080 (GraphQL and the agent socket derive from it)",
    );
  }
  return text.replace(/\/+$/, "");
}

function complete<T extends TokenSource>(url: Piece<string>, token: Piece<T | string>, devTokenFile?: string): PlatformConfig<T> {
  return { url: checkUrl(url), token: token.value, urlFrom: url.from, tokenFrom: token.from, devTokenFile };
}

/**
 * The configuration when options, flags, the environment and the project config complete it
 * without reading a file; undefined when the dev-token file would have to be consulted. Throws for
 * a malformed URL.
 */
export function resolvePlatformConfigNow<T extends TokenSource = string>(input: PlatformConfigInput<T> = {}): PlatformConfig<T> | undefined {
  const given = gather(input);
  return given.url && given.token ? complete(given.url, given.token) : undefined;
}

/**
 * Resolves the URL and token by the rules above. Resolves `undefined` only when nothing at all
 * names a platform (no option, flag, variable, config URL or dev-token file): `run dev` then starts
 * the embedded server. A partial or malformed configuration throws `PlatformConfigError`.
 */
export async function findPlatformConfig<T extends TokenSource = string>(input: PlatformConfigInput<T> = {}): Promise<PlatformConfig<T> | undefined> {
  const given = gather(input);
  if (given.url && given.token) return complete(given.url, given.token);
  const file = input.devTokenFile === undefined ? await defaultDevTokenFile() : input.devTokenFile || undefined;
  if (given.token) {
    // The dev-token file never supplies the URL alone.
    throw new PlatformConfigError(
      "NO_URL",
      `a token was given (from ${given.token.from}) but no platform URL`,
      `pass --url or set ${URL_ENV} to the platform's http base, e.g. http://127.0.0.1:8080`,
    );
  }
  const dev = file ? await readDevTokenFile(file) : undefined;
  if (!given.url) {
    if (!dev) return undefined;
    return complete<T>({ value: dev.url, from: file! }, { value: dev.token, from: file! }, file);
  }
  // A URL without a token: the dev-token file completes it only for its own server.
  if (dev && sameUrl(dev.url, given.url.value)) {
    return complete<T>(given.url, { value: dev.token, from: file! }, file);
  }
  const about = dev
    ? `; ${file} holds the token of ${dev.url}, which is not sent to another platform`
    : file
      ? `, and there is no dev-token file at ${file}`
      : "";
  throw new PlatformConfigError(
    "NO_TOKEN",
    `the platform URL ${given.url.value} (from ${given.url.from}) has no token${about}`,
    `pass --token or set ${TOKEN_ENV} (a local dev server prints its token at start and writes it to ${DEFAULT_DEV_DATA_DIR}/${DEV_TOKEN_FILE})`,
    { url: given.url.value, urlFrom: given.url.from },
  );
}

/** Like `findPlatformConfig`, but nothing at all is an error too (saying every place it looked). */
export async function resolvePlatformConfig<T extends TokenSource = string>(input: PlatformConfigInput<T> = {}): Promise<PlatformConfig<T>> {
  const found = await findPlatformConfig(input);
  if (found) return found;
  const file = input.devTokenFile === undefined ? await defaultDevTokenFile() : input.devTokenFile || undefined;
  const flag = input.explicit === "flag";
  const places = [flag ? "no --url/--token" : "no url/token options", `no ${URL_ENV}/${TOKEN_ENV}`];
  if (input.configUrl !== undefined) places.push(`no ${input.configUrl.from}`);
  if (file) places.push(`no dev-token file at ${file}`);
  throw new PlatformConfigError(
    "NOTHING",
    `no platform URL and token: ${places.join(", ")}`,
    `pass ${flag ? "--url and --token" : "{ url, token }"}, set ${URL_ENV} and ${TOKEN_ENV}, or start a dev server here (\`arkitekt-next run dev\` or \`arkitekt-next server\`)`,
  );
}

/** "URL from the --url flag, token from ARKITEKT_TOKEN" (or "both from <file>"). */
export function describePlatformSources(config: Pick<PlatformConfig, "urlFrom" | "tokenFrom">): string {
  return config.urlFrom === config.tokenFrom
    ? `URL and token from ${config.urlFrom}`
    : `URL from ${config.urlFrom}, token from ${config.tokenFrom}`;
}

function sameUrl(a: string, b: string): boolean {
  try {
    const x = new URL(a.trim());
    const y = new URL(b.trim());
    return x.origin === y.origin && x.pathname.replace(/\/+$/, "") === y.pathname.replace(/\/+$/, "");
  } catch {
    return false;
  }
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
}

async function defaultDevTokenFile(): Promise<string | undefined> {
  if (!isNode()) return undefined;
  const { join } = await import("node:path");
  return join(process.cwd(), DEFAULT_DEV_DATA_DIR, DEV_TOKEN_FILE);
}

/** The dev-token file's `{url, token}`; undefined when there is none; throws when it is unusable. */
async function readDevTokenFile(file: string): Promise<{ url: string; token: string } | undefined> {
  if (!isNode()) return undefined;
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new PlatformConfigError(
      "BAD_DEV_TOKEN_FILE",
      `cannot read the dev-token file ${file}: ${(error as Error).message}`,
      "make it readable by this user, or pass the URL and token explicitly",
    );
  }
  let parsed: { url?: unknown; token?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed.url !== "string" || typeof parsed.token !== "string" || !parsed.url || !parsed.token) {
    throw new PlatformConfigError(
      "BAD_DEV_TOKEN_FILE",
      `the dev-token file ${file} does not hold {"url": ..., "token": ...}`,
      "delete it (the dev server writes it again at start), or pass the URL and token explicitly",
    );
  }
  return { url: parsed.url, token: parsed.token };
}

// ---------------------------------------------------------------------------------------------
// The media store's S3 endpoint

/** Names the S3 endpoint of the platform's media store (e.g. `http://minio:9000`). */
export const S3_URL_ENV = "ARKITEKT_S3_URL";
/** Where a platform announces its S3 endpoint, under its base URL (no token needed). */
export const S3_WELL_KNOWN_PATH = "/.well-known/s3";

export interface S3EndpointInput {
  /** The platform's http base in use (the resolved `PlatformConfig.url`). */
  platformUrl: string;
  /** An explicit endpoint (the `s3Url` option). Empty strings count as absent. */
  s3Url?: string | undefined;
  /** How messages name the explicit value: `"flag"` says "the --s3-url flag", `"option"` (default) "the s3Url option". */
  explicit?: "flag" | "option";
  /** The environment. Default `process.env` when there is one; `{}` ignores it. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The dev server's token file; its `s3.endpoint` is used only when its `url` is `platformUrl`.
   * Default `.arkitekt/dev/dev-token.json` under the working directory (Node only); `false` never reads one.
   */
  devTokenFile?: string | false | undefined;
  /** The fetch used for `GET {platformUrl}/.well-known/s3`. Default the global fetch. */
  fetch?: typeof fetch;
  /** Gives up on the well-known request after this many milliseconds. Default 10000. */
  timeoutMs?: number;
}

/** The S3 endpoint of the platform's media store and where it came from. */
export interface S3Endpoint {
  /** The endpoint's http(s) URL, without trailing slashes (requests are path-style: `{endpoint}/{bucket}/{key}`). */
  endpoint: string;
  /** Where it came from, in words: "the s3Url option", "ARKITEKT_S3_URL", a dev-token file, "GET <url>/.well-known/s3". */
  from: string;
  /** The region the platform announced (grants carry their own; informative). */
  region?: string;
  /** The media bucket the platform announced (grants carry their own; informative). */
  bucket?: string;
}

function checkS3Url(value: string, from: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value.trim());
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.host) {
    throw new PlatformConfigError(
      "NO_S3_ENDPOINT",
      `the S3 endpoint ${JSON.stringify(value)} (from ${from}) is not an http(s) URL`,
      `give the media store's S3 endpoint, e.g. http://127.0.0.1:9000 (with ${S3_URL_ENV} or the s3Url option)`,
    );
  }
  return value.trim().replace(/\/+$/, "");
}

/** `{endpoint, region?, bucket?}` read from an announcement (dev-token file `s3`, or the well-known document). */
function readAnnouncement(value: unknown): { endpoint: string; region?: string; bucket?: string } | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { endpoint, region, bucket } = value as { endpoint?: unknown; region?: unknown; bucket?: unknown };
  if (typeof endpoint !== "string" || endpoint.trim() === "") return undefined;
  return {
    endpoint,
    ...(typeof region === "string" && region ? { region } : {}),
    ...(typeof bucket === "string" && bucket ? { bucket } : {}),
  };
}

/**
 * The S3 endpoint of the platform's media store, first hit wins: the explicit `s3Url`, env
 * `ARKITEKT_S3_URL`, the dev server's token file `s3.endpoint` (only when that file's `url` is the
 * platform URL in use), else `GET {platformUrl}/.well-known/s3`. Throws `PlatformConfigError`
 * (`NO_S3_ENDPOINT`) saying where it looked when none gives one.
 */
export async function resolveS3Endpoint(input: S3EndpointInput): Promise<S3Endpoint> {
  if (present(input.s3Url)) {
    const from = input.explicit === "flag" ? "the --s3-url flag" : "the s3Url option";
    return { endpoint: checkS3Url(input.s3Url, from), from };
  }
  const env = input.env ?? processEnv();
  const fromEnv = env[S3_URL_ENV];
  if (present(fromEnv)) return { endpoint: checkS3Url(fromEnv, S3_URL_ENV), from: S3_URL_ENV };
  const looked: string[] = [input.explicit === "flag" ? "no --s3-url" : "no s3Url option", `no ${S3_URL_ENV}`];
  const file = input.devTokenFile === undefined ? await defaultDevTokenFile() : input.devTokenFile || undefined;
  if (file && isNode()) {
    const raw = await readJsonFile(file);
    if (raw && typeof raw === "object" && typeof (raw as { url?: unknown }).url === "string" && sameUrl((raw as { url: string }).url, input.platformUrl)) {
      const announced = readAnnouncement((raw as { s3?: unknown }).s3);
      if (announced) return { ...announced, endpoint: checkS3Url(announced.endpoint, `s3.endpoint in ${file}`), from: file };
      looked.push(`no s3.endpoint in ${file}`);
    }
  }
  const wellKnown = `${input.platformUrl.replace(/\/+$/, "")}${S3_WELL_KNOWN_PATH}`;
  const doFetch = input.fetch ?? globalThis.fetch;
  let why: string;
  try {
    const response = await doFetch(wellKnown, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(input.timeoutMs ?? 10_000) });
    if (response.ok) {
      const announced = readAnnouncement(await response.json().catch(() => undefined));
      if (announced) {
        const from = `GET ${wellKnown}`;
        // A relative endpoint (e.g. "/") is relative to the platform's base.
        const endpoint = new URL(announced.endpoint, `${input.platformUrl.replace(/\/+$/, "")}/`).href;
        return { ...announced, endpoint: checkS3Url(endpoint, from), from };
      }
      why = "its answer has no endpoint";
    } else {
      why = `it answered HTTP ${response.status}`;
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    why = `it failed: ${typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : (error as Error).message}`;
  }
  looked.push(`GET ${wellKnown} (${why})`);
  throw new PlatformConfigError(
    "NO_S3_ENDPOINT",
    `no S3 endpoint for the media store of ${input.platformUrl}: ${looked.join(", ")}`,
    `set ${S3_URL_ENV} (or the s3Url option) to the platform's S3 endpoint, e.g. http://minio.example.org:9000; the embedded server (\`arkitekt-next server\`) announces its own`,
  );
}

/** A JSON file's value; undefined when it is missing or not JSON. */
async function readJsonFile(file: string): Promise<unknown> {
  const { readFile } = await import("node:fs/promises");
  try {
    return JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Explaining network failures

/** A failure to talk to the platform, in the user's terms: which URL or token failed and where it came from. */
export interface PlatformFailure {
  kind: "UNREACHABLE" | "TOKEN_REFUSED" | "NOT_A_PLATFORM";
  message: string;
  hint: string;
}

interface ErrorLike {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  cause?: unknown;
  extensions?: Record<string, unknown>;
  errors?: ReadonlyArray<{ message?: unknown; extensions?: Record<string, unknown> }>;
}

function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === "object" && chain.length < 8 && !chain.includes(current as ErrorLike)) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

/** The innermost system error's code and message ("ECONNREFUSED ...", "ENOTFOUND ...", "bad port"). */
function lowLevel(chain: ErrorLike[]): string {
  const inner = chain.at(-1);
  if (!inner) return "";
  const code = typeof inner.code === "string" && /^E[A-Z_]+$/.test(inner.code) ? inner.code : undefined;
  const message = typeof inner.message === "string" ? inner.message : "";
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "the host name could not be looked up",
    ECONNRESET: "the connection was reset",
    ETIMEDOUT: "the connection timed out",
    EHOSTUNREACH: "the host is unreachable",
    ENETUNREACH: "the network is unreachable",
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  if (message === "bad port") return "fetch refuses to connect to this port (\"bad port\": one reserved for other protocols)";
  return message;
}

function isAuthError(entry: { message?: unknown; extensions?: Record<string, unknown> } | undefined): boolean {
  const ext = entry?.extensions;
  const code = ext?.code;
  const status = (ext?.http as { status?: unknown } | undefined)?.status;
  return code === "UNAUTHENTICATED" || status === 401;
}

/**
 * Explains an error of a call to the platform (transport errors, GraphQL errors, and errors that
 * carry them as `cause`) as a failure of the URL or the token, naming where it came from.
 * Undefined when the error is about something else (an unknown action, bad args ...).
 */
export function explainPlatformFailure(
  error: unknown,
  config: Pick<PlatformConfig, "url" | "urlFrom" | "tokenFrom" | "devTokenFile" | "explicit">,
): PlatformFailure | undefined {
  const chain = causes(error);
  // A library's caller gives options, the CLI's user flags: the hints say what this one can change.
  const options = config.explicit === "option";
  const giveUrl = options ? `the url option or ${URL_ENV}` : `--url or ${URL_ENV}`;
  const giveToken = options ? `the token option or ${TOKEN_ENV}` : `--token or ${TOKEN_ENV}`;
  const transport = chain.find((e) => e.code === "ARK_GRAPHQL_TRANSPORT");
  const graphql = chain.find((e) => e.code === "ARK_GRAPHQL_ERROR");
  const where = `${config.url} (URL from ${config.urlFrom})`;
  const tokenRefused = (detail: string): PlatformFailure => ({
    kind: "TOKEN_REFUSED",
    message: `the platform at ${config.url} refused the token from ${config.tokenFrom}${detail ? `: ${detail}` : ""}`,
    hint: config.devTokenFile
      ? `the dev server at ${config.url} no longer accepts the token in ${config.devTokenFile}: restart it (it writes a fresh file), or give a token with ${giveToken}`
      : config.tokenFrom.startsWith("fakts login")
        ? "the deployment issued this token but its rekuest refuses it: check the app's permissions on the deployment, or log in again (delete .arkitekt/fakts/)"
        : `pass a valid token with ${giveToken} (a local dev server prints its token at start and writes it to ${DEFAULT_DEV_DATA_DIR}/${DEV_TOKEN_FILE})`,
  });
  if (graphql) {
    const first = graphql.errors?.[0];
    if (isAuthError(first) || isAuthError({ extensions: graphql.extensions })) {
      return tokenRefused(typeof first?.message === "string" ? first.message : "");
    }
    return undefined;
  }
  if (!transport) return undefined;
  const status = typeof transport.status === "number" ? transport.status : undefined;
  if (status === 401 || status === 403 || status === 4401 || status === 4403) return tokenRefused(`HTTP ${status}`);
  if (status !== undefined && status >= 1000) return undefined; // a subscription socket's close code: not about the URL or token
  if (status === undefined) {
    return {
      kind: "UNREACHABLE",
      message: `could not reach the platform at ${where}: ${lowLevel(chain) || String(transport.message)}`,
      hint: config.devTokenFile
        ? `the dev server that wrote ${config.devTokenFile} is not running: start it again (\`arkitekt-next run dev\` or \`arkitekt-next server\`), or give the URL and token with ${options ? "the url and token options" : "--url/--token"}`
        : `check the URL and that the platform runs there (\`arkitekt-next server\` starts a local one); set it with ${giveUrl}`,
    };
  }
  return {
    kind: "NOT_A_PLATFORM",
    message: `${where} does not answer like an arkitekt platform: ${String(transport.message).replace(/^\w+: /, "").trim()}`,
    hint: `give the platform's http base (GraphQL is served at <url>/graphql), with ${giveUrl}`,
  };
}
