/**
 * Bench helper: runs the embedded server (and, as the floor, a plain ws echo server) in this
 * process, prints one JSON line with their URLs, and stops on SIGTERM.
 * Usage: node --import tsx bench/server/serve.ts <dataDir> <tokens-json>
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { startServer } from "../../src/server/index.js";

const [dataDir, tokensJson] = process.argv.slice(2);
if (!dataDir || !tokensJson) throw new Error("usage: serve.ts <dataDir> <tokens-json>");

const handle = await startServer({ dataDir, tokens: JSON.parse(tokensJson) as Record<string, Record<string, string>>, port: 0 });
const echo = new WebSocketServer({ host: "127.0.0.1", port: 0 });
echo.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
await once(echo, "listening");
process.stdout.write(`${JSON.stringify({ url: handle.url, echo: `ws://127.0.0.1:${(echo.address() as AddressInfo).port}` })}\n`);

process.once("SIGTERM", () => {
  echo.close();
  void handle.close().then(() => process.exit(0));
});
