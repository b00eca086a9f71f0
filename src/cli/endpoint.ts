/**
 * The CLI's side of "where the URL and token come from" (src/runtime/config.ts has the rules):
 * flags, then ARKITEKT_URL / ARKITEKT_TOKEN field by field, then the dev server's
 * `<dataDir>/dev-token.json` (both or neither). `run dev` starts the embedded server itself when
 * nothing names a platform, or when only a dev-token file does and its server no longer answers.
 *
 * A URL without a token (not the dev server's own) is a deployment: it is logged in to with fakts
 * (src/runtime/fakts.ts; a claim token from FAKTS_TOKEN, a redeem token from --redeem-token /
 * ARKITEKT_REDEEM_TOKEN, else the device-code approval, printed with --headless or without a TTY),
 * the claim cached in the project's `.arkitekt/fakts/`.
 *
 * Failures to reach the platform, or a refused token, are user errors naming the URL or token and
 * where it came from (`platformUserError`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "./errors.js";
import { isArkitektError } from "../shared/errors.js";
import {
  DEFAULT_DEV_DATA_DIR,
  DEV_TOKEN_FILE,
  PlatformConfigError,
  explainPlatformFailure,
  findPlatformConfig,
  resolvePlatformConfig,
  type PlatformConfig,
  type TokenSource,
} from "../runtime/config.js";
import { FAKTS_CACHE_DIR, FaktsError, cacheName } from "../runtime/fakts.js";
import { defaultAppIdentity, loginFor } from "../runtime/login.js";

export type Endpoint = PlatformConfig<TokenSource> & {
  token: TokenSource;
  /** Set when a fakts login gave the URL and token: what an app process needs to log in again from the cache. */
  fakts?: { deployment: string; app: { identifier: string; version: string }; cacheDir: string } | undefined;
  /** The media store's S3 endpoint, when the deployment granted one. */
  s3Url?: string | undefined;
};

export interface EndpointFlags {
  url?: string | undefined;
  token?: string | undefined;
  /** `--redeem-token` (else ARKITEKT_REDEEM_TOKEN). */
  redeemToken?: string | undefined;
  /** `--headless`: print the approval URL, open no browser (default: headless without a TTY). */
  headless?: boolean | undefined;
}

/** Where a fakts login caches its claim and which app it logs in as. */
export interface LoginPlace {
  /** The project directory (its `.arkitekt/fakts/` holds the cache). Default the working directory. */
  cwd?: string | undefined;
  /** Default: arkitekt.json's identifier and version in `cwd` (else package.json's). */
  app?: { identifier: string; version: string } | undefined;
  logger?: { info(message: string): void; debug(message: string): void } | undefined;
  /** Stops a login still under way (the wait for approval); `run prod` passes its Ctrl+C / SIGTERM. */
  signal?: AbortSignal | undefined;
}

/** The help paragraph on logging in to a deployment (shared by the commands). */
export const LOGIN_HELP = `Connect to a deployment: a --url (or ARKITEKT_URL) without a token is logged in to with fakts:
GET <url>/.well-known/fakts, then a claim token from FAKTS_TOKEN, a redeem token (--redeem-token or
ARKITEKT_REDEEM_TOKEN), or the approval of this app in the browser (--headless prints the URL).
The claim is cached in .arkitekt/fakts/<identifier>-<version>.json (mode 0600, no access token) and
reused on the next start; access tokens are fetched again before they expire.
  $ arkitekt-next call --url https://lab.example.org myapp/add a=1
  $ ARKITEKT_REDEEM_TOKEN=... arkitekt-next run prod --url lab.example.org --headless`;

/** The default data dir of the embedded server, relative to the project directory. */
export const DEFAULT_DATA_DIR = DEFAULT_DEV_DATA_DIR;

function input(flags: EndpointFlags, dataDir: string) {
  return { url: flags.url, token: flags.token, explicit: "flag" as const, devTokenFile: join(dataDir, DEV_TOKEN_FILE) };
}

/**
 * For `run dev`: the endpoint the flags, the environment or a *running* dev server give, or
 * undefined when none does (then `run dev` starts one). Partial configuration throws.
 */
