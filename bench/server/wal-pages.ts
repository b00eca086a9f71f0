/**
 * Which pages one task writes to the WAL, one task at a time (the one-caller case, where every
 * commit writes each page it changed, 4 KB and two system calls a page): the platform core on a
 * store of the server's schema (floor.ts' setup), 300 tasks to warm up, then one task's assign commit
 * and its reports' commit, each page named by the b-tree it belongs to (SQLite's dbstat table).
 *
 *   node --import tsx bench/server/wal-pages.ts
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BENCH_CALLER as caller, setUpCore } from "./floor.js";

const setup = setUpCore();
const db = setup.store.db;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const wal = join(setup.dataDir, readdirSync(setup.dataDir).find((file) => file.endsWith("-wal"))!);
const FRAME = 24 + 4096;

/** The page numbers of the WAL frames written from byte `offset` on. */
function pagesFrom(offset: number): number[] {
  const bytes = readFileSync(wal);
  const pages: number[] = [];
  for (let at = Math.max(offset, 32); at + FRAME <= bytes.length; at += FRAME) pages.push(bytes.readUInt32BE(at));
  return pages;
}

async function oneTask(x: number): Promise<{ assign: number[]; report: number[] }> {
  let offset = statSync(wal).size;
  const task = setup.platform.assign(caller, { implementation: setup.impl, args: { x }, reference: randomUUID() });
  await turn();
  const assign = pagesFrom(offset);
  offset = statSync(wal).size;
  setup.platform.report(setup.link, { type: "YIELD", task: String(task.id), seq: 2 * x, returns: { return0: x } });
  setup.platform.report(setup.link, { type: "COMPLETED", task: String(task.id), seq: 2 * x + 1 });
  await turn();
  return { assign, report: pagesFrom(offset) };
}

for (let x = 0; x < 300; x++) await oneTask(x);
const { assign, report } = await oneTask(300);
const owner = new Map<number, string>((db.prepare("SELECT pageno, name FROM dbstat").all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
const named = (pages: number[]) => pages.map((page) => owner.get(page) ?? `page ${page}`).join(", ");
process.stdout.write(
  [
    `| commit | WAL pages | b-trees |`,
    `| --- | ---: | --- |`,
    `| assign | ${assign.length} | ${named(assign)} |`,
    `| YIELD + COMPLETED | ${report.length} | ${named(report)} |`,
    "",
  ].join("\n"),
);
setup.close();
