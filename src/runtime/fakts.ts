/**
 * Logging in to a real arkitekt deployment with the fakts protocol (issue 17), as the released
 * Python client (`fakts-next` 4.x) does, then plain OAuth2 client credentials:
 *
 * 1. discover: `GET {url}/.well-known/fakts` (without a scheme: https, then http);
 * 2. a claim token: a static one (`FAKTS_TOKEN`), a redeem token (`POST {base_url}redeem/`), or
 *    the fakts device-code flow (`POST {base_url}start/`, the user approves `{base_url}configure/<code>`,
 *    `POST {base_url}challenge/` polled until granted, denied or expired);
 * 3. claim: `POST {base_url}claim/` gives the app's client credentials and its instances;
 * 4. the `rekuest` instance (first alias whose challenge answers) serves `/graphql` and `/agi`;
 *    `s3`, when granted, is the media store;
 * 5. tokens: client credentials at `token_url`, asked again shortly before expiry and when a
 *    token was refused; on `invalid_client` the claim is run once more.
 *
 * The claimed configuration is cached in `<cwd>/.arkitekt/fakts/<identifier>-<version>.json`
 * (mode 0600; it holds the client secret, never an access token) and reused on the next start.
 *
 * Node only (it reads and writes the cache and the machine's id); nothing of ours but shared/.
 */
import { sleep } from "../shared/backoff.js";
import { ArkitektError } from "../shared/errors.js";

export const FAKTS_TOKEN_ENV = "FAKTS_TOKEN";
export const REDEEM_TOKEN_ENV = "ARKITEKT_REDEEM_TOKEN";
export const HEADLESS_ENV = "ARKITEKT_HEADLESS";
/** The cache folder under the project directory. */
export const FAKTS_CACHE_DIR = ".arkitekt/fakts";
export const REKUEST_SERVICE = "live.arkitekt.rekuest";
export const S3_SERVICE = "live.arkitekt.s3";

export interface FaktsRequirement {
  key: string;
  service: string;
  optional?: boolean;
  description?: string | null;
}

/** What the app asks the deployment for (fakts `Manifest`). */
export interface FaktsManifest {
  identifier: string;
  version: string;
  scopes: string[];
  requirements: FaktsRequirement[];
  node_id: string;
  logo: string | null;
}

/** `GET /.well-known/fakts`. */
export interface FaktsEndpoint {
  name: string;
  version?: string;
  description?: string | null;
  base_url: string;
  claim?: string;
  frontend_url?: string | null;
}

export interface FaktsAlias {
  id?: string;
  host: string;
  port?: number | null;
  ssl?: boolean;
  path?: string | null;
  challenge?: string | null;
}

export interface FaktsInstance {
  service: string;
  identifier?: string;
  aliases: FaktsAlias[];
}

/** The claimed configuration (the answer's `config`). */
export interface FaktsConfig {
  self?: { deployment_name?: string; alias?: FaktsAlias };
  auth: {
    client_id: string;
    client_secret: string;
    client_token?: string;
    token_url: string;
    report_url?: string;
    scopes?: string[];
  };
  instances: Record<string, FaktsInstance>;
  statuses?: Record<string, string>;
}

export type FaktsProblem =
  | "UNREACHABLE"
  | "NOT_FAKTS"
  | "DENIED"
  | "EXPIRED"
  | "REFUSED"
  | "INVALID_CLIENT"
  | "NOT_GRANTED"
  | "NO_ALIAS"
  | "TOKEN_FAILED";

