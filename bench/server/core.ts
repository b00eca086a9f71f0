/**
 * The platform core alone (no sockets, no GraphQL): assign + YIELD + COMPLETED per task against a
 * real store, to separate the core's cost from the transports'.
 *   node --import tsx bench/server/core.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandClaims } from "../../src/server/auth.js";
import { compileOptions } from "../../src/server/options.js";
import { Platform, type AgentLink } from "../../src/server/platform.js";
import { Store } from "../../src/server/store/store.js";

const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-core-"));
const options = compileOptions({ dataDir });
const store = new Store(dataDir);
const platform = new Platform(store, options, options.logger);
const agentId = expandClaims("a", { sub: "agent", client_id: "agent", active_org: "bench" });
const caller = expandClaims("c", { sub: "caller", client_id: "caller", active_org: "bench" });
platform.implementAgent(agentId, {
  implementations: [
    { interface: "echo", definition: { key: "echo", version: "1", name: "Echo", kind: "FUNCTION", args: [{ key: "x", kind: "INT", nullable: false }], returns: [] } },
  ],
});
const claim = platform.claim(agentId, "conn", true, null);
if (!claim.ok) throw new Error("claim failed");
let sent = 0;
const link: AgentLink = {
  connectionId: "conn",
  agentId: claim.agent.id,
  identity: agentId,
  epoch: claim.epoch,
  lastOutboxId: 0,
  send: () => void sent++,
  close: () => undefined,
};
store.commit();
platform.attach(link);
const impl = String(store.implementationsOfAgent(claim.agent.id)[0]!.id);

async function run(n: number, batch: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    for (let j = 0; j < batch; j++) {
      const task = platform.assign(caller, { implementation: impl, args: { x: i + j } });
      platform.report(link, { type: "YIELD", task: String(task.id), returns: { return0: i + j } });
      platform.report(link, { type: "COMPLETED", task: String(task.id) });
    }
    await new Promise((resolve) => setImmediate(resolve)); // let the group commit run
  }
  return (performance.now() - t0) / n;
}
await run(2000, 1);
const one = await run(10000, 1);
const many = await run(20000, 64);
process.stdout.write(`| core: assign + YIELD + COMPLETED, one task per commit | ${(one * 1000).toFixed(0)} µs/task |\n`);
process.stdout.write(`| core: the same, 64 tasks per group commit | ${(many * 1000).toFixed(0)} µs/task |\n`);
platform.close();
store.close();
rmSync(dataDir, { recursive: true, force: true });
