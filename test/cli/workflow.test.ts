/**
 * Issue 13, workflows code-first: the example app's `tileStats` streams the yields of `tile`
 * through `measure`, calling both through the typed stubs with `context().client`. The agent runs
 * in a `run dev` child process, the caller here: the workflow's yields arrive as they are made,
 * and every child task carries the workflow's task as parent and root (read back through GraphQL).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { app, startRunDev, type RunDev } from "./run-dev.js";

/** The app the example's stubs target (its own identity under run dev), as arkitekt.json selects it. */
const APP = (JSON.parse(readFileSync(join(app, "arkitekt.json"), "utf8")) as { actions: { select: Array<{ app: string }> } }).actions.select[0]!.app;

interface TaskRow {
  id: string;
  action: { key: string };
  parent: { id: string } | null;
  root: { id: string } | null;
}

describe("issue 13: a workflow's child tasks", () => {
  let runDev: RunDev;
  let client: ArkitektClient;
  let dev: { url: string; token: string };

  beforeAll(async () => {
    runDev = await startRunDev("arkitekt-workflow-");
    const file = join(runDev.dataDir, "dev-token.json");
    dev = JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string };
    client = createClient({ devTokenFile: file });
  });

  afterAll(async () => {
    await client?.close();
    await runDev?.stop();
  });

  async function tasks(filters: Record<string, unknown>): Promise<TaskRow[]> {
    const response = await fetch(`${dev.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${dev.token}` },
      body: JSON.stringify({
        query: "query($f: TaskFilter) { tasks(filters: $f) { id action { key } parent { id } root { id } } }",
        variables: { f: filters },
      }),
    });
    const body = (await response.json()) as { data?: { tasks: TaskRow[] }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!.tasks;
  }

  it("issue 13: tileStats streams tile's yields through measure; each child task has the workflow as parent and root", async () => {
    const { return0: image } = await client.call<Record<string, unknown>, { return0: unknown }>({ app: APP, key: "gradient" }, { width: 6, height: 4 });
    let outer: string | undefined;
    const stats: Array<{ count: number; min: number; max: number }> = [];
    for await (const y of client.iterate<Record<string, unknown>, { return0: { count: number; min: number; max: number } }>(
      { app: APP, key: "tileStats" },
      { image, size: 3 },
      { onAssigned: (id) => (outer = id) },
    )) {
      stats.push(y.return0);
    }
    // 6 x 4 cut into 3 x 3 tiles: 3x3, 3x3, 3x1, 3x1.
    expect(stats.map((s) => s.count)).toEqual([9, 9, 3, 3]);
    expect(outer).toMatch(/^\d+$/);

    const children = await tasks({ parent: outer });
    expect(children.map((t) => t.action.key).sort()).toEqual(["measure", "measure", "measure", "measure", "tile"]);
    for (const child of children) {
      expect(child.parent?.id).toBe(outer);
      expect(child.root?.id).toBe(outer);
    }
    const [workflow] = await tasks({ ids: [outer] });
    expect(workflow).toMatchObject({ action: { key: "tileStats" }, parent: null, root: null });
  });
});
