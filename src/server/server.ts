import type { ServerOptions } from "./options.js";

export interface ServerHandle {
  /** http base, e.g. `http://127.0.0.1:53211` */
  url: string;
  graphqlUrl: string;
  graphqlWsUrl: string;
  agiUrl: string;
  port: number;
  /** The dev identity's token, when the server made one (no `tokens` option). */
  devToken?: string;
  /** Closes every socket with 1001, stops timers and flushes the store. */
  close(): Promise<void>;
}

export async function startServer(_options: ServerOptions): Promise<ServerHandle> {
  throw new Error("startServer: not implemented yet");
}
