/**
 * The embedded server in its own process for bench/runtime/run.ts: prints one JSON line
 * `{"url": ...}` and stops on SIGTERM. Usage: node --import tsx bench/runtime/serve.ts <dataDir> <tokens-json>
 */
import { startServer } from "../../src/server/index.js";

const [dataDir, tokensJson] = process.argv.slice(2);
if (!dataDir || !tokensJson) throw new Error("usage: serve.ts <dataDir> <tokens-json>");
const handle = await startServer({ dataDir, tokens: JSON.parse(tokensJson) as Record<string, Record<string, string>>, port: 0 });
process.stdout.write(`${JSON.stringify({ url: handle.url })}\n`);
process.once("SIGTERM", () => {
  void handle.close().then(() => process.exit(0));
});
