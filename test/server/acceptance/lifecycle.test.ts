/**
 * Server lifecycle (issue 5, items 1, 5 and 8): graceful shutdown closes sockets with 1012 (issue 10 #5) and keeps the
 * store (in-process `close()` and the CLI on SIGTERM / SIGINT), a dev identity and its token when no token
 * map is given, and clear start-up errors (port in use, data dir not writable, bad tokens).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { AgentSocket } from "../helpers/agent-socket.js";
import { CliServer, runCli } from "../helpers/cli-server.js";
import { ADD, ensureAgent, getTask, implOf, setupAgent, startTask } from "../helpers/fixture.js";
import { graphqlData } from "../helpers/graphql.js";
import { startTestServer } from "../helpers/server.js";
import { TOKENS, T1, T2 } from "../helpers/tokens.js";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "arkitekt-lifecycle-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("graceful shutdown", () => {
  it("closes registered agent sockets with 1012 (service restart) when the in-process server is closed", async () => {
    const s = await startTestServer();
    let closed = false;
    try {
      await ensureAgent(s, T1);
      const { socket } = await s.connectAgent(T1);
      const unregistered = await s.openAgent();
      await s.handle.close();
      closed = true;
      expect((await socket.closed()).code).toBe(1012);
      expect((await unregistered.closed()).code).toBe(1012);
    } finally {
      if (!closed) await s.close();
    }
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const restart = signal === "SIGTERM"; // one restart check is enough; it costs a process start
    it(`shuts the CLI server down on ${signal}: agent sockets close 1012 and the process exits 0${restart ? ", and a restart finds the data" : ""}`, async () => {
      const tokensFile = join(dir, "tokens.json");
      await writeFile(tokensFile, JSON.stringify(TOKENS));
      const options = { dataDir: join(dir, "data"), tokensFile, heartbeatIntervalMs: 300, heartbeatTimeoutMs: 1000, staleAfterMs: 3000, graceMs: 60_000 };
      const first = await CliServer.start(options);
      let second: CliServer | undefined;
      try {
        const lab = await setupAgent(first, T1, [ADD]);
        const socket = await AgentSocket.open(first.agiUrl);
        await socket.register(T1);
        const { task } = await startTask(first, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
        // add has a return port: its result comes first (issue 9 #5: COMPLETED without a YIELD would end FAILED)
        socket.report("YIELD", task.id, { returns: { return0: 3 } });
        await socket.reportAcked("COMPLETED", task.id);

        const exit = await first.stop(signal);
        expect((await socket.closed()).code).toBe(1012);
        expect(exit.code).toBe(0);

        if (restart) {
          second = await CliServer.start(options);
          expect(await getTask(second, T2, task.id)).toMatchObject({ isDone: true, latestEventKind: "COMPLETED" });
        }
      } finally {
        await first.kill();
        await second?.kill();
      }
    });
  }
});

describe("logging", () => {
  it("logs through the injected logger at debug: a line for the agent's connection and for each task transition", async () => {
    const lines: Array<{ level: string; message: string }> = [];
    const record = (level: string) => (message: string) => {
      lines.push({ level, message });
    };
    const s = await startTestServer({ logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") } });
    try {
      const lab = await setupAgent(s, T1, [ADD]);
      const { socket } = await s.connectAgent(T1);
      const { task } = await startTask(s, socket, T2, implOf(lab, "add").id, { a: 1, b: 2 });
      await socket.reportAcked("COMPLETED", task.id);
      await socket.close();

      const debug = lines.filter((l) => l.level === "debug").map((l) => l.message);
      expect(debug.some((m) => m.includes(`agent ${lab.agentId}`) && /connect/i.test(m)), debug.join("\n")).toBe(true);
      const aboutTask = new RegExp(`\\btask ${task.id}\\b`);
      expect(debug.some((m) => aboutTask.test(m) && /assign/i.test(m)), debug.join("\n")).toBe(true);
      expect(debug.some((m) => aboutTask.test(m) && /COMPLETED/.test(m)), debug.join("\n")).toBe(true);
      expect(lines.filter((l) => l.level === "error")).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

describe("dev identity", () => {
  it("creates a dev identity without a token map, returns its token and writes dev-token.json readable by the owner only", async () => {
    const handle = await startServer({ dataDir: dir, port: 0 });
    try {
      expect(typeof handle.devToken).toBe("string");
      const token = handle.devToken as string;
      const file = join(dir, "dev-token.json");
      expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ url: handle.url, token });
      expect((await stat(file)).mode & 0o077).toBe(0);

      const ensured = await graphqlData<{ ensureAgent: { id: string } }>(handle.graphqlUrl, token, "mutation { ensureAgent(input: {name: \"dev\"}) { id } }");
      const socket = await AgentSocket.open(handle.agiUrl);
      const init = await socket.register(token);
      expect(init).toMatchObject({ type: "INIT", agent: ensured.ensureAgent.id });
      await socket.close();
    } finally {
      await handle.close();
    }
  });

  it("keeps the same dev token across restarts on the same data dir", async () => {
    const first = await startServer({ dataDir: dir, port: 0 });
    const token = first.devToken;
    await first.close();
    const second = await startServer({ dataDir: dir, port: 0 });
    try {
      expect(second.devToken).toBe(token);
    } finally {
      await second.close();
    }
  });

  it("prints the URLs and the dev token when the CLI starts without --tokens", async () => {
    const server = await CliServer.start({ dataDir: join(dir, "data"), heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 1000, staleAfterMs: 3000, graceMs: 0 });
    try {
      const saved = JSON.parse(await readFile(join(dir, "data", "dev-token.json"), "utf8")) as { token: string };
      expect(server.stdout).toContain(`http://127.0.0.1:${server.port}/graphql`);
      expect(server.stdout).toContain(`ws://127.0.0.1:${server.port}/agi`);
      expect(server.stdout).toContain(saved.token);
    } finally {
      await server.kill();
    }
  });
});

describe("start-up errors", () => {
  it("refuses a port that is already in use with an error naming the port", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startServer({ dataDir: dir, port, tokens: TOKENS })).rejects.toThrow(new RegExp(`${port}.*in use`));
    } finally {
      blocker.close();
    }
  });

  it("refuses a data dir that cannot be written, naming it", async () => {
    const file = join(dir, "not-a-folder");
    await writeFile(file, "");
    const dataDir = join(file, "data");
    await expect(startServer({ dataDir, port: 0, tokens: TOKENS })).rejects.toThrow(dataDir);
  });

  it("refuses an empty token map", async () => {
    await expect(startServer({ dataDir: dir, port: 0, tokens: {} })).rejects.toThrow(/token/);
  });

  it("exits 1 with a message naming the file when the CLI gets a tokens file that is not JSON", async () => {
    const tokensFile = join(dir, "tokens.json");
    await writeFile(tokensFile, "{ not json");
    const result = await runCli(["server", "--port", "0", "--data", join(dir, "data"), "--tokens", tokensFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(tokensFile);
    expect(result.stderr).not.toMatch(/^\s+at /m); // a user error, not a stack trace
  });
});
