/**
 * Issue 9 #6: one failed commit (disk full) must not hang. The store lives on a small tmpfs that the
 * test fills up: the mutation of the failed batch answers with a clear error, and once space returns
 * the same agent receives the next assign (the per-agent flush state did not outlive the failure).
 * Needs root to mount a tmpfs; where mounting is impossible the test is skipped with a message.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { assign, assignErrors, implOf, setupAgent, type ImplementationInput } from "../helpers/fixture.js";
import { TEST_TIMING, TestServer } from "../helpers/server.js";
import { T1, T2, TOKENS } from "../helpers/tokens.js";

const ECHO: ImplementationInput = {
  interface: "echo",
  effect: "NONE",
  definition: { key: "echo", version: "1", name: "Echo", kind: "FUNCTION", collections: [], args: [{ key: "text", kind: "STRING", nullable: false }], returns: [] },
};

/** Mounts a tmpfs of `size` at a fresh folder; returns it, or the reason it could not. */
function mountTmpfs(size: string): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-diskfull-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
    return { dir };
  } catch (error) {
    rmdirSync(dir);
    return { reason: (error as Error).message.split("\n")[0] ?? "mount failed" };
  }
}

/** Writes `file` until the file system is full (ENOSPC). */
function fillUp(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

describe("issue 9 #6: a full disk", () => {
  it("issue 9 #6: a failed commit (disk full) answers its mutation with a clear error, and the agent is served again once space returns", async (ctx) => {
    const mounted = mountTmpfs("8m");
    if ("reason" in mounted) {
      ctx.skip(`cannot mount a tmpfs here (${mounted.reason}): the disk-full test needs root`);
      return;
    }
    const dataDir = join(mounted.dir, "data");
    const filler = join(mounted.dir, "filler");
    let server: TestServer | undefined;
    try {
      const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir });
      server = new TestServer(handle, dataDir, {});
      const s = server;
      const lab = await setupAgent(s, T1, [ECHO]);
      const { socket } = await s.connectAgent(T1);
      const echo = implOf(lab, "echo").id;

      fillUp(filler);
      // a megabyte of args needs new room in the write-ahead log: its commit fails
      const errors = await assignErrors(s, T2, { implementation: echo, args: { text: "x".repeat(1024 * 1024) } });
      expect(errors.join(" ")).toMatch(/could not save/);

      rmSync(filler);
      const task = await assign(s, T2, { implementation: echo, args: { text: "space is back" } });
      const delivered = await socket.next((f) => f.type === "ASSIGN" && f.task === task.id, 3000);
      expect(delivered.args).toEqual({ text: "space is back" });
      const tasks = await s.gql<{ tasks: Array<{ id: string }> }>(T2, "{ tasks { id } }");
      expect(tasks.tasks.map((t) => t.id)).toEqual([task.id]);
    } finally {
      await server?.close().catch(() => undefined);
      try {
        execFileSync("umount", [mounted.dir], { stdio: "pipe" });
      } finally {
        rmSync(mounted.dir, { recursive: true, force: true });
      }
    }
  });
});
