/** One app process of `run dev` (child.ts) seen from the parent: spawn, ask, wait for the answer. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ParentMessage } from "./messages.js";

const CHILD_ENTRY = fileURLToPath(new URL("./child.js", import.meta.url));

export class AppProcessError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

type Answer<T extends ChildMessage["type"]> = Extract<ChildMessage, { type: T }>;

export class AppProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<string>;
  #exited = false;
  #waiters: Array<{ types: string[]; resolve(m: ChildMessage): void; reject(e: Error): void }> = [];
  #spare: Promise<void>;
  /** Task lines and unexpected stops, for the supervisor. */
  onEvent: (message: ChildMessage) => void = () => undefined;

  constructor(cwd: string, verbose: boolean) {
    this.child = fork(CHILD_ENTRY, [], {
      cwd,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, ARKITEKT_RUN_VERBOSE: verbose ? "1" : "0" },
      serialization: "json",
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.#exited = true;
        const how = signal ? `signal ${signal}` : `code ${code}`;
        for (const w of this.#waiters.splice(0)) w.reject(new AppProcessError(`the app process exited (${how})`, "see its output above"));
        resolve(how);
      });
    });
    this.child.on("message", (message: ChildMessage) => {
      const index = this.#waiters.findIndex((w) => w.types.includes(message.type));
      if (index >= 0) {
        const [waiter] = this.#waiters.splice(index, 1);
        waiter!.resolve(message);
        return;
      }
      this.onEvent(message);
    });
    this.#spare = this.#wait(["spare"]).then(() => undefined);
    this.#spare.catch(() => undefined);
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** Resolves once tsx and the runtime are loaded. */
  ready(): Promise<void> {
    return this.#spare;
  }

  #wait<T extends ChildMessage["type"]>(types: T[]): Promise<Answer<T> | Answer<"failed">> {
    if (this.#exited) return Promise.reject(new AppProcessError("the app process is gone", undefined));
    return new Promise((resolve, reject) => {
      this.#waiters.push({ types: [...types, "failed"], resolve: resolve as (m: ChildMessage) => void, reject });
    });
  }

  /** Sends an order and waits for its answer; a `failed` answer rejects with its message and hint. */
  async ask<T extends ChildMessage["type"]>(message: ParentMessage, answer: T): Promise<Answer<T>> {
    await this.#spare;
    const waiting = this.#wait([answer]);
    this.child.send(message);
    const reply: ChildMessage = await waiting;
    if (reply.type === "failed") throw new AppProcessError(reply.message, reply.hint);
    return reply as Answer<T>;
  }

  /** Ends the process without waiting for anything. */
  kill(): void {
    if (!this.#exited) this.child.kill("SIGKILL");
  }
}