/** A failure of logging in to a deployment; the message names the URL, the hint what to do. */
export class FaktsError extends ArkitektError {
  override readonly name = "FaktsError";
  readonly code = "ARKITEKT_FAKTS";
  constructor(
    readonly problem: FaktsProblem,
    message: string,
    override readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface FaktsOptions {
  /** The deployment's URL, e.g. `https://lab.example.org` or `lab.example.org` (https, then http). */
  url: string;
  /** The app's identity on the deployment (arkitekt.json's identifier and version). */
  app: { identifier: string; version: string };
  /** Extra requirements next to `rekuest` (required) and `s3` (optional). */
  requirements?: FaktsRequirement[];
  /** OAuth2 scopes. Default `["openid"]`. */
  scopes?: string[];
  /** A static claim token. Default env `FAKTS_TOKEN`. */
  claimToken?: string | undefined;
  /** A redeem token (no browser). Default env `ARKITEKT_REDEEM_TOKEN`. */
  redeemToken?: string | undefined;
  /** Print the approval URL instead of opening a browser. Default: env ARKITEKT_HEADLESS, else true without a TTY. */
  headless?: boolean | undefined;
  /** Told the approval URL (default: printed to stderr). */
  onApprovalUrl?: (url: string) => void;
  /** Opens the approval URL when not headless. Default: the platform's opener (xdg-open, open, start). */
  openBrowser?: (url: string) => void | Promise<void>;
  /** The project directory whose `.arkitekt/fakts/` caches the claim; `false` caches nothing. Default `process.cwd()`. */
  cacheDir?: string | false;
  /** Ignore a cached claim (log in again). Default false. */
  fresh?: boolean;
  /** A stable id of this machine. Default: derived from the host name and user (no secret). */
  nodeId?: string;
  /** Per request. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** Between challenge polls. Default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a device code waits for approval (`expiration_time_seconds`). Default 300 s. */
  approvalTimeoutSeconds?: number;
  /**
   * Stops a login that is still under way (most of all the wait for approval, up to
   * `approvalTimeoutSeconds`): it rejects with the signal's reason. `run prod` passes its Ctrl+C.
   */
  signal?: AbortSignal | undefined;
  /** Ask for a new access token this long before expiry (at most half the token's lifetime). Default 30000 ms. */
  refreshMarginMs?: number;
  fetch?: typeof fetch;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: { info(message: string): void; debug(message: string): void };
}

/** A token function as `TokenSource` takes it: `{rejected}` says the last token was refused. */
export type RefreshingToken = (info?: { rejected?: string }) => Promise<string>;

export interface FaktsSession {
  /** The rekuest instance's http base: `/graphql` and `/agi` derive from it. */
  url: string;
  /** The media store's S3 endpoint, when the deployment granted `s3`. */
  s3Url: string | undefined;
  /** Access tokens, fetched when needed. */
  token: RefreshingToken;
  /** "fakts login at https://lab.example.org (cached in .arkitekt/fakts/app-1.0.0.json)". */
  from: string;
  /** The deployment's discovery answer (undefined when the cache was used). */
  endpoint: FaktsEndpoint | undefined;
  config: FaktsConfig;
  /** The cache file, when caching. */
  cacheFile: string | undefined;
  /** Whether this start used the cache (no approval). */
  cached: boolean;
}

interface Compiled {
  url: string;
  options: FaktsOptions;
  fetch: typeof fetch;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

function processEnv(): Readonly<Record<string, string | undefined>> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

function present(value: string | undefined): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** `https://x/`-style base with one trailing slash. */
function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function lowLevel(error: unknown): string {
  let current: unknown = error;
  let last: { code?: unknown; message?: unknown } | undefined;
  for (let i = 0; i < 6 && current && typeof current === "object"; i++) {
    last = current as { code?: unknown; message?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
  const code = typeof last?.code === "string" ? last.code : "";
  const message = typeof last?.message === "string" ? last.message : String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

async function postJson(c: Compiled, url: string, body: unknown, what: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await c.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: c.options.signal ? AbortSignal.any([AbortSignal.timeout(c.timeoutMs), c.options.signal]) : AbortSignal.timeout(c.timeoutMs),
    });
  } catch (error) {
    c.options.signal?.throwIfAborted();
    throw new FaktsError("UNREACHABLE", `could not reach ${url} (${what}): ${lowLevel(error)}`, `check that the deployment at ${c.url} runs and is reachable from here`, { cause: error });
  }
  const text = await response.text().catch(() => "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object") {
    throw new FaktsError("NOT_FAKTS", `${url} (${what}) answered HTTP ${response.status} without JSON`, `is ${c.url} an arkitekt deployment? Its /.well-known/fakts names the fakts base_url`);
  }
  const answer = parsed as Record<string, unknown>;
  if (answer.status === "error") {
    const said = String(answer.error ?? answer.message ?? "no reason given");
    throw new FaktsError("REFUSED", `the deployment at ${c.url} refused ${what}: ${said}`, "check the token or manifest it names; log in again with a fresh approval (delete the cache in .arkitekt/fakts/)");
  }
  return answer;
}

/** `GET {url}/.well-known/fakts`; without a scheme https, then http. */
export async function discover(url: string, options: Pick<FaktsOptions, "fetch" | "requestTimeoutMs"> = {}): Promise<{ url: string; endpoint: FaktsEndpoint }> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const trimmed = url.trim().replace(/\/+$/, "");
  const candidates = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? [trimmed] : [`https://${trimmed}`, `http://${trimmed}`];
  const failures: string[] = [];
  let notFakts: string | undefined;
  for (const base of candidates) {
    const wellKnown = `${base}/.well-known/fakts`;
    let response: Response;
    try {
      response = await doFetch(wellKnown, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000) });
    } catch (error) {
      failures.push(`${wellKnown}: ${lowLevel(error)}`);
      continue;
    }
    const body = (await response.json().catch(() => undefined)) as Partial<FaktsEndpoint> | undefined;
    if (response.ok && body && typeof body === "object" && typeof body.base_url === "string") {
      // a relative base_url is relative to the deployment
      const endpoint = { ...body, name: typeof body.name === "string" ? body.name : base, base_url: withSlash(new URL(body.base_url, `${base}/`).href) } as FaktsEndpoint;
      return { url: base, endpoint };
    }
    notFakts = `${wellKnown} answered HTTP ${response.status}${response.ok ? " without a fakts document (no base_url)" : ""}`;
  }
  if (notFakts) {
    throw new FaktsError("NOT_FAKTS", `${url} is not an arkitekt deployment: ${notFakts}`, "give the deployment's address (the one its web UI runs at), e.g. https://lab.example.org; a local dev server is http://127.0.0.1:<port>");
  }
  throw new FaktsError(
    "UNREACHABLE",
    `could not reach the deployment at ${url}: ${failures.join("; ")}`,
    "check the address and that the deployment runs and is reachable from here (`arkitekt-next server` starts a local one)",
  );
}

