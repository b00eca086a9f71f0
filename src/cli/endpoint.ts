/**
 * Where a platform URL and token come from (DESIGN.md, "Seams"), first hit wins:
 *   1. explicit flags (--url, --token);
 *   2. the environment (ARKITEKT_URL, ARKITEKT_TOKEN);
 *   3. a running embedded dev server's `<dataDir>/dev-token.json` (`{url, token}`), if it answers `GET /ht`.
 * `run dev` starts the embedded server itself when none of these gives an endpoint.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "./errors.js";

export interface Endpoint {
  url: string;
  token: string;
  /** Where it came from, for the log line. */
  source: "flags" | "environment" | "dev server";
}

export interface EndpointFlags {
  url?: string;
  token?: string;
}

/** The default data dir of the embedded server, relative to the project directory. */
export const DEFAULT_DATA_DIR = join(".arkitekt", "dev");

/** Resolves an endpoint, or undefined when nothing names one (and no dev server runs). */
export async function findEndpoint(flags: EndpointFlags, dataDir: string): Promise<Endpoint | undefined> {
  const url = flags.url ?? process.env.ARKITEKT_URL;
  const token = flags.token ?? process.env.ARKITEKT_TOKEN;
  if (url && token) {
    const source = flags.url || flags.token ? "flags" : "environment";
    if (!/^https?:\/\/[^/]/i.test(url)) {
      throw new UserError(
        `the platform URL ${JSON.stringify(url)} (from the ${source}) is not an http(s) URL`,
        "give the platform's http base, e.g. http://127.0.0.1:8080 (GraphQL and the agent socket derive from it)",
      );
    }
    return { url, token, source };
  }
  if (url || token) {
    const missing = url ? "a token" : "a URL";
    throw new UserError(
      `${url ? "a URL" : "a token"} was given but ${missing} is missing`,
      url ? "pass --token or set ARKITEKT_TOKEN" : "pass --url or set ARKITEKT_URL (the platform's http base, e.g. http://127.0.0.1:8080)",
    );
  }
  const dev = readDevToken(dataDir);
  if (dev && (await answers(dev.url))) return { ...dev, source: "dev server" };
  return undefined;
}

function readDevToken(dataDir: string): { url: string; token: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")) as { url?: unknown; token?: unknown };
    if (typeof parsed.url === "string" && typeof parsed.token === "string") return { url: parsed.url, token: parsed.token };
  } catch {
    // no dev server has run here, or its file is unreadable: not an endpoint
  }
  return undefined;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL("/ht", url), { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}
