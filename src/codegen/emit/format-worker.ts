/** Worker thread of `FormatPool`: formats TypeScript sources with prettier, off the main thread. */
import { parentPort } from "node:worker_threads";
import { PRETTIER_OPTIONS } from "./format-options.js";

// Start loading prettier at once, while the main thread is still reading the project.
const prettier = import("prettier");

parentPort!.on("message", async (message: { id: number; source: string }) => {
  try {
    const result = await (await prettier).format(message.source, PRETTIER_OPTIONS);
    parentPort!.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
