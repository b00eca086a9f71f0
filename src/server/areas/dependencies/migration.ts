/** The dependencies area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released. */
export const DEPENDENCIES_MIGRATION = "";
