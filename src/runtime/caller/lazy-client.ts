/**
 * A client whose platform URL and token are resolved on first use (`createClient()` without both
 * in its options or the environment): the dev-token file is read asynchronously, and reading it
 * must not make `createClient` async. The client is a plain `ArkitektClient` over a deferred
 * platform: the client awaits the platform's `ready()` before anything else on every call, so a
 * missing or partial configuration rejects `call`, `iterate` (its first `next`), the typed stubs and
 * the `call`/`iterate` functions with `PlatformConfigError` itself, and nothing (no subscription
 * socket) starts before the configuration is known. `close()` needs no configuration. A failed
 * resolution is tried again on the next call (a dev server may have started meanwhile).
 */
import { ArkitektClient, type ArkitektClientOptions } from "./client.js";
import type { CallerPlatform } from "./platform.js";
import { deferredMedia, type MediaPlatform } from "../media/platform.js";

/** A platform made once `open` resolves its configuration; every operation waits for it, with all its arguments. */
function deferredPlatform(open: () => Promise<CallerPlatform>): CallerPlatform {
  let opening: Promise<CallerPlatform> | undefined;
  let opened: CallerPlatform | undefined;
  let closed = false;
  const real = (): Promise<CallerPlatform> => {
    if (closed) return Promise.reject(new Error("the client is closed"));
    opening ??= open().then(
      (platform) => (opened = platform),
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    );
    return opening;
  };
  let media: MediaPlatform | undefined;
  return {
    media() {
      media ??= deferredMedia(
        async () => {
          const platform = await real();
          if (!platform.media) throw new Error("this platform has no media store");
          return platform.media();
        },
        () => opened?.media?.().url ?? "the platform (not yet resolved)",
      );
      return media;
    },
    memory() {
      const memoryOf = async () => {
        const platform = await real();
        if (!platform.memory) throw new Error("this platform has no memory shelves");
        return platform.memory();
      };
      return {
        shelve: async (input) => (await memoryOf()).shelve(input),
        unshelve: async (drawer) => (await memoryOf()).unshelve(drawer),
        collect: async (drawers) => (await memoryOf()).collect(drawers),
      };
    },
    async ready() {
      await (await real()).ready?.();
    },
    explain: (error) => opened?.explain?.(error),
    assign: async (input) => (await real()).assign(input),
    cancel: async (task) => (await real()).cancel(task),
    interrupt: async (task) => (await real()).interrupt(task),
    taskEvents: async (task, select) => (await real()).taskEvents(task, select),
    findAction: async (target) => (await real()).findAction(target),
    async *watchMyTasks(signal, onSocketOpen, onSocketClosed, onProblem) {
      yield* (await real()).watchMyTasks(signal, onSocketOpen, onSocketClosed, onProblem);
    },
    async close() {
      const pending = opening;
      closed = true;
      const platform = pending ? await pending.catch(() => undefined) : undefined;
      await platform?.close();
    },
  };
}

/** An `ArkitektClient` over a platform made once `open` resolves its configuration. */
export function lazyClient(open: () => Promise<CallerPlatform>, options: ArkitektClientOptions): ArkitektClient {
  return new ArkitektClient(deferredPlatform(open), options);
}
