/**
 * The error base of src/shared/errors.ts. `run dev` can load a second copy of the package (the
 * app's and the CLI's), so the tests build a real second copy: our error modules transpiled and
 * evaluated apart from the ones vitest loaded, once in this realm and once in a fresh `vm` realm
 * (its own `Error`, so even `instanceof Error` fails there).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ARKITEKT_ERROR_BRAND, ArkitektError, isArkitektError } from "../../src/shared/errors.js";
import { AssignError, PlatformLostError, TaskFailedError } from "../../src/runtime/caller/errors.js";
import { PortValueError } from "../../src/runtime/registry.js";
import { GraphQLRequestError, GraphQLTransportError } from "../../src/runtime/transport/errors.js";
import { AgentStoppedError } from "../../src/runtime/agent/errors.js";
import { TaskAbortedError } from "../../src/runtime/agent/task-run.js";
import { PlatformConfigError } from "../../src/runtime/config.js";
import { MediaError } from "../../src/runtime/media/errors.js";
import { ReportedError, UserError, isUserFacing } from "../../src/cli/errors.js";
import { ServerStartError } from "../../src/server/options.js";
import { PlatformError } from "../../src/server/platform.js";
import { StoreWriteError } from "../../src/server/store/store.js";
import { PageError } from "../../src/server/graphql/pages.js";
import { ConfigError } from "../../src/codegen/config.js";
import { MissingStageError } from "../../src/codegen/index.js";
import { describeValueError } from "../../src/runtime/agent/task-run.js";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

type Module = Record<string, unknown>;

/**
 * Loads `files` (paths under src/) as a separate copy of the package: each transpiled to CommonJS
 * and run with its own `require` that resolves only within the copy. With `realm`, in that vm context.
 */