/** The manifest sent with start/ and redeem/. */
export async function faktsManifest(options: Pick<FaktsOptions, "app" | "requirements" | "scopes" | "nodeId">): Promise<FaktsManifest> {
  const requirements: FaktsRequirement[] = [
    { key: "rekuest", service: REKUEST_SERVICE, optional: false, description: "serves and calls the app's functions" },
    { key: "s3", service: S3_SERVICE, optional: true, description: "the media store for files" },
    ...(options.requirements ?? []),
  ];
  return {
    identifier: options.app.identifier,
    version: options.app.version,
    scopes: options.scopes ?? ["openid"],
    requirements,
    node_id: options.nodeId ?? (await machineId()),
    logo: null,
  };
}

/** A stable id of this machine (a hash of host name and user; no secret, just stable). */
async function machineId(): Promise<string> {
  const os = await import("node:os");
  const { createHash } = await import("node:crypto");
  let user = "";
  try {
    user = os.userInfo().username;
  } catch {
    user = "";
  }
  return createHash("sha256").update(`${os.hostname()}\0${user}`).digest("hex").slice(0, 32);
}

function isHeadless(c: Compiled): boolean {
  if (c.options.headless !== undefined) return c.options.headless;
  const flag = c.env[HEADLESS_ENV];
  if (present(flag)) return !/^(0|false|no)$/i.test(flag);
  const proc = (globalThis as { process?: { stdout?: { isTTY?: boolean } } }).process;
  return !proc?.stdout?.isTTY;
}

async function openInBrowser(url: string): Promise<void> {
  const { spawn } = await import("node:child_process");
  const [command, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command as string, args as string[], { stdio: "ignore", detached: true });
    child.once("error", reject);
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}

/** The device-code flow of fakts: start, show the approval URL, poll challenge. Resolves the claim token. */
async function deviceCode(c: Compiled, endpoint: FaktsEndpoint, manifest: FaktsManifest): Promise<string> {
  const seconds = c.options.approvalTimeoutSeconds ?? 300;
  const started = await postJson(
    c,
    `${endpoint.base_url}start/`,
    { manifest, expiration_time_seconds: seconds, redirect_uris: [], requested_client_kind: "development" },
    "starting a login (start/)",
  );
  const code = started.code;
  if (typeof code !== "string" || code === "") {
    throw new FaktsError("NOT_FAKTS", `${endpoint.base_url}start/ gave no device code`, `is ${c.url} an arkitekt deployment with fakts?`);
  }
  const approval = `${endpoint.base_url}configure/${encodeURIComponent(code)}`;
  const interval = c.options.pollIntervalMs ?? 1000;
  const deadline = Date.now() + seconds * 1000 + 10 * interval;
  let told = false;
  for (;;) {
    const answer = await postJson(c, `${endpoint.base_url}challenge/`, { code }, "waiting for approval (challenge/)");
    if (answer.status === "granted" && typeof answer.token === "string") return answer.token;
    // asked only once the first answer is not a grant: a deployment that approves at once needs nobody
    if (!told && answer.status !== "denied" && answer.status !== "expired") {
      told = true;
      await askForApproval(c, approval, endpoint, manifest);
    }
    if (answer.status === "denied") {
      throw new FaktsError("DENIED", `the login of ${manifest.identifier} ${manifest.version} at ${c.url} was denied on ${approval}`, "start again and click Approve on the page, or ask the deployment's administrator to allow this app");
    }
    if (answer.status === "expired" || Date.now() > deadline) {
      throw new FaktsError("EXPIRED", `nobody approved the login at ${approval} in time (${seconds} s)`, "start again and open the printed URL within the time (or use --redeem-token / ARKITEKT_REDEEM_TOKEN, which needs no browser)");
    }
    await sleep(interval, c.options.signal);
    c.options.signal?.throwIfAborted();
  }
}

