import { describe, expect, expectTypeOf, it } from "vitest";
import { silentLogger, type Logger } from "../../src/shared/logger.js";
import type { ConnectOptions, ClientOptions, RuntimeLogger, TransportLogger } from "../../src/index.js";
import type { ServerOptions, Logger as ServerLogger } from "../../src/server/index.js";
import type { GenerateOptions, Logger as CodegenLogger } from "../../src/codegen/index.js";
import { cliLogger } from "../../src/cli/logger.js";

describe("shared logger", () => {
  it("is the one logger type of the runtime, the server, codegen and the CLI", () => {
    expectTypeOf<RuntimeLogger>().toEqualTypeOf<Logger>();
    expectTypeOf<ServerLogger>().toEqualTypeOf<Logger>();
    expectTypeOf<CodegenLogger>().toEqualTypeOf<Logger>();
    expectTypeOf<NonNullable<ConnectOptions["logger"]>>().toEqualTypeOf<Logger>();
    expectTypeOf<NonNullable<ClientOptions["logger"]>>().toEqualTypeOf<Logger>();
    expectTypeOf<NonNullable<ServerOptions["logger"]>>().toEqualTypeOf<Logger>();
    expectTypeOf<NonNullable<GenerateOptions["logger"]>>().toEqualTypeOf<Logger>();
    expectTypeOf<TransportLogger>().toEqualTypeOf<Pick<Logger, "debug" | "warn">>();
    expectTypeOf(cliLogger("x")).toEqualTypeOf<Logger>();
  });

  it("the silent logger takes every level and says nothing", () => {
    for (const level of ["debug", "info", "warn", "error"] as const) expect(silentLogger[level]("hello")).toBeUndefined();
  });
});
