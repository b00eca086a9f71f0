/**
 * The runtime transport's HTTP client (issue 18, fourth round): the same GraphQL request (`{ __typename }`)
 * through `createGraphQLClient` with node's global fetch and with its default in node (undici's
 * `request`), 16 at a time against the embedded server in its own process, alternated round by round.
 * Prints the client's CPU per request (this process), the server's, and requests per second.
 *
 *   npm run build && node --import tsx bench/server/http-client.ts [--quick]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGraphQLClient, type GraphQLOperation } from "../../src/runtime/transport/index.js";
import { BENCH_TOKENS, processCpuMs, serverUrl } from "./harness.js";

const quick = process.argv.includes("--quick");
const rounds = quick ? 2 : 4;
const perRound = quick ? 2000 : 4000;
const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-http-client-"));
writeFileSync(join(dataDir, "tokens.json"), JSON.stringify(BENCH_TOKENS));
const child = spawn(process.execPath, ["bin/arkitekt-next.js", "server", "--port", "0", "--data", join(dataDir, "store"), "--tokens", join(dataDir, "tokens.json")], {
  stdio: ["ignore", "pipe", "inherit"],
});
const url = `${await serverUrl(child)}/graphql`;
const probe: GraphQLOperation<{ __typename: string }, Record<string, never>> = { document: "query Probe { __typename }", operationName: "Probe" };
const clients = {
  "global fetch": createGraphQLClient({ url, token: "bench-caller", fetch: (input, init) => globalThis.fetch(input, init) }),
  "default (undici request)": createGraphQLClient({ url, token: "bench-caller" }),
};
const rows: string[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const [name, client] of Object.entries(clients)) {
    for (let i = 0; i < 300; i++) await client.request(probe);
    const self0 = process.cpuUsage();
    const server0 = processCpuMs(child.pid!);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = 0; i < perRound / 16; i++) await client.request(probe);
    }));
    const seconds = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    rows.push(`| ${round} | ${name} | ${((self.user + self.system) / perRound).toFixed(0)} µs | ${(((processCpuMs(child.pid!) - server0) / perRound) * 1000).toFixed(0)} µs | ${(perRound / seconds).toFixed(0)} |`);
  }
}
for (const client of Object.values(clients)) await client.close();
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(
  [`| round | client | client CPU per request | server CPU per request | requests/s (16 at a time) |`, `| --- | --- | ---: | ---: | ---: |`, ...rows].join("\n") + "\n",
);
