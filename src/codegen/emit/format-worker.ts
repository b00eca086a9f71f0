/** Worker thread of `FormatPool`: formats TypeScript sources with prettier, off the main thread. */
import { parentPort } from "node:worker_threads";
import { loadFormatter } from "./format-options.js";

// Start loading prettier at once, while the main thread is still reading the project.
const formatter = loadFormatter();

parentPort!.on("message", async (message: { id: number; source: string }) => {
  try {
    const result = await (await formatter)(message.source);
    parentPort!.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
