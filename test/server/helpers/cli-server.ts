/**
 * The server as the CLI runs it, in a child process (`node bin/arkitekt-next.js server ...`), for the
 * restart scenario: it can be killed with SIGKILL and started again on the same data dir. Needs the
 * compiled package (`npm run build`, which `npm test` runs first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { graphqlData, graphqlErrors, graphqlRequest, type GraphQLResponse, type Variables } from "./graphql.js";
import { within } from "./wait.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../../bin/arkitekt-next.js", import.meta.url));
const DIST_CLI = fileURLToPath(new URL("../../../dist/src/cli/index.js", import.meta.url));

export interface CliServerOptions {
  dataDir: string;
  /** Absent: the server makes a dev identity and prints its token. */
  tokensFile?: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  staleAfterMs: number;
  graceMs: number;
}

export class CliServer {
  stdout = "";
  stderr = "";
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    public port = 0,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get graphqlUrl(): string {
    return `${this.url}/graphql`;
  }
  get agiUrl(): string {
    return `ws://127.0.0.1:${this.port}/agi`;
  }

  request<T>(token: string | undefined, query: string, variables?: Variables): Promise<GraphQLResponse<T>> {
    return graphqlRequest<T>(this.graphqlUrl, token, query, variables);
  }
  gql<T>(token: string, query: string, variables?: Variables): Promise<T> {
    return graphqlData<T>(this.graphqlUrl, token, query, variables);
  }
  gqlErrors(token: string | undefined, query: string, variables?: Variables): Promise<string[]> {
    return graphqlErrors(this.graphqlUrl, token, query, variables);
  }

  /** Starts `arkitekt-next server --port 0 ...` and resolves once it printed its URL and `GET /ht` is 200. */
  static async start(options: CliServerOptions): Promise<CliServer> {
    if (!existsSync(DIST_CLI)) {
      throw new Error(`the CLI is not built (${DIST_CLI} is missing): run \`npm run build\` before the restart test`);
    }
    const args = [
      BIN,
      "server",
      "--port",
      "0",
      "--data",
      options.dataDir,
      "--heartbeat-interval",
      String(options.heartbeatIntervalMs),
      "--heartbeat-timeout",
      String(options.heartbeatTimeoutMs),
      "--stale-after",
      String(options.staleAfterMs),
      "--grace",
      String(options.graceMs),
      ...(options.tokensFile === undefined ? [] : ["--tokens", options.tokensFile]),
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const server = new CliServer(child);
    const portFound = new Promise<number>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        server.stdout += chunk.toString("utf8");
        const match = /(?:https?|wss?):\/\/(?:127\.0\.0\.1|localhost):(\d+)/.exec(server.stdout);
        if (match?.[1]) resolve(Number(match[1]));
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        server.stderr += chunk.toString("utf8");
      });
      void server.exited.then(({ code, signal }) =>
        reject(new Error(`the server exited (code ${code}, signal ${signal}) before printing its URL\nstdout: ${server.stdout}\nstderr: ${server.stderr}`)),
      );
    });
    try {
      server.port = await within(portFound, 15_000, "the CLI server to print its URL");
      await within(server.waitHealthy(), 10_000, "GET /ht to answer 200");
    } catch (error) {
      await server.kill();
      throw error;
    }
    return server;
  }

  private async waitHealthy(): Promise<void> {
    for (;;) {
      try {
        const response = await fetch(`${this.url}/ht`);
        if (response.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (this.exitInfo) throw new Error(`the server exited: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends `signal` and resolves with how the process exited (rejects after `timeoutMs`). */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exitInfo) this.child.kill(signal);
    return within(this.exited, timeoutMs, `the server to exit after ${signal}`);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed beyond what was committed. */
  async kill(): Promise<void> {
    if (this.exitInfo) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

/** Runs the CLI with `args` to completion (for start-up failures); resolves with its exit code and output. */
export async function runCli(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(DIST_CLI)) throw new Error(`the CLI is not built (${DIST_CLI} is missing): run \`npm run build\``);
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const code = await within(
    new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c))),
    timeoutMs,
    `arkitekt-next ${args.join(" ")} to exit`,
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  return { code, stdout, stderr };
}