export async function findEndpoint(flags: EndpointFlags, dataDir: string, place: LoginPlace = {}): Promise<Endpoint | undefined> {
  const found = (await asUserError(findPlatformConfig(input(flags, dataDir)), flags, place)) as Endpoint | undefined;
  if (!found) return undefined;
  // Only the dev-token file named this platform: a stopped dev server leaves its file behind.
  if (found.devTokenFile && found.urlFrom === found.devTokenFile && !(await answers(found.url))) return undefined;
  return found;
}

/** For `call`: the endpoint, or a user error saying every place that was looked at. */
export async function requireEndpoint(flags: EndpointFlags, dataDir: string, place: LoginPlace = {}): Promise<Endpoint> {
  return (await asUserError(resolvePlatformConfig(input(flags, dataDir)), flags, place)) as Endpoint;
}

/** What `inspect --config` shows: a configured token, or a deployment that commands log in to. */
export type ConfiguredEndpoint =
  | { readonly login: false; readonly config: PlatformConfig<TokenSource> }
  | { readonly login: true; readonly url: string; readonly urlFrom: string; readonly claimCache: string; readonly claimCached: boolean };

/**
 * For `inspect --config`: where the URL and token come from, without connecting. A URL without a
 * token is a deployment the other commands log in to with fakts; it is not logged in to here, and
 * the answer names the claim cache a login would reuse.
 */
export async function configuredEndpoint(flags: EndpointFlags, dataDir: string, place: LoginPlace = {}): Promise<ConfiguredEndpoint> {
  try {
    return { login: false, config: await resolvePlatformConfig(input(flags, dataDir)) };
  } catch (error) {
    if (isArkitektError(error, PlatformConfigError) && error.problem === "NO_TOKEN" && error.given) {
      const cwd = place.cwd ?? process.cwd();
      const claimCache = join(cwd, FAKTS_CACHE_DIR, cacheName(place.app ?? (await defaultAppIdentity(cwd))));
      return { login: true, url: error.given.url, urlFrom: error.given.urlFrom, claimCache, claimCached: existsSync(claimCache) };
    }
    if (isArkitektError(error, PlatformConfigError)) throw new UserError(error.message, error.hint);
    throw error;
  }
}

async function asUserError<T>(promise: Promise<T>, flags: EndpointFlags, place: LoginPlace): Promise<T | Endpoint> {
  try {
    return await promise;
  } catch (error) {
    if (isArkitektError(error, PlatformConfigError) && error.problem === "NO_TOKEN" && error.given) {
      return await login(error.given, error.message, flags, place);
    }
    if (isArkitektError(error, PlatformConfigError)) throw new UserError(error.message, error.hint);
    throw error;
  }
}

/** The fakts login of a URL given without a token. */
async function login(given: { url: string; urlFrom: string }, noToken: string, flags: EndpointFlags, place: LoginPlace): Promise<Endpoint> {
  const cwd = place.cwd ?? process.cwd();
  const app = place.app ?? (await defaultAppIdentity(cwd));
  try {
    const config = await loginFor(
      given,
      {
        app,
        fakts: {
          cacheDir: cwd,
          ...(flags.redeemToken ? { redeemToken: flags.redeemToken } : {}),
          ...(flags.headless ? { headless: true } : {}),
          ...(place.logger ? { logger: place.logger } : {}),
          ...(place.signal ? { signal: place.signal } : {}),
        },
      },
      noToken,
    );
    return { ...config, fakts: { deployment: given.url, app, cacheDir: cwd }, s3Url: config.fakts?.s3Url };
  } catch (error) {
    if (isArkitektError(error, FaktsError)) throw new UserError(error.message, error.hint);
    throw error;
  }
}

/**
 * A user error when `error` is a failure of the endpoint's URL or token (unreachable, refused
 * token, not a platform); undefined for anything else.
 */
export function platformUserError(error: unknown, endpoint: Endpoint): UserError | undefined {
  const failure = explainPlatformFailure(error, endpoint);
  return failure ? new UserError(failure.message, failure.hint) : undefined;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL("/ht", url), { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}
