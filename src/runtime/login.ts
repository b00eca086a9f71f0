/**
 * The URL and token of `connect`, `createClient` and the CLI, with a fakts login (fakts.ts) where
 * the static rules of config.ts end: a deployment URL without a token (and not the dev server's own
 * URL) is logged in to. A static token, the environment and the dev-token file keep working
 * exactly as before.
 */
import { isArkitektError } from "../shared/errors.js";
import { PlatformConfigError, resolvePlatformConfig, type PlatformConfig, type PlatformConfigInput, type TokenSource } from "./config.js";
import { FaktsError, faktsLogin, type FaktsOptions, type FaktsSession } from "./fakts.js";

/** What a fakts login may be told; `url` and `app` come from the caller's configuration. */
export type LoginOptions = Omit<FaktsOptions, "url" | "app">;

export interface PlatformLogin {
  /** The app's identity on the deployment. Default: `arkitekt.json` (or `package.json`) in the working directory. */
  app?: { identifier: string; version: string } | undefined;
  /** Options of the fakts login, or `false` to never log in (a URL without a token is then an error). */
  fakts?: LoginOptions | false | undefined;
}

export type LoggedInConfig = PlatformConfig<TokenSource> & {
  /** Set when a fakts login gave the URL and token. */
  fakts?: FaktsSession;
};

/** Like `resolvePlatformConfig`, but a URL without a token is logged in to with fakts. */
export async function resolvePlatformOrLogin(input: PlatformConfigInput<TokenSource>, login: PlatformLogin = {}): Promise<LoggedInConfig> {
  try {
    return await resolvePlatformConfig(input);
  } catch (error) {
    if (!isArkitektError(error, PlatformConfigError) || error.problem !== "NO_TOKEN" || !error.given || login.fakts === false) throw error;
    return await loginFor(error.given, login, error.message);
  }
}

/** The fakts login of `given.url`; a failure says both that no token was given and why the login failed. */
export async function loginFor(given: { url: string; urlFrom: string }, login: PlatformLogin, noToken?: string): Promise<LoggedInConfig> {
  const app = login.app ?? (await defaultAppIdentity());
  try {
    const session = await faktsLogin({ ...(login.fakts || {}), url: given.url, app });
    return { url: session.url, token: session.token, urlFrom: `${given.urlFrom}, rekuest of that deployment`, tokenFrom: session.from, devTokenFile: undefined, fakts: session };
  } catch (error) {
    if (!noToken || !isArkitektError(error, FaktsError)) throw error;
    throw new FaktsError(error.problem, `${noToken}, and logging in there failed: ${error.message}`, `${error.hint}; or pass a static token (--token / ARKITEKT_TOKEN)`, { cause: error.cause });
  }
}

/**
 * The app's identity as the CLI knows it: `arkitekt.json`'s `identifier` and `version` in `cwd`,
 * else `package.json`'s `name` and `version`, else `arkitekt-next-app` 0.0.0.
 */
export async function defaultAppIdentity(cwd?: string): Promise<{ identifier: string; version: string }> {
  const { readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const dir = cwd ?? process.cwd();
  const read = async (file: string): Promise<Record<string, unknown> | undefined> => {
    try {
      return JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const project = await read("arkitekt.json");
  const pkg = await read("package.json");
  const identifier = [project?.identifier, pkg?.name].find((v): v is string => typeof v === "string" && v !== "") ?? "arkitekt-next-app";
  const version = [project?.version, pkg?.version].find((v): v is string => typeof v === "string" && v !== "") ?? "0.0.0";
  return { identifier, version };
}
