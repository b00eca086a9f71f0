/** The IPC messages between `run dev`'s supervisor (parent) and its app process (child.ts). */

export type ParentMessage =
  | { type: "load"; registryFile: string }
  | {
      type: "connect";
      url: string;
      token: string;
      /** Where the URL and token came from, for the failure messages (`explainPlatformFailure`). */
      urlFrom: string;
      tokenFrom: string;
      devTokenFile?: string;
      /** Set after a fakts login (issue 17): the app process logs in itself from the cached claim (then `token` is empty). */
      fakts?: { deployment: string; app: { identifier: string; version: string }; cacheDir: string };
      /** The same for every app process of one `run dev`: the platform sees one agent session across reloads. */
      sessionId: string;
      name?: string;
      force: boolean;
      /** How long a drain (or close) waits for in-flight tasks before reporting them CRITICAL. */
      drainTimeoutMs?: number;
    }
  | { type: "drain" }
  | { type: "close" };

export type ChildMessage =
  | { type: "spare" }
  | { type: "loaded"; functions: number }
  | { type: "connected"; agentId: string; implemented: boolean; served: Array<{ key: string; hash: string }> }
  | { type: "failed"; message: string; hint?: string | undefined }
  | { type: "drained" }
  | { type: "closed" }
  | { type: "stopped"; message?: string; hint?: string; code?: string }
  /** A finished task's log lines, as `taskEndLines` writes them (dev mode: with the stack). */
  | { type: "task"; text: string };
