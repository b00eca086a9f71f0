/**
 * A client whose platform URL and token are resolved on first use (`createClient()` without both
 * in its options or the environment): the dev-token file is read asynchronously, and reading it
 * must not make `createClient` async. `call` and `iterate` first wait for the resolution, so a
 * missing or partial configuration rejects them with `PlatformConfigError` itself; every platform
 * operation waits for it too. A failed resolution is tried again on the next call (a dev server may
 * have started meanwhile).
 */
import { ArkitektClient, type ArkitektClientOptions, type CallOptions, type CallTarget } from "./client.js";
import type { CallerPlatform } from "./platform.js";

interface Deferred {
  platform: CallerPlatform;
  /** Resolves once the real platform is made; rejects with the resolution's error. */
  ready(): Promise<CallerPlatform>;
}

function deferredPlatform(open: () => Promise<CallerPlatform>): Deferred {
  let opening: Promise<CallerPlatform> | undefined;
  let closed = false;
  const ready = (): Promise<CallerPlatform> => {
    if (closed) return Promise.reject(new Error("the client is closed"));
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  const platform: CallerPlatform = {
    assign: async (input) => (await ready()).assign(input),
    cancel: async (task) => (await ready()).cancel(task),
    interrupt: async (task) => (await ready()).interrupt(task),
    taskEvents: async (task) => (await ready()).taskEvents(task),
    findAction: async (target) => (await ready()).findAction(target),
    async *watchMyTasks(signal, onSocketOpen, onSocketClosed) {
      const real = await ready();
      yield* real.watchMyTasks(signal, onSocketOpen, onSocketClosed);
    },
    async close() {
      const pending = opening;
      closed = true;
      const real = pending ? await pending.catch(() => undefined) : undefined;
      await real?.close();
    },
  };
  return { platform, ready };
}

/** An `ArkitektClient` over a platform made once `open` resolves its configuration. */
export function lazyClient(open: () => Promise<CallerPlatform>, options: ArkitektClientOptions): ArkitektClient {
  const deferred = deferredPlatform(open);
  return new LazyClient(deferred, options);
}

class LazyClient extends ArkitektClient {
  readonly #ready: () => Promise<unknown>;

  constructor(deferred: Deferred, options: ArkitektClientOptions) {
    super(deferred.platform, options);
    this.#ready = deferred.ready;
  }

  override async call<A = Record<string, unknown>, R = Record<string, unknown>>(
    target: CallTarget,
    args: A,
    options: CallOptions<A, R> = {},
  ): Promise<R> {
    await this.#ready();
    return super.call(target, args, options);
  }

  override iterate<A = Record<string, unknown>, R = Record<string, unknown>>(
    target: CallTarget,
    args: A,
    options: CallOptions<A, R> = {},
  ): AsyncIterable<R> {
    const ready = this.#ready;
    const inner = (): AsyncIterable<R> => super.iterate(target, args, options);
    return {
      async *[Symbol.asyncIterator]() {
        await ready();
        yield* inner();
      },
    };
  }
}