/** Prints the approval URL (or hands it to `onApprovalUrl`) and opens a browser unless headless. */
async function askForApproval(c: Compiled, approval: string, endpoint: FaktsEndpoint, manifest: FaktsManifest): Promise<void> {
  const tell = c.options.onApprovalUrl ?? ((url: string) => process.stderr.write(`Approve ${manifest.identifier} ${manifest.version} on ${endpoint.name}: open ${url}\n`));
  tell(approval);
  if (isHeadless(c)) return;
  try {
    await (c.options.openBrowser ?? openInBrowser)(approval);
  } catch (error) {
    c.options.logger?.debug(`could not open a browser (${lowLevel(error)}); open the URL above yourself`);
  }
}

async function claimToken(c: Compiled, endpoint: FaktsEndpoint, manifest: FaktsManifest): Promise<{ token: string; how: string }> {
  const claim = c.options.claimToken ?? c.env[FAKTS_TOKEN_ENV];
  if (present(claim)) return { token: claim, how: FAKTS_TOKEN_ENV };
  const redeem = c.options.redeemToken ?? c.env[REDEEM_TOKEN_ENV];
  if (present(redeem)) {
    const answer = await postJson(c, `${endpoint.base_url}redeem/`, { manifest, token: redeem }, "redeeming the redeem token (redeem/)");
    if (typeof answer.token !== "string") throw new FaktsError("NOT_FAKTS", `${endpoint.base_url}redeem/ gave no claim token`, `is ${c.url} an arkitekt deployment with fakts?`);
    return { token: answer.token, how: "a redeem token" };
  }
  return { token: await deviceCode(c, endpoint, manifest), how: "device-code approval" };
}

async function claim(c: Compiled, endpoint: FaktsEndpoint, token: string): Promise<FaktsConfig> {
  const answer = await postJson(c, `${endpoint.base_url}claim/`, { token, secure: endpoint.base_url.startsWith("https:") }, "claiming the app's configuration (claim/)");
  const config = answer.config as FaktsConfig | undefined;
  if (!config || typeof config !== "object" || !config.auth || typeof config.auth.token_url !== "string" || typeof config.auth.client_id !== "string") {
    throw new FaktsError("NOT_FAKTS", `${endpoint.base_url}claim/ gave no configuration with auth.token_url and client credentials`, `is ${c.url} an arkitekt deployment with fakts?`);
  }
  config.instances ??= {};
  return config;
}

/** `http(s)://host:port/path` of an alias, without trailing slash. */
export function aliasUrl(alias: FaktsAlias): string {
  const port = alias.port === null || alias.port === undefined ? "" : `:${alias.port}`;
  const path = alias.path ? `/${alias.path.replace(/^\/+|\/+$/g, "")}` : "";
  return `${alias.ssl ? "https" : "http"}://${alias.host}${port}${path}`;
}

/** The first alias of the instance whose challenge answers (`GET {alias}/{challenge}`, default `ht`). */
async function pickAlias(c: Compiled, key: string, instance: FaktsInstance, probe: boolean): Promise<string> {
  const tried: string[] = [];
  for (const alias of instance.aliases ?? []) {
    const base = aliasUrl(alias);
    if (!probe) return base;
    const challenge = `${base}/${(alias.challenge ?? "ht").replace(/^\/+/, "")}`;
    try {
      const response = await c.fetch(challenge, { signal: AbortSignal.timeout(c.timeoutMs) });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return base;
      tried.push(`${challenge}: HTTP ${response.status}`);
    } catch (error) {
      tried.push(`${challenge}: ${lowLevel(error)}`);
    }
  }
  throw new FaktsError(
    "NO_ALIAS",
    `no address of the ${key} instance of ${c.url} answers${tried.length ? `: ${tried.join("; ")}` : " (it lists none)"}`,
    "check that the deployment's services run and are reachable from here",
  );
}

