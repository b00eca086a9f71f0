/**
 * The schema walk (test/server/walk) fills a real server with rows of every table, for two
 * organisations, through the public API only. Each area contributes one module here
 * (`populate/<area>.ts`) exporting `populate(org: WalkOrg): Promise<void>`; the walk calls every
 * module once for organisation "lab" (T1) and once for "elsewhere" (T3), after the core rows exist.
 */
import type { AgentSocket } from "../../helpers/agent-socket.js";
import type { ImplementationRef } from "../../helpers/fixture.js";
import type { TestServer } from "../../helpers/server.js";

export interface WalkOrg {
  server: TestServer;
  /** The organisation's token (T1 for "lab", T3 for "elsewhere"). */
  token: string;
  /** "lab" or "elsewhere": put it into names so a leak shows which organisation a row came from. */
  org: string;
  /** Runs a query or mutation with `token`; throws on GraphQL errors. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** An agent of this organisation, connected on /agi, with the fixture implementations (test/server/helpers/fixture.ts). */
  agent: { id: string; socket: AgentSocket; impl: Record<string, ImplementationRef> };
  /** A finished task of this organisation (assigned to the agent's "add" implementation). */
  taskId: string;
}

export type Populate = (org: WalkOrg) => Promise<void>;
