/** Worker thread for `formatMany`: formats TypeScript sources with prettier, off the main thread. */
import { parentPort } from "node:worker_threads";
import { format } from "prettier";
import { PRETTIER_OPTIONS } from "./format-options.js";

parentPort!.on("message", async (message: { id: number; sources: string[] }) => {
  try {
    const results: string[] = [];
    for (const source of message.sources) results.push(await format(source, PRETTIER_OPTIONS));
    parentPort!.postMessage({ id: message.id, results });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
