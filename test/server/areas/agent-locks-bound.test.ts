/**
 * Issue 16 review (locks, server side), fixed by bounding keys (maxNameChars) and lock rows per agent
 * (MAX_LOCKS_PER_AGENT, 256). Before: a LOCK frame for a key the agent never declared
 * (implementAgent(locks)) inserts a new agent_lock row (src/server/areas/agents/records.ts holdLock:
 * INSERT ... ON CONFLICT), and the key's length is not limited (protocol/messages.ts lockSchema:
 * z.string()). One agent token can so grow the store without bound: here 2000 frames with distinct
 * 4 KB keys leave 2000 rows (8 MB) that inspect / Agent.locks then list. Expected: a LOCK on an
 * undeclared key is refused (PROTOCOL_ERROR naming the declared keys), or keys are bounded like other
 * names (maxNameChars) and their number per agent limited.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { MAX_LOCKS_PER_AGENT } from "../../../src/server/areas/agents/index.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { PING, assign, implOf, setupAgent } from "../helpers/fixture.js";
import { TEST_TIMING, TestServer } from "../helpers/server.js";
import { T1, TOKENS } from "../helpers/tokens.js";

describe("issue 16 review: LOCK frames cannot grow the store without bound", () => {
  it("issue 16 review: 2000 LOCK frames with undeclared keys (short or 4 KB) leave at most MAX_LOCKS_PER_AGENT rows, and no key over maxNameChars", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-review-locks-"));
    try {
      const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir });
      const s = new TestServer(handle, dataDir, {});
      try {
        const fixture = await setupAgent(s, T1, [PING]);
        const { socket } = await s.connectAgent(T1);
        const taskId = (await assign(s, T1, { implementation: implOf(fixture, "ping").id, args: {} })).id;
        await socket.next("ASSIGN");
        await socket.reportAcked("STARTED", taskId);
        for (let i = 0; i < 1000; i++) socket.send({ type: "LOCK", key: `${i}-${"k".repeat(4096)}`, task: taskId });
        for (let i = 0; i < 1000; i++) socket.send({ type: "LOCK", key: `short-${i}`, task: taskId });
        await socket.reportAcked("COMPLETED", taskId);
      } finally {
        await handle.close();
      }
      const db = new Database(join(dataDir, STORE_FILE), { readonly: true });
      const { rows, bytes } = db.prepare("SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(key)), 0) AS bytes FROM agent_lock").get() as { rows: number; bytes: number };
      db.close();
      expect(rows, `${rows} lock rows, ${bytes} bytes of keys`).toBe(MAX_LOCKS_PER_AGENT);
      expect(bytes).toBeLessThan(MAX_LOCKS_PER_AGENT * 20);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
