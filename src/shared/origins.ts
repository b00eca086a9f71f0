/**
 * The environment variable the CLI (`server`, `run dev`) reads more allowed browser origins from,
 * comma- or space-separated, besides `--allow-origin`. Here (not in server/options.ts) so that a
 * command that never starts the server need not load any of it to print its help.
 */
export const ALLOW_ORIGINS_ENV = "ARKITEKT_ALLOW_ORIGINS";