function loadCopy(files: string[], realm?: object): Record<string, Module> {
  const modules: Record<string, Module> = {};
  const sources = new Map(files.map((file) => [join(src, file), file]));
  const load = (path: string): Module => {
    const file = sources.get(path);
    if (file === undefined) throw new Error(`the second copy has no ${path}`);
    if (modules[file]) return modules[file]!;
    const exports: Module = {};
    modules[file] = exports;
    const js = ts.transpileModule(readFileSync(path, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const require = (specifier: string): Module => {
      if (!specifier.startsWith(".")) return {}; // type-only imports of packages are erased anyway
      return load(resolve(dirname(path), specifier).replace(/\.js$/, ".ts"));
    };
    const wrapped = `(function (exports, require) {${js}\n})`;
    const fn = (realm ? runInContext(wrapped, realm) : (0, eval)(wrapped)) as (e: Module, r: typeof require) => void;
    fn(exports, require);
    return exports;
  };
  for (const file of files) load(join(src, file));
  return modules;
}

const COPY_FILES = ["shared/errors.ts", "runtime/caller/errors.ts", "runtime/registry.ts", "cli/errors.ts"];

type Ctor = new (...args: never[]) => Error;

function secondCopy(realm?: object) {
  const copy = loadCopy(COPY_FILES, realm);
  const caller = copy["runtime/caller/errors.ts"]!;
  return {
    ArkitektError: copy["shared/errors.ts"]!.ArkitektError as Ctor,
    TaskFailedError: caller.TaskFailedError as new (taskId: string, kind: string, message: string, target: string) => Error,
    PortValueError: copy["runtime/registry.ts"]!.PortValueError as new (port: string, message: string) => Error,
    UserError: copy["cli/errors.ts"]!.UserError as new (message: string, hint?: string) => Error,
    ReportedError: copy["cli/errors.ts"]!.ReportedError as new (exitCode?: number) => Error,
  };
}

describe("the error base (src/shared/errors.ts)", () => {
  it("every error class of ours extends it, keeping its name, code and message", () => {
    const cases: Array<[ArkitektError, string, string]> = [
      [new TaskFailedError("t1", "FAILED", "bad", "app/add"), "TaskFailedError", "ARKITEKT_TASK_FAILED"],
      [new AssignError("app/add", "no agent"), "AssignError", "ARKITEKT_ASSIGN_FAILED"],
      [new PlatformLostError("app/add", "t1", 15_000), "PlatformLostError", "ARKITEKT_PLATFORM_LOST"],
      [new PortValueError("a", "expected an integer"), "PortValueError", "ARKITEKT_PORT_VALUE"],
      [new GraphQLRequestError("Assign", [{ message: "nope" }]), "GraphQLRequestError", "ARK_GRAPHQL_ERROR"],
      [new GraphQLTransportError("Assign", "refused"), "GraphQLTransportError", "ARK_GRAPHQL_TRANSPORT"],
      [new AgentStoppedError("ARKITEKT_AGENT_BLOCKED", "blocked", "ask an administrator"), "AgentStoppedError", "ARKITEKT_AGENT_BLOCKED"],
      [new TaskAbortedError("t1", "CANCELLED"), "AbortError", "ARKITEKT_TASK_ABORTED"],
      [new PlatformConfigError("NO_TOKEN", "no token", "set ARKITEKT_TOKEN"), "PlatformConfigError", "ARKITEKT_PLATFORM_CONFIG"],
      [new MediaError("REFUSED", "no store ms_1", "was it uploaded here?"), "MediaError", "ARKITEKT_MEDIA"],
      [new UserError("bad flag", "use --url"), "UserError", "ARKITEKT_USER_ERROR"],
      [new ReportedError(2), "ReportedError", "ARKITEKT_REPORTED"],
      [new ServerStartError("bad port", "pass --port 0", "ARKITEKT_SERVER_BAD_OPTION"), "ServerStartError", "ARKITEKT_SERVER_BAD_OPTION"],
      [new PlatformError("no such agent", "NOT_FOUND"), "PlatformError", "NOT_FOUND"],
      [new StoreWriteError("/tmp/db", new Error("SQLITE_FULL")), "StoreWriteError", "STORE_UNAVAILABLE"],
      [new PageError("limit too big"), "PageError", "BAD_USER_INPUT"],
      [new ConfigError("bad arkitekt.json", "fix it"), "ConfigError", "ARK_CONFIG"],
      [new MissingStageError("graphql", "rebuild"), "MissingStageError", "ARK_MISSING_STAGE"],
    ];
    for (const [error, name, code] of cases) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ArkitektError);
      expect(isArkitektError(error)).toBe(true);
      expect([error.name, error.code]).toEqual([name, code]);
    }
    expect(new TaskFailedError("t1", "FAILED", "bad", "app/add").message).toBe("task t1 (app/add) ended FAILED: bad");
    expect(new PortValueError("a", "expected an integer").message).toBe('port "a": expected an integer');
    expect(new PlatformLostError("app/add", "t1", 15_000).hint).toMatch(/check that the platform is running/);
    expect(new GraphQLTransportError("Assign", "refused", undefined, { cause: "why" }).cause).toBe("why");
  });

  it("is branded under Symbol.for('arkitekt-next.error'), and plain errors or look-alikes are not ours", () => {
    expect(ARKITEKT_ERROR_BRAND).toBe(Symbol.for("arkitekt-next.error"));
    expect(isArkitektError(new Error("x"))).toBe(false);
    expect(isArkitektError(Object.assign(new Error("x"), { code: "ARKITEKT_TASK_FAILED", hint: "h" }))).toBe(false);
    expect(isArkitektError(null)).toBe(false);
    expect(isArkitektError("ARKITEKT_TASK_FAILED")).toBe(false);
    expect(isArkitektError(new AssignError("a", "b"), TaskFailedError)).toBe(false);
    expect(new AssignError("a", "b") instanceof TaskFailedError).toBe(false);
  });

  it("recognises an error made by a second copy of the package (same realm), by class too", () => {
    const copy = secondCopy();
    expect(copy.ArkitektError).not.toBe(ArkitektError);
    const failed = new copy.TaskFailedError("t9", "CRITICAL", "boom", "app/divide");
    expect(Object.getPrototypeOf(failed)).not.toBe(TaskFailedError.prototype);
    expect(isArkitektError(failed)).toBe(true);
    expect(isArkitektError(failed, TaskFailedError)).toBe(true);
    expect(failed instanceof TaskFailedError).toBe(true);
    expect(failed instanceof ArkitektError).toBe(true);
    expect(failed instanceof AssignError).toBe(false);
    if (!isArkitektError(failed, TaskFailedError)) throw new Error("unreachable");
    expect([failed.code, failed.kind, failed.taskId, failed.message]).toEqual(["ARKITEKT_TASK_FAILED", "CRITICAL", "t9", "task t9 (app/divide) ended CRITICAL: boom"]);
    // and the other way round: the copy's instanceof knows our errors
    expect(new TaskFailedError("t1", "FAILED", "", "x") instanceof copy.TaskFailedError).toBe(true);
  });

  it("recognises an error made in another realm, where even instanceof Error fails", () => {
    const copy = secondCopy(createContext({}));
    const error = new copy.PortValueError("a", "expected an integer, got 1.5");
    expect(error instanceof Error).toBe(false);
    expect(isArkitektError(error)).toBe(true);
    expect(error instanceof PortValueError).toBe(true);
    expect(error instanceof MediaError).toBe(false);
  });

  it("the agent names the port when the args' PortValueError comes from the app's copy of the package", () => {
    const copy = secondCopy();
    expect(describeValueError(new copy.PortValueError("a", "expected an integer"), "args")).toBe('port "a": expected an integer');
    expect(describeValueError(new Error("nope"), "args")).toBe("args could not be expanded: nope");
  });

  it("the CLI shows a second copy's error with a hint as a user error, and knows its ReportedError", () => {
    for (const copy of [secondCopy(), secondCopy(createContext({}))]) {
      expect(isUserFacing(new copy.UserError("bad --url", "pass http://..."))).toBe(true);
      expect(isUserFacing(new copy.UserError("no hint"))).toBe(true);
      expect(isUserFacing(new copy.TaskFailedError("t1", "FAILED", "", "x"))).toBe(false);
      expect(isArkitektError(new copy.ReportedError(3), ReportedError)).toBe(true);
    }
    expect(isUserFacing(new PlatformLostError("x", undefined, 1000))).toBe(true);
    expect(isUserFacing(new TaskFailedError("t1", "FAILED", "", "x"))).toBe(false);
    expect(isUserFacing(Object.assign(new Error("not ours"), { hint: "h" }))).toBe(true);
    expect(isUserFacing(new Error("no hint"))).toBe(false);
  });
});
