import { relative } from "node:path";

/** " at src/x.ts:3:7" for the first stack frame inside the app (not node_modules), or "". */
export function userFrame(error: unknown, appDir: string): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const match of stack.matchAll(/\(?((?:file:\/\/)?\/[^():\s]+):(\d+):(\d+)\)?/g)) {
    const path = match[1]!.replace(/^file:\/\//, "");
    if (path.startsWith(appDir) && !path.includes("/node_modules/")) return ` at ${relative(appDir, path)}:${match[2]}:${match[3]}`;
  }
  return "";
}
