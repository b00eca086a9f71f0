/**
 * Interop with the platform's Python client (arkitektio/rekuest-next v2.1.2), without Python:
 * frames and values are built exactly as its code builds them (pydantic `model_dump_json()`,
 * which writes every field, nulls included):
 * - `rekuest_next/messages.py` (Assign, Register, Progress, Yield, Completed, ... with `seq`);
 * - `structures/serialization/postman.py` (a Python caller's args: enum member names, naive
 *   `datetime.isoformat()` with microseconds, `{"__use", "__value"}` unions, models with
 *   `__identifier`, structures as `{"__identifier", "object": str(ref)}`);
 * - `structures/serialization/actor.py` (what a Python agent yields: `{"return0": ...}`, dates
 *   via `isoformat()`, read back with `fromisoformat(value.replace("Z", "+00:00"))`).
 *
 * Directions covered: a Python caller's ASSIGN served by our agent; a Python agent's frames
 * (over our server) followed by our caller.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AgentSocket } from "../../src/runtime/agent/agent.js";
import { connect } from "../../src/runtime/agent/index.js";
import { createClient, TaskFailedError } from "../../src/runtime/caller/index.js";
import { implementAgent, ensureAgent } from "../../generated/api/rekuest.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";
import { startRuntimeServer, waitFor } from "../fixtures/runtime/harness.js";
import { implementation, port, registry } from "../fixtures/runtime/registry.js";
import { ScriptedPlatform } from "../fixtures/runtime/scripted-platform.js";
import { CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** `Assign(...).model_dump_json()` as the reference server sends it: every field, nulls included. */
function pythonAssign(task: string, iface: string, args: Record<string, unknown>) {
  return {
    id: randomUUID(),
    type: "ASSIGN",
    interface: iface,
    step: false,
    task,
    root: null,
    parent: null,
    resolution: null,
    capture: false,
    reference: randomUUID(),
    args,
    message: null,
    user: "1",
    org: "static_org",
    action: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    implementation: "5",
    token: null,
  };
}

/** The roundtrip args as `ashrink_arg` writes them for the Python values shown in comments. */
const pythonArgs = {
  s: "text ✓",
  f: 2.0, // float(2)
  flag: true,
  when: "2024-05-06T07:08:09.123456", // datetime(2024, 5, 6, 7, 8, 9, 123456).isoformat(): naive, microseconds
  color: "Green", // Color.GREEN -> value.name
  numbers: [1.0, 2.5],
  scores: { a: 1, b: 2 },
  either: { __use: 1, __value: "word" },
  point: { x: 1.5, y: -2.0, __identifier: "point" },
  image: { __identifier: "@test/image", object: "img-1" },
  images: [
    { __identifier: "@test/image", object: "img-2" },
    { __identifier: "@test/image", object: "42" }, // str(shrink) of an int id
  ],
  maybe: null,
};