function serviceProblem(c: Compiled, config: FaktsConfig, key: string): FaktsError {
  const status = config.statuses?.[key];
  return new FaktsError(
    "NOT_GRANTED",
    `the deployment at ${c.url} did not grant the ${key} service (${key === "rekuest" ? REKUEST_SERVICE : key}${status ? `: ${status}` : ""})`,
    "ask the deployment's administrator to enable rekuest for this app, then log in again (delete .arkitekt/fakts/ to claim afresh)",
  );
}

// ---------------------------------------------------------------------------------------------
// The cache

interface CacheEntry {
  /** The deployment URL asked for, normalised. */
  deployment: string;
  endpoint?: FaktsEndpoint;
  config: FaktsConfig;
  claimedAt: string;
}

/** The file name of an app's cached claim in `.arkitekt/fakts/`. */
export function cacheName(app: { identifier: string; version: string }): string {
  return `${app.identifier}-${app.version}.json`.replace(/[^A-Za-z0-9._-]/g, "_");
}

function normal(url: string): string {
  return url.trim().replace(/\/+$/, "").toLowerCase();
}

async function readCache(file: string, deployment: string): Promise<CacheEntry | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const entry = JSON.parse(await readFile(file, "utf8")) as CacheEntry;
    if (entry && entry.deployment === normal(deployment) && entry.config?.auth?.token_url) return entry;
  } catch {
    return undefined;
  }
  return undefined;
}

async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  const { writeFile, mkdir, chmod, rename } = await import("node:fs/promises");
  const { dirname, join } = await import("node:path");
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // the claim holds the client's secret: keep it out of git even where .arkitekt/ is not ignored
  await writeFile(join(dirname(file), ".gitignore"), "# written by arkitekt-next: claimed deployment configs hold client secrets\n*\n", { flag: "wx" }).catch(() => undefined);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

