/** connect() inputs: endpoints derived from the http base; missing url/token and an unreachable platform fail clearly. */
import { describe, expect, it } from "vitest";
import { connect, platformEndpoints, AgentStoppedError } from "../../src/runtime/agent/index.js";
import { createClient, AssignError } from "../../src/runtime/caller/index.js";
import { PlatformConfigError } from "../../src/runtime/config.js";
import { registry } from "../fixtures/runtime/registry.js";

describe("connect options", () => {
  it("derives /graphql and /agi from the http base", () => {
    expect(platformEndpoints("http://127.0.0.1:8080/")).toEqual({ graphqlUrl: "http://127.0.0.1:8080/graphql", agiUrl: "ws://127.0.0.1:8080/agi" });
    expect(platformEndpoints("https://lab.example/rekuest")).toEqual({ graphqlUrl: "https://lab.example/rekuest/graphql", agiUrl: "wss://lab.example/rekuest/agi" });
    expect(() => platformEndpoints("127.0.0.1:8080")).toThrow(/http\(s\) base/);
  });

  it("without url or token (and no ARKITEKT_URL/ARKITEKT_TOKEN) says what to set", async () => {
    const saved = { url: process.env.ARKITEKT_URL, token: process.env.ARKITEKT_TOKEN };
    delete process.env.ARKITEKT_URL;
    delete process.env.ARKITEKT_TOKEN;
    try {
      const error = await connect({ registry, devTokenFile: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformConfigError);
      expect((error as PlatformConfigError).hint).toContain("ARKITEKT_URL");
    } finally {
      if (saved.url !== undefined) process.env.ARKITEKT_URL = saved.url;
      if (saved.token !== undefined) process.env.ARKITEKT_TOKEN = saved.token;
    }
  });

  it("an unreachable platform fails registration with the url in the message", async () => {
    const error = (await connect({ url: "http://127.0.0.1:1", token: "t", registry }).catch((e: unknown) => e)) as AgentStoppedError;
    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(error.code).toBe("ARKITEKT_AGENT_REGISTRATION");
    expect(error.message).toContain("http://127.0.0.1:1/graphql");
  });

  it("a caller against an unreachable platform rejects with AssignError", async () => {
    const client = createClient({ url: "http://127.0.0.1:1", token: "t" });
    try {
      const error = await client.call("somehash", {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AssignError);
      expect((error as AssignError).message).toContain("127.0.0.1:1");
    } finally {
      await client.close();
    }
  });
});
