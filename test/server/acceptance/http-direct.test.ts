/**
 * Issue 18: the plain POST of a client that is no browser is answered without yoga (http-direct.ts).
 * Its answers must be the ones yoga gives: each request below is sent twice, once as a CLI sends it
 * (no Origin: the direct path) and once from the server's own page (Origin: yoga), and status,
 * media type and body must be equal. A result with errors is answered by yoga from the result the
 * direct path computed: a mutation is never run twice.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negotiatedMediaType } from "../../../src/server/graphql/http-direct.js";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { TEST_TIMING } from "../helpers/server.js";
import { T1, TOKENS } from "../helpers/tokens.js";

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

describe("issue 18: GraphQL over HTTP without yoga for plain client requests", () => {
  let handle: ServerHandle;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "arkitekt-http-direct-"));
    handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir });
  });
  afterAll(async () => {
    await handle.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const send = async (body: string, headers: Record<string, string>, viaYoga: boolean): Promise<Answer> => {
    const all: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${T1}`, ...headers };
    if (viaYoga) all.origin = new URL(handle.graphqlUrl).origin;
    const response = await fetch(handle.graphqlUrl, { method: "POST", headers: all, body });
    return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() };
  };
  const both = async (body: string, headers: Record<string, string> = {}) => ({ direct: await send(body, headers, false), yoga: await send(body, headers, true) });

  it("issue 18: the direct answer equals yoga's for results, errors, refusals and every Accept", async () => {
    const query = (q: string, variables?: unknown) => JSON.stringify({ query: q, ...(variables === undefined ? {} : { variables }) });
    const cases: Array<[string, string, Record<string, string>?]> = [
      ["a plain query", query("{ agents { id name } }")],
      ["a query with a variable whose input leaves out a defaulted non-null field", query("query ($p: OffsetPaginationInput) { tasks(pagination: $p) { id } }", { p: { limit: 3 } })],
      ["a resolver error (not found)", query('{ action(id: "999") { id } }')],
      ["a validation error", query("{ agents { nope } }")],
      ["a parse error", query("{ agents { ")],
      ["a refused variable", query("query ($p: OffsetPaginationInput) { tasks(pagination: $p) { id } }", { p: { limit: "x" } })],
      ["a body that is no JSON", "{ not json"],
      ["an unknown body key", JSON.stringify({ query: "{ agents { id } }", other: 1 })],
      ["a subscription", query("subscription { mytasks { create { id } } }")],
      ["Accept: application/graphql-response+json first", query("{ agents { id } }"), { accept: "application/graphql-response+json, application/json" }],
      ["Accept: application/json", query("{ agents { id } }"), { accept: "application/json" }],
      ["Accept: */*", query("{ agents { id } }"), { accept: "*/*" }],
      ["Accept: text/event-stream", query("{ agents { id } }"), { accept: "text/event-stream" }],
    ];
    for (const [label, body, headers] of cases) {
      const { direct, yoga } = await both(body, headers);
      expect(direct, label).toEqual(yoga);
    }
  });

  it("issue 18: a mutation whose result has errors runs once (yoga answers the computed result)", async () => {
    const body = JSON.stringify({ query: 'mutation { createDashboard(input: { name: "once" }) { id } bad: assign(input: { implementation: "99999", args: {} }) { id } }' });
    const direct = await send(body, {}, false);
    const answer = JSON.parse(direct.body) as { errors?: unknown[] };
    expect(answer.errors?.length).toBeGreaterThan(0);
    const list = await send(JSON.stringify({ query: "{ dashboards { name } }" }), {}, false);
    const names = (JSON.parse(list.body) as { data: { dashboards: Array<{ name: string }> } }).data.dashboards.map((t) => t.name);
    expect(names.filter((name) => name === "once")).toHaveLength(1);
  });

  it("issue 18: a plain request is answered by the direct path, a browser's by yoga (raw header names tell them apart)", async () => {
    const rawNames = (headers: Record<string, string>) =>
      new Promise<string[]>((resolve, reject) => {
        const req = request(handle.graphqlUrl, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${T1}`, ...headers } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.rawHeaders.filter((_, i) => i % 2 === 0)));
        });
        req.on("error", reject);
        req.end(JSON.stringify({ query: "{ agents { id } }" }));
      });
    // the direct path writes its own lower-case names; whatwg-node writes yoga's `Content-Type`
    expect(await rawNames({})).toContain("content-type");
    expect(await rawNames({ origin: new URL(handle.graphqlUrl).origin })).toContain("Content-Type");
  });

  it("issue 18: the media type is the one yoga's negotiation picks", () => {
    expect(negotiatedMediaType(undefined)).toBe("application/json");
    expect(negotiatedMediaType("*/*")).toBe("application/json");
    expect(negotiatedMediaType("application/graphql-response+json, application/json")).toBe("application/graphql-response+json");
    expect(negotiatedMediaType("application/json, application/graphql-response+json")).toBe("application/json");
    expect(negotiatedMediaType("text/event-stream, application/json;q=0.9")).toBe("application/json");
    expect(negotiatedMediaType("text/event-stream")).toBeUndefined();
    expect(negotiatedMediaType("application/json; charset=latin1")).toBeUndefined();
  });
});
