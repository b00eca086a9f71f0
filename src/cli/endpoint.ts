/**
 * The CLI's side of "where the URL and token come from" (src/runtime/config.ts has the rules):
 * flags, then ARKITEKT_URL / ARKITEKT_TOKEN field by field, then the dev server's
 * `<dataDir>/dev-token.json` (both or neither). `run dev` starts the embedded server itself when
 * nothing names a platform, or when only a dev-token file does and its server no longer answers.
 *
 * Failures to reach the platform, or a refused token, are user errors naming the URL or token and
 * where it came from (`platformUserError`).
 */
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
} from "../runtime/config.js";

export type Endpoint = PlatformConfig<string> & { token: string };

export interface EndpointFlags {
  url?: string | undefined;
  token?: string | undefined;
}

/** The default data dir of the embedded server, relative to the project directory. */
export const DEFAULT_DATA_DIR = DEFAULT_DEV_DATA_DIR;

function input(flags: EndpointFlags, dataDir: string) {
  return { url: flags.url, token: flags.token, explicit: "flag" as const, devTokenFile: join(dataDir, DEV_TOKEN_FILE) };
}

/**
 * For `run dev`: the endpoint the flags, the environment or a *running* dev server give, or
 * undefined when none does (then `run dev` starts one). Partial configuration throws.
 */
export async function findEndpoint(flags: EndpointFlags, dataDir: string): Promise<Endpoint | undefined> {
  const found = (await asUserError(findPlatformConfig(input(flags, dataDir)))) as Endpoint | undefined;
  if (!found) return undefined;
  // Only the dev-token file named this platform: a stopped dev server leaves its file behind.
  if (found.devTokenFile && found.urlFrom === found.devTokenFile && !(await answers(found.url))) return undefined;
  return found;
}

/** For `call`: the endpoint, or a user error saying every place that was looked at. */
export async function requireEndpoint(flags: EndpointFlags, dataDir: string): Promise<Endpoint> {
  return (await asUserError(resolvePlatformConfig(input(flags, dataDir)))) as Endpoint;
}

async function asUserError<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (isArkitektError(error, PlatformConfigError)) throw new UserError(error.message, error.hint);
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
