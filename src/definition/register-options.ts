/**
 * What `register(fn, options)` accepts besides the function: the shared vocabulary of the runtime's
 * `register()` (src/index.ts re-exports these types unchanged) and of the generator, which reads
 * the options statically (src/codegen/functions/options.ts has one reader per option, checked
 * against this type by the compiler: a new option here without a reader there fails `tsc`).
 */
import type { EffectSpec, PortGroupSpec, ValidatorSpec, WidgetSpec } from "./hints.js";
import type { ActionDemand, EffectClass, TestTarget } from "./model.js";

export type { EffectCondition, EffectSpec, PortGroupSpec, Scalar, ValidatorSpec, WidgetSpec } from "./hints.js";

/**
 * Per-port overrides of what the generator derives from the parameter name and JSDoc, and the
 * port's form hints (src/definition/hints.ts says what each form means and which ports take it).
 */
export interface PortOptions {
  /** Shown in forms instead of the parameter name. */
  label?: string;
  /** Replaces the `@param` / `@returns` text. */
  description?: string;
  /** How the form draws the port: a slider, a paragraph or a choice (a return port: a choice). */
  widget?: WidgetSpec;
  /** Rules every side checks (server at assign, agent, caller, form); arg ports only. */
  validators?: ValidatorSpec[];
  /** Hide or show the port depending on another arg port's value (the form only); arg ports only. */
  effects?: EffectSpec[];
}

/**
 * What `register()` accepts besides the function. Read statically by `arkitekt-next gen`: every
 * value must be a literal (string, boolean, array of strings, object of literals).
 */
export interface RegisterOptions {
  /** The implementation's interface, unique per agent. Default: the function name in snake_case. */
  interface?: string;
  /** The definition key. Default: the function name as written. */
  key?: string;
  /** Display name. Default: the function name in Title Case ("blurImage" -> "Blur Image"). */
  name?: string;
  /** Replaces the JSDoc summary and body. */
  description?: string;
  /** Definition version. Default: "1". */
  version?: string;
  /** Collections that group actions in the UI. */
  collections?: string[];
  /** The action keeps state between calls. */
  stateful?: boolean;
  /** Same args always give the same result and no side effects (implies idempotent). */
  pure?: boolean;
  /** Calling twice with the same args has the effect of calling once. */
  idempotent?: boolean;
  /** PHYSICAL when the function acts on the physical world (a task lost on disconnect is not retried). */
  effect?: EffectClass;
  /** Whether the implementation needs the caller's token. Default: true. */
  needsToken?: boolean;
  /** Label/description overrides and form hints per port key (parameter name, or `return0`, `return1`, ...). */
  ports?: Record<string, PortOptions>;
  /** Sections of the form: arg ports shown together under a title. */
  portGroups?: PortGroupSpec[];

  // --- issue 16: locks and per-function concurrency (H2) ---
  /**
   * Resources a task of this function holds while it runs, e.g. `["camera"]`: tasks that share a
   * lock run one at a time on the agent, across functions. Sent as `ImplementationInput.locks`;
   * the agent declares every lock its functions take (`implementAgent(locks)`).
   */
  locks?: string[];
  /** At most this many tasks of this function run at once (a whole number >= 1), on top of the agent-wide limit. */
  concurrency?: number;
  // --- dependencies and the rest of DefinitionInput (issue 16, H3) ---------------------------
  /**
   * Other apps' actions this function calls while it runs, by dependency key (what
   * `context().dependency(key)` takes): `{ segment: { app: "com.example.seg", key: "segment_cells" } }`.
   * The platform resolves each to a live agent before it assigns a task; an unresolved one refuses
   * the task naming it.
   */
  dependencies?: Record<string, DependencyOptions>;
  /** The actions this function tests (`TestTargetInput`): `[{ app: "com.example.seg", key: "segment_cells" }]`. */
  isTestFor?: TestTarget[];
  /** Marks the action as under development. Default: true when the function has no JSDoc and no `description`. */
  isDev?: boolean;
}

/**
 * One dependency of a registered function (`AgentDependencyInput`): an agent of `app` (and
 * `version`) that offers the actions named by `key` (one action) and/or `actions` (several). Each
 * action is a slot whose key is the action key: the `method` a call through the dependency names.
 */
export interface DependencyOptions {
  /** The app whose agents may serve it (the agent's app, and each action's app unless it names its own). */
  app?: string;
  /** The app release the agent must run (e.g. "1.0.0"); any when left out. */
  version?: string;
  /** One action of that app to call: shorthand for `actions: [key]`. */
  key?: string;
  /** Several actions of that app to call: action keys, or demands naming the action more closely. */
  actions?: Array<string | DependencyAction>;
  /** Why the function needs it (shown when resolving). */
  description?: string;
  /** The function runs without it: tasks are assigned even when it is unresolved. Default false. */
  optional?: boolean;
  /** The platform may bind live agents by itself. Default true; false needs a resolution at assign. */
  autoResolvable?: boolean;
  /** Fewest agents that must serve it. */
  minViableInstances?: number;
  /** Most agents bound to it. */
  maxViableInstances?: number;
  /** How many agents autoResolve binds. */
  preferedInstances?: number;
}

/** One action slot of a dependency: `key` is the action key (and the slot's `method`); the rest narrow the demand. */
export interface DependencyAction extends Omit<ActionDemand, "key"> {
  key: string;
  /** The function runs without this action. Default false. */
  optional?: boolean;
  description?: string;
}
