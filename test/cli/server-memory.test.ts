import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, tuneHeapForServer } from "../../src/cli/commands/server.js";

describe("server process memory (issue 18)", () => {
  it("issue 18: the server command sets V8's heap growing factor unless node was started with one", () => {
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(tuneHeapForServer([], {})).toBe(true);
    expect(tuneHeapForServer(["--heap-growing-percent=80"], {})).toBe(false);
    expect(tuneHeapForServer(["--heap_growing_percent", "80"], {})).toBe(false);
    expect(tuneHeapForServer([], { NODE_OPTIONS: "--max-old-space-size=512 --heap-growing-percent=80" })).toBe(false);
    expect(tuneHeapForServer(["--max-old-space-size=512"], { NODE_OPTIONS: "--enable-source-maps" })).toBe(true);
  });

});
