/**
 * The server's write coalescing (src/server/cork.ts) on a real WebSocket pair: frames sent in one turn
 * wait corked, `flushWrites` writes one socket out at once, and `flushAfterCommit` writes out what a
 * commit's promise callbacks sent in the same turn, before the loop reads sockets again.
 */
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { coalesceWrites, flushAfterCommit, flushWrites } from "../../../src/server/cork.js";

const opened: Array<{ close(): void }> = [];

afterEach(() => {
  for (const item of opened.splice(0)) item.close();
});

/** A server-side socket with coalesced writes, and the frames its client has received so far. */
async function pair(): Promise<{ server: WebSocket; tcp: Socket; received: string[] }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  opened.push(wss);
  await new Promise((resolve) => wss.once("listening", resolve));
  const { port } = wss.address() as { port: number };
  const connected = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  opened.push(client);
  const received: string[] = [];
  client.on("message", (data) => received.push(String(data)));
  await new Promise((resolve) => client.once("open", resolve));
  const server = await connected;
  coalesceWrites(server);
  return { server, tcp: (server as unknown as { _socket: Socket })._socket, received };
}

const immediate = () => new Promise((resolve) => setImmediate(resolve));

describe("coalesced writes", () => {
  it("holds a turn's frames corked and writes them out on the next immediate", async () => {
    const { server, tcp, received } = await pair();
    server.send("a");
    server.send("b");
    expect(tcp.writableCorked).toBe(1);
    await immediate();
    expect(tcp.writableCorked).toBe(0);
    await expect.poll(() => received).toEqual(["a", "b"]);
  });

  it("flushWrites writes one socket out at once, and the next send corks it again", async () => {
    const { server, tcp, received } = await pair();
    server.send("assign");
    flushWrites(server);
    expect(tcp.writableCorked).toBe(0);
    server.send("later");
    expect(tcp.writableCorked).toBe(1);
    await immediate();
    expect(tcp.writableCorked).toBe(0);
    await expect.poll(() => received).toEqual(["assign", "later"]);
  });

  it("flushAfterCommit writes out what promise callbacks of the commit's immediate sent, in the same turn", async () => {
    const { server, tcp } = await pair();
    let corkedAtNextTurn: number | undefined;
    // the commit: an immediate whose sends happen in promise callbacks (as graphql-ws' subscription loops)
    setImmediate(() => {
      // queued from within the check phase, so it runs on the next turn, after any I/O of that turn
      setImmediate(() => (corkedAtNextTurn = tcp.writableCorked));
      void Promise.resolve().then(() => server.send("event"));
    });
    flushAfterCommit();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(corkedAtNextTurn).toBe(0);
  });
});
