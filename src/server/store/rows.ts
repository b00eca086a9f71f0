/**
 * Rows of a read as plain objects, built in JavaScript from better-sqlite3's raw rows (arrays).
 * better-sqlite3 builds each row object through V8's API, one property at a time: about 0.35 µs per
 * column, so a page of 100 tasks (23 columns) cost 0.8 ms where the read itself took 0.4 (issue 18).
 * An object literal made by a function compiled once per column list costs a few nanoseconds.
 *
 * The objects are the ones better-sqlite3 gives: the same keys in the same order (a repeated name
 * keeps its last value), the same values.
 */
import type Database from "better-sqlite3";

type RowBuilder = (raw: unknown[]) => unknown;

/** One builder per column list (statements of the same shape share it). */
const builders = new Map<string, RowBuilder>();
/** The most column lists kept; past it the map starts again empty (list queries are built from a few shapes). */
const BUILDER_LIMIT = 500;

function builderOf(columns: readonly string[]): RowBuilder {
  const key = JSON.stringify(columns);
  let builder = builders.get(key);
  if (!builder) {
    if (builders.size >= BUILDER_LIMIT) builders.clear();
    // the names are SQLite's column names of our own statements, quoted by JSON.stringify: `{"id": raw[0], ...}`
    const fields = columns.map((name, i) => `${JSON.stringify(name)}: raw[${i}]`).join(", ");
    builder = new Function("raw", `return { ${fields} };`) as RowBuilder;
    builders.set(key, builder);
  }
  return builder;
}

/** The builder of each raw statement, with its number of columns. */
const statementBuilders = new WeakMap<Database.Statement, { build: RowBuilder; width: number }>();

function builderFor(statement: Database.Statement): { build: RowBuilder; width: number } {
  const columns = statement.columns().map((c) => c.name);
  const made = { build: builderOf(columns), width: columns.length };
  statementBuilders.set(statement, made);
  return made;
}

/**
 * Every row of `statement` (prepared for this use only: it is switched to raw mode) as an object.
 * A statement that returns no data runs as `all` would.
 */
export function allRows<T>(statement: Database.Statement, params: readonly unknown[]): T[] {
  if (!statement.reader) return statement.all(...params) as T[];
  let made = statementBuilders.get(statement);
  if (!made) {
    statement.raw(true);
    made = builderFor(statement);
  }
  const raw = statement.all(...params) as unknown[][];
  // SQLite prepares a statement again after a schema change (a migration adding a column): its columns are read again
  if (raw.length > 0 && raw[0]!.length !== made.width) made = builderFor(statement);
  const rows = new Array<T>(raw.length);
  for (let i = 0; i < raw.length; i++) rows[i] = made.build(raw[i]!) as T;
  return rows;
}