describe("Python client interop", () => {
  it("our agent serves an ASSIGN exactly as the reference server writes it, with a Python caller's args", async () => {
    const platform = await ScriptedPlatform.start();
    cleanups.push(() => platform.close());
    const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry, closeTimeoutMs: 200 });
    cleanups.push(() => agent.close());
    const started = agent.start();
    const peer = await platform.accept();
    await started;

    peer.send(pythonAssign("31", "roundtrip", pythonArgs));
    await peer.next("COMPLETED", "31");
    const frames = peer.frames.filter((f) => (f as { task?: string }).task === "31");
    expect(frames.map((f) => f.type)).toEqual(["STARTED", "YIELD", "COMPLETED"]);
    for (const frame of frames) {
      // FromAgentEvent: id (str) and seq (int) on every report.
      expect(typeof frame.id).toBe("string");
      expect(Number.isInteger((frame as { seq?: number }).seq)).toBe(true);
    }
    const returns = (frames[1] as { returns: Record<string, unknown> }).returns;
    // What `aexpand_return` on the Python side reads back:
    expect(returns.return0).toBe("text ✓");
    expect(returns.return1).toBe(2);
    expect(returns.return3).toBe("2024-05-06T07:08:09.123Z"); // naive read as UTC; fromisoformat(replace("Z", "+00:00")) accepts it
    expect(returns.return4).toBe("Green");
    expect(returns.return7).toEqual({ __use: 1, __value: "word" });
    expect(returns.return8).toEqual({ x: 1.5, y: -2, __identifier: "point" });
    expect(returns.return9).toEqual({ __identifier: "@test/image", object: "img-1" });
    expect(returns.return10).toEqual([
      { __identifier: "@test/image", object: "img-2" },
      { __identifier: "@test/image", object: "42" },
    ]);
    expect(returns.return11).toBeNull();
  });

  it("a Python caller's value that does not fit is FAILED naming the port (as the reference actor's PortExpandingError)", async () => {
    const platform = await ScriptedPlatform.start();
    cleanups.push(() => platform.close());
    const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry, closeTimeoutMs: 200 });
    cleanups.push(() => agent.close());
    const started = agent.start();
    const peer = await platform.accept();
    await started;
    // postman.py passes a str straight through for a STRUCTURE port ("a reference to a global structure"):
    // the reference actor refuses it ("We only accept dicts for structures"); so do we, naming the port.
    peer.send(pythonAssign("32", "roundtrip", { ...pythonArgs, image: "img-1" }));
    const failed = await peer.next("FAILED", "32");
    expect((failed as { error: string }).error).toMatch(/port "image"/);
  });

  it("a Python caller's args pass our platform's port check and reach our agent's function intact", async () => {
    const server = await startRuntimeServer();
    cleanups.push(() => server.close());
    const agent = await connect({ url: server.url, token: OTHER_TOKEN, registry });
    cleanups.push(() => agent.close());
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());
    // The args travel verbatim (no adapter): exactly what postman.py put into `assign(args: ...)`.
    const returns = await client.call(agent.implementations.roundtrip!.actionHash, pythonArgs);
    expect(returns.return3).toBe("2024-05-06T07:08:09.123Z");
    expect(returns.return4).toBe("Green");
    expect(returns.return10).toEqual(pythonArgs.images);
  });

  it("our caller follows a task served by a Python-shaped agent (legacy REGISTER with mode, Progress 0 when queued)", async () => {
    const server = await startRuntimeServer();
    cleanups.push(() => server.close());
    // The Python agent registers its definition over GraphQL first (ensureAgent + implementAgent).
    const gql = createGraphQLClient({ url: server.handle.graphqlUrl, token: OTHER_TOKEN });
    cleanups.push(() => gql.close());
    await ensureAgent(gql, { input: { name: "python-agent" } });
    const implemented = await implementAgent(gql, {
      input: {
        name: "python-agent",
        implementations: [
          implementation("generate_n_string", [port("n", "INT")], [port("return0", "STRING")], { kind: "GENERATOR" }),
        ] as never,
      },
    });
    const hash = implemented.implementations[0]!.action.hash;

    const ws = new WebSocket(server.handle.agiUrl);
    cleanups.push(async () => ws.terminate());
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const inbox: Array<Record<string, unknown>> = [];
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.type === "HEARTBEAT") ws.send(JSON.stringify({ id: randomUUID(), type: "HEARTBEAT_ANSWER" }));
      else inbox.push(frame);
    });
    // messages.Register(token=..., session_id=...).model_dump_json() in v2.1.2, `mode` included.
    ws.send(JSON.stringify({ id: randomUUID(), type: "REGISTER", token: OTHER_TOKEN, force: false, mode: "EXECUTOR", session_id: randomUUID() }));
    await waitFor("INIT", () => inbox.find((f) => f.type === "INIT"));

    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());
    const progress: Array<number | undefined> = [];
    const values: unknown[] = [];
    const done = (async () => {
      for await (const value of client.iterate(hash, { n: 2 }, { onProgress: (p) => progress.push(p) })) values.push(value);
    })();
    const assignFrame = await waitFor("ASSIGN", () => inbox.find((f) => f.type === "ASSIGN"));
    const task = assignFrame.task as string;
    // model_dump_json() writes every field, `"seq": null` included (regression: it used to close 3003).
    const event = (frame: Record<string, unknown>) => ws.send(JSON.stringify({ id: randomUUID(), seq: null, ...frame }));
    // actors/functional.py: Progress(progress=0) when queued, then one Yield per item, then Completed.
    event({ type: "PROGRESS", task, progress: 0, message: null });
    event({ type: "YIELD", task, returns: { return0: "a" } });
    event({ type: "YIELD", task, returns: { return0: "b" } });
    event({ type: "COMPLETED", task });
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no completion; the server sent: ${JSON.stringify(inbox.filter((f) => f.type !== "ASSIGN"))}`)), 5000),
      ),
    ]);
    expect(values).toEqual([{ return0: "a" }, { return0: "b" }]);
    expect(progress).toEqual([0]);

    // Critical(error=...) from the Python agent reaches our caller as TaskFailedError.
    const failing = client.call(hash, { n: 1 }).catch((e: unknown) => e);
    const second = await waitFor("second ASSIGN", () => inbox.filter((f) => f.type === "ASSIGN")[1]);
    event({ type: "CRITICAL", task: second.task, error: "ValueError: n must be positive" });
    const error = (await failing) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.kind).toBe("CRITICAL");
    expect(error.remoteMessage).toBe("ValueError: n must be positive");
  });
});
