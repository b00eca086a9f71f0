/**
 * What the end-to-end server benchmarks share (run.ts, memory.ts): the bench identities, the echo
 * function they implement, a minimal raw agent, the generated client over an open graphql-ws socket,
 * and a router that resolves each assigned task from the `mytasks` events.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";
import { assign, ensureAgent, implementAgent, watchMyTasks } from "../../generated/api/rekuest.js";
import type { GraphQLClient, GraphQLOperation } from "../../src/runtime/transport/index.js";

/** The base URL (`http://host:port`) a started `arkitekt-next server` prints; rejects when it exits first. */
export function serverUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /GraphQL\s+(http:\/\/[^/\s]+)\/graphql/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** CPU time (user + sys, ms) a process has used so far (Linux /proc). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The static tokens the bench server is started with (`--tokens`). */
export const BENCH_TOKENS = {
  "bench-agent": { sub: "agent", client_id: "bench-agent", active_org: "bench", client_app: "bench-agent", client_release: "1.0.0" },
  "bench-caller": { sub: "caller", client_id: "bench-caller", active_org: "bench", client_app: "bench-caller", client_release: "1.0.0" },
};

/** The one function every server bench serves: `echo(x: Int) -> Int`. */
export const ECHO_DEFINITION = {
  key: "echo",
  version: "1",
  name: "Echo",
  kind: "FUNCTION",
  args: [{ key: "x", kind: "INT", nullable: false }],
  returns: [{ key: "return0", kind: "INT", nullable: false }],
} as const;

/** Registers the bench agent with `echo`; returns its implementation id. */
export async function implementEcho(agentClient: GraphQLClient): Promise<string> {
  await ensureAgent(agentClient, { input: { name: "bench" } });
  const definition = { ...ECHO_DEFINITION, args: [...ECHO_DEFINITION.args], returns: [...ECHO_DEFINITION.returns], collections: [], isTestFor: [], portGroups: [] };
  const implemented = await implementAgent(agentClient, { input: { implementations: [{ interface: "echo", definition }] } });
  return implemented.implementations[0]!.id;
}

export async function openWs(target: string): Promise<WebSocket> {
  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return ws;
}

/** A plain ws agent on `/agi` that answers ASSIGN with YIELD + COMPLETED; cheap, so it is never the bottleneck. */
export async function startRawAgent(url: string): Promise<WebSocket> {
  const ws = await openWs(`${url.replace("http", "ws")}/agi`);
  let seq = 0;
  ws.on("message", (data) => {
    const text = data.toString();
    // cheap dispatch on the type prefix
    if (text.startsWith('{"type":"ASSIGN"')) {
      const m = JSON.parse(text) as { task: string; args: { x: number } };
      ws.send(`{"type":"YIELD","id":"y${++seq}","task":"${m.task}","seq":${seq},"returns":{"return0":${m.args.x}}}`);
      ws.send(`{"type":"COMPLETED","id":"c${++seq}","task":"${m.task}","seq":${seq}}`);
    } else if (text.startsWith('{"type":"HEARTBEAT"')) {
      ws.send('{"type":"HEARTBEAT_ANSWER"}');
    }
  });
  const init = new Promise((resolve) => ws.once("message", resolve));
  ws.send(JSON.stringify({ type: "REGISTER", token: "bench-agent", force: true }));
  await init;
  return ws;
}

/** The generated client's interface over the graphql-ws socket: queries and mutations included. */
export function wsGraphqlClient(target: string, token: string): GraphQLClient & { dispose(): void } {
  const client = createWsClient({ url: target, webSocketImpl: WebSocket, connectionParams: { token }, lazy: false, retryAttempts: 0 });
  return {
    url: target,
    request<TData, TVariables, TResult>(operation: GraphQLOperation<TData, TVariables, TResult>): Promise<TResult> {
      return new Promise((resolve, reject) => {
        let result: { data?: unknown; errors?: unknown } | undefined;
        client.subscribe(
          { query: operation.document.toString(), operationName: operation.operationName, variables: (operation.variables ?? {}) as Record<string, unknown> },
          {
            next: (value) => (result = value as typeof result),
            error: reject,
            complete: () => {
              if (!result || result.errors) reject(new Error(JSON.stringify(result?.errors)));
              else resolve((operation.select ? operation.select(result.data as TData) : result.data) as TResult);
            },
          },
        );
      });
    },
    subscribe() {
      throw new Error("not used");
    },
    async close() {
      await client.dispose();
    },
    dispose() {
      void client.dispose();
    },
  };
}

/** Follows `mytasks` and resolves each task's promise on COMPLETED with its last YIELD. */
export class ResultRouter {
  private readonly done = new Map<string, unknown>();
  private readonly waiters = new Map<string, (value: unknown) => void>();
  private readonly lastYield = new Map<string, unknown>();
  private readonly abort = new AbortController();
  ready: Promise<void>;

  constructor(client: GraphQLClient) {
    let markReady!: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    void (async () => {
      const iterator = watchMyTasks(client, {}, { signal: this.abort.signal });
      setTimeout(markReady, 200);
      for await (const change of iterator) {
        const event = change.event;
        if (!event) continue;
        if (event.kind === "YIELD") this.lastYield.set(event.task, event.returns);
        else if (event.kind === "COMPLETED") {
          const value = this.lastYield.get(event.task);
          this.lastYield.delete(event.task);
          const waiter = this.waiters.get(event.task);
          if (waiter) {
            this.waiters.delete(event.task);
            waiter(value);
          } else this.done.set(event.task, value);
        }
      }
    })();
  }

  wait(task: string): Promise<unknown> {
    if (this.done.has(task)) {
      const value = this.done.get(task);
      this.done.delete(task);
      return Promise.resolve(value);
    }
    return new Promise((resolve) => this.waiters.set(task, resolve));
  }

  stop(): void {
    this.abort.abort();
  }
}

/** One call of `echo(x)`: assign, then wait for the result and check it. */
export async function callOnce(client: GraphQLClient, router: ResultRouter, implementation: string, x: number): Promise<void> {
  const task = await assign(client, { input: { implementation, args: { x }, reference: randomUUID() } });
  const returns = (await router.wait(task.id)) as { return0: number };
  if (returns.return0 !== x) throw new Error(`wrong result ${JSON.stringify(returns)} for ${x}`);
}
