/** The catalog area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released. */
export const CATALOG_MIGRATION = "";
