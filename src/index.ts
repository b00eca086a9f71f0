/**
 * The user's whole API (see DESIGN.md). Everything here is cheap to import: a production agent
 * loads this file, never the generator (ts-morph) or the server.
 */
import type { RegisterOptions } from "./definition/register-options.js";

declare const intBrand: unique symbol;

/**
 * An integer port (INT). TypeScript has no integer type: `Int` is a number "flavour", so plain
 * numbers are assignable to it and it is usable wherever a number is. `arkitekt-next gen` recognises
 * this alias by its symbol (any import alias works) and maps it to INT; the generated validator
 * refuses non-integers on the wire.
 */
export type Int = number & { readonly [intBrand]?: "Int" };

/** What `register()` accepts besides the function (shared with the generator, which reads it statically). */
export type {
  EffectCondition,
  EffectSpec,
  PortGroupSpec,
  PortOptions,
  RegisterOptions,
  Scalar,
  ValidatorSpec,
  WidgetSpec,
} from "./definition/register-options.js";

/**
 * Marks `fn` as an action of this app. At run time it returns `fn` unchanged; `arkitekt-next gen`
 * finds the call and generates the definition, validators and adapters from `fn`'s signature.
 */
export function register<F extends (...args: never[]) => unknown>(fn: F, options?: RegisterOptions): F {
  void options;
  return fn;
}

/**
 * The structure contract: an object kept in central storage that travels as a reference.
 * Implement it with a class that has `static identifier` (e.g. "@mikro/image") and
 * `static expand(ref)`; the generated adapters call `expand` on incoming references and `shrink`
 * on outgoing objects.
 *
 * A reference must mean the same thing in every process it travels to: `expand` must resolve a
 * reference from anywhere the reference goes (the agent that shrank it, a caller in another
 * process, a later run), so `shrink` puts the object where those processes can read it: the
 * platform's media store, through `upload()` (shrink) and `File.fromId(ref)` / `download()`
 * (expand). An in-memory map is not enough. `File` itself is the built-in structure for files.
 */
export interface Structure<Ref = string> {
  /** Turns this object into the reference that travels on the wire. */
  shrink(): Promise<Ref> | Ref;
}

/** The static side of a structure class. */
export interface StructureClass<T extends Structure<Ref>, Ref = string> {
  readonly identifier: string;
  expand(ref: Ref): Promise<T> | T;
}

export { context, currentContext, type TaskContext, type LogLevel } from "./runtime/context.js";
export { PortValueError, type Registry, type RegistryEntry } from "./runtime/registry.js";
export { GeneratedCodeMismatchError } from "./runtime/generated-abi.js";
export type {
  Port,
  PortKind,
  Definition,
  Implementation,
  Choice,
  JsonValue,
  ActionKind,
  EffectClass,
} from "./definition/model.js";

/**
 * Helpers used by `generated/registry.ts` (validators and adapters). Not meant for direct use;
 * their shape may change with the generator, which always writes matching code.
 */
export * as generatedSupport from "./runtime/structures/support.js";

// ---------------------------------------------------------------------------------------------
// Runtime: agent and caller (owned by the runtime engineer). Add `connect`, `createClient`,
// `call`, `iterate` and their option/handle types below this line.
// ---------------------------------------------------------------------------------------------
export {
  connect,
  AgentStoppedError,
  createClient,
  ArkitektClient,
  TaskFailedError,
  AssignError,
  PlatformLostError,
  call,
  iterate,
  closeDefaultClient,
  codecAdapter,
  StructureReference,
  referenceStructure,
  File,
  upload,
  download,
  MediaError,
  configureMedia,
  MEDIA_DEFAULTS,
} from "./runtime/index.js";
export type {
  AgentHandle,
  ConnectOptions,
  ServedImplementation,
  AgentStop,
  AgentStopCode,
  TaskEnd,
  ReconnectOptions,
  Logger,
  RuntimeLogger,
  ClientOptions,
  CallOptions,
  CallAdapter,
  CallTarget,
  TaskFailureKind,
  RefusedPort,
  TaskEventData,
  CodecAdapterSpec,
  FileInit,
  MediaCallOptions,
  MediaErrorKind,
  MediaOptions,
  StreamSource,
  UploadSource,
} from "./runtime/index.js";

// Every error of ours extends ArkitektError (a stable `code`, a `hint` when the user can act);
// `isArkitektError` also recognises the errors of a second copy of the package.
export { ArkitektError, isArkitektError } from "./shared/errors.js";
export type { ArkitektErrorClass } from "./shared/errors.js";

// Where the platform URL and token come from (options, ARKITEKT_URL / ARKITEKT_TOKEN, the dev-token file).
export { PlatformConfigError, resolvePlatformConfig, resolveS3Endpoint } from "./runtime/config.js";
export type { PlatformConfig, PlatformConfigInput, PlatformConfigProblem, TokenSource, S3Endpoint, S3EndpointInput } from "./runtime/config.js";
// Logging in to a deployment (fakts, issue 17).
export { faktsLogin, FaktsError, FAKTS_TOKEN_ENV, REDEEM_TOKEN_ENV, HEADLESS_ENV } from "./runtime/fakts.js";
export type { FaktsOptions, FaktsSession, FaktsProblem, FaktsManifest, FaktsConfig, RefreshingToken } from "./runtime/fakts.js";
export { resolvePlatformOrLogin } from "./runtime/login.js";
export type { LoginOptions, PlatformLogin, LoggedInConfig } from "./runtime/login.js";

// ---------------------------------------------------------------------------------------------
// GraphQL transport: what users' generated clients (`generated/api/*.ts`) import from here.
// ---------------------------------------------------------------------------------------------
export { createGraphQLClient, GraphQLRequestError, GraphQLTransportError } from "./runtime/transport/index.js";
export type {
  GraphQLClient,
  GraphQLClientOptions,
  GraphQLOperation,
  GraphQLErrorEntry,
  ReconnectOptions as GraphQLReconnectOptions,
  RequestOptions,
  SubscribeOptions,
  TransportLogger,
} from "./runtime/transport/index.js";

// ---------------------------------------------------------------------------------------------
// Issue 16 (H2): lifecycle hooks. Declare them at a module's top level; `arkitekt-next gen` finds
// them and the generated registry imports their files, so they run with the agent.
// ---------------------------------------------------------------------------------------------
export { onStartup, background, onShutdown, LIFECYCLE_DEFAULTS } from "./runtime/lifecycle.js";
export type { LifecycleContext, LifecycleHook, ShutdownOptions } from "./runtime/lifecycle.js";
// Dependencies (issue 16): what `register(fn, { dependencies })` declares and `context().dependency(key)` calls.
export { DependencyError, DependencyClient } from "./runtime/dependencies.js";
export type { DependencyOptions, DependencyAction } from "./definition/register-options.js";
export type { AgentDependency, ActionDependency, ActionDemand, TestTarget } from "./definition/model.js";
// Memory structures (issue 16): objects that stay on the agent that returned them; a caller
// elsewhere gets a `MemoryRef` it can pass back (runtime/memory.ts).
// ---------------------------------------------------------------------------------------------
export { MemoryRef, MemoryStructureError, releaseMemory } from "./runtime/memory.js";
export type { MemoryStructure, MemoryStructureClass, ReleaseOptions as MemoryReleaseOptions } from "./runtime/memory.js";
// Agent state (issue 16): `defineState`, read and changed inside registered functions.
export { defineState, StateValueError, type AgentState, type ReadonlyDeep, type StateChange, type StatePatchOp } from "./runtime/state.js";
