/**
 * `run dev`'s generator, in a worker thread: the first `gen`, then `gen --watch` with a warm-up
 * (ts-morph parses synchronously, for seconds when cold: in the main thread that would stall the
 * embedded platform's sockets). Reports each run to the main thread; prints through the CLI logger.
 */
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { cliLogger } from "../logger.js";
import type { Logger } from "../../shared/logger.js";

export interface GenWorkerData {
  cwd: string;
  verbose: boolean;
  /** Run `gen` before serving (false: `--no-gen`). */
  gen: boolean;
}

export type GenWorkerMessage =
  | { type: "first"; ok: boolean }
  | { type: "run"; ok: boolean; durationMs: number }
  | { type: "warm"; durationMs: number }
  | { type: "failed"; message: string };

const data = workerData as GenWorkerData;
const port = parentPort!;
const post = (message: GenWorkerMessage): void => port.postMessage(message);

const codegen = await import("../../codegen/index.js");
const genLogger = cliLogger("gen", { verbose: data.verbose, plainErrors: true });
const controller = new AbortController();
let startWarmUp!: () => void;
/** The warm-up waits until the app serves: on two cores it would slow the start down. */
const serving = new Promise<void>((resolve) => (startWarmUp = resolve));
port.on("message", (message: { type: string }) => {
  if (message.type === "stop") {
    controller.abort();
    startWarmUp();
  }
  if (message.type === "warm-up") startWarmUp();
});

try {
  const generator = new codegen.Generator(data.cwd, { logger: genLogger });
  let first: import("../../codegen/index.js").GenerateResult = {
    ok: true, diagnostics: [], files: [], written: [], removed: [], stale: [], stages: [], skipped: [], functionCount: 0, durationMs: 0,
  };
  if (data.gen) {
    first = await generator.run(false, false);
    codegen.report(first, genLogger, false);
  }
  post({ type: "first", ok: first.ok });
  if (first.ok) {
    const watchLogger: Logger = { ...genLogger, info: genLogger.debug };
    const warmUp = async (): Promise<void> => {
      await serving;
      if (controller.signal.aborted) return;
      const start = performance.now();
      await generator.produce();
      post({ type: "warm", durationMs: performance.now() - start });
    };
    await codegen.watchProject(
      generator,
      watchLogger,
      { signal: controller.signal, onRun: (result) => post({ type: "run", ok: result.ok, durationMs: result.durationMs }) },
      first,
      warmUp,
    );
  }
} catch (error) {
  post({ type: "failed", message: (error as Error).message });
}
port.close();
