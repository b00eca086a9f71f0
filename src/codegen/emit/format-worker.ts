/** Worker thread of `FormatPool`: formats TypeScript sources with prettier, off the main thread. */
import { parentPort } from "node:worker_threads";
import { CLAIM_NONE, CLAIM_WORKER, loadFormatter } from "./format-options.js";

// Start loading prettier at once, while the main thread is still reading the project.
const formatter = loadFormatter();

// Each source is claimed first: the main thread may have taken it meanwhile (FormatPool.drain).
parentPort!.on("message", async (message: { id: number; source: string; claim: Int32Array }) => {
  if (Atomics.compareExchange(message.claim, 0, CLAIM_NONE, CLAIM_WORKER) !== CLAIM_NONE) {
    parentPort!.postMessage({ id: message.id });
    return;
  }
  try {
    const result = await (await formatter)(message.source);
    parentPort!.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