async function removeCache(file: string): Promise<void> {
  const { rm } = await import("node:fs/promises");
  await rm(file, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Tokens

interface Issued {
  token: string;
  expiresAt: number;
}

/** One client-credentials grant at `token_url` (secret as HTTP Basic and in the body). */
async function grant(c: Compiled, config: FaktsConfig): Promise<{ token: string; expiresIn: number }> {
  const { client_id: id, client_secret: secret, token_url: tokenUrl, scopes } = config.auth;
  const body = new URLSearchParams({ grant_type: "client_credentials", client_id: id, client_secret: secret });
  if (scopes && scopes.length > 0) body.set("scope", scopes.join(" "));
  const basic = btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`);
  let response: Response;
  try {
    response = await c.fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", authorization: `Basic ${basic}` },
      body: body.toString(),
      signal: AbortSignal.timeout(c.timeoutMs),
    });
  } catch (error) {
    throw new FaktsError("UNREACHABLE", `could not reach the token endpoint ${tokenUrl}: ${lowLevel(error)}`, `check that the deployment at ${c.url} runs and is reachable from here`, { cause: error });
  }
  const answer = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } | undefined;
  if (answer?.error === "invalid_client") {
    throw new FaktsError("INVALID_CLIENT", `the deployment at ${c.url} no longer knows this app's client (${tokenUrl}: invalid_client${answer.error_description ? `, ${String(answer.error_description)}` : ""})`, "log in again: delete the cache in .arkitekt/fakts/ and start once more (the app was removed or its secret changed on the deployment)");
  }
  if (!response.ok || typeof answer?.access_token !== "string") {
    const said = answer?.error ? `${String(answer.error)}${answer.error_description ? `: ${String(answer.error_description)}` : ""}` : `HTTP ${response.status}`;
    throw new FaktsError("TOKEN_FAILED", `the token endpoint ${tokenUrl} gave no access token (${said})`, `check the app's permissions on the deployment at ${c.url}, or log in again (delete .arkitekt/fakts/)`);
  }
  const expiresIn = typeof answer.expires_in === "number" && answer.expires_in > 0 ? answer.expires_in : 3600;
  return { token: answer.access_token, expiresIn };
}

// ---------------------------------------------------------------------------------------------

/**
 * Logs in to the deployment at `options.url` (or reuses the cached claim) and returns the rekuest
 * endpoint with a token function. Throws `FaktsError` naming what failed.
 */
export async function faktsLogin(options: FaktsOptions): Promise<FaktsSession> {
  const c: Compiled = {
    url: options.url,
    options,
    fetch: options.fetch ?? globalThis.fetch,
    env: options.env ?? processEnv(),
    timeoutMs: options.requestTimeoutMs ?? 10_000,
  };
  const { join } = await import("node:path");
  const cacheFile = options.cacheDir === false ? undefined : join(options.cacheDir ?? process.cwd(), FAKTS_CACHE_DIR, cacheName(options.app));

  let endpoint: FaktsEndpoint | undefined;
  let config: FaktsConfig | undefined;
  let cached = false;
  let how = "";
  const cachedEntry = cacheFile && !options.fresh ? await readCache(cacheFile, options.url) : undefined;
  if (cachedEntry) {
    config = cachedEntry.config;
    endpoint = cachedEntry.endpoint;
    cached = true;
    options.logger?.debug(`using the claimed configuration of ${options.url} cached in ${cacheFile}`);
  }

  const claimAfresh = async (): Promise<FaktsConfig> => {
    const found = await discover(options.url, options);
    endpoint = found.endpoint;
    const manifest = await faktsManifest(options);
    const got = await claimToken(c, found.endpoint, manifest);
    how = got.how;
    const fresh = await claim(c, found.endpoint, got.token);
    if (cacheFile) await writeCache(cacheFile, { deployment: normal(options.url), endpoint: found.endpoint, config: fresh, claimedAt: new Date().toISOString() });
    options.logger?.info(`logged in to ${found.endpoint.name} at ${found.url} with ${got.how}${cacheFile ? ` (cached in ${cacheFile})` : ""}`);
    return fresh;
  };
  config ??= await claimAfresh();

  // The first token proves the claim still holds; invalid_client: claim once more.
  let first: { token: string; expiresIn: number };
  try {
    first = await grant(c, config);
  } catch (error) {
    if (!(error instanceof FaktsError && error.problem === "INVALID_CLIENT")) throw error;
    options.logger?.info(`the deployment at ${options.url} no longer knows the cached client; logging in again`);
    if (cacheFile) await removeCache(cacheFile);
    cached = false;
    config = await claimAfresh();
    first = await grant(c, config);
  }
  const claimed = config;

  const rekuest = claimed.instances.rekuest;
  if (!rekuest || !rekuest.aliases?.length) throw serviceProblem(c, claimed, "rekuest");
  const url = await pickAlias(c, "rekuest", rekuest, true);
  const s3 = claimed.instances.s3;
  const s3Url = s3?.aliases?.length ? aliasUrl(s3.aliases[0]!) : undefined;

  const margin = options.refreshMarginMs ?? 30_000;
  let issued: Issued = { token: first.token, expiresAt: Date.now() + first.expiresIn * 1000 };
  let lifetime = first.expiresIn * 1000;
  let pending: Promise<Issued> | undefined;
  const renew = (): Promise<Issued> =>
    (pending ??= (async () => {
      try {
        let next: { token: string; expiresIn: number };
        try {
          next = await grant(c, claimed);
        } catch (error) {
          if (!(error instanceof FaktsError && error.problem === "INVALID_CLIENT")) throw error;
          // one more grant before giving up (a secret rotated between two requests)
          next = await grant(c, claimed);
        }
        lifetime = next.expiresIn * 1000;
        issued = { token: next.token, expiresAt: Date.now() + lifetime };
        options.logger?.debug(`new access token from ${claimed.auth.token_url} (expires in ${next.expiresIn} s)`);
        return issued;
      } finally {
        pending = undefined;
      }
    })());
  const token: RefreshingToken = async (info) => {
    const current = issued;
    const due = current.expiresAt - Math.min(margin, lifetime / 2);
    if ((info?.rejected !== undefined && info.rejected === current.token) || Date.now() >= due) return (await renew()).token;
    return current.token;
  };

  return {
    url,
    s3Url,
    token,
    from: `fakts login at ${options.url}${cached ? ` (cached in ${cacheFile})` : how ? ` (${how})` : ""}`,
    endpoint,
    config: claimed,
    cacheFile,
    cached,
  };
}
