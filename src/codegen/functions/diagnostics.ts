/**
 * Every diagnostic the functions extractor reports, in one table: its stable code, its message
 * template and its hint. No other module of the extractor writes a code, a message or a hint: it
 * calls `ScanContext.report(node, DIAGNOSTICS.x, params)`. The list of codes in ./README.md is
 * generated from `DIAGNOSTIC_CODES` (test/codegen/diagnostic-table.test.ts checks it;
 * `UPDATE_GOLDEN=1` rewrites it).
 */
import { relative, sep } from "node:path";
import type { ts } from "./typescript.js";
import type { Diagnostic } from "../types.js";

/** The codes, each with when it is reported (the README's list). */
export const DIAGNOSTIC_CODES = {
  ARK_ANY: "a port typed `any`",
  ARK_UNKNOWN: "a port typed `unknown`",
  ARK_FUNCTION_TYPE: "a function type as a port, or a method in an interface used as a MODEL",
  ARK_GENERIC: "a type parameter, or a generic interface or alias, as a port",
  ARK_MAP: "a `Map`, `ReadonlyMap` or `WeakMap` (use `Record<string, T>`)",
  ARK_SET: "a `Set`, `ReadonlySet` or `WeakSet` (use `T[]`)",
  ARK_BIGINT: "a `bigint`",
  ARK_SYMBOL: "a `symbol`",
  ARK_CLASS_NOT_STRUCTURE: "a class without the structure contract (`static identifier`, `shrink()`, `static expand()`)",
  ARK_STRUCTURE_IDENTIFIER: 'a structure identifier with "@" but no "/"',
  ARK_TUPLE: "a tuple anywhere but as a function's whole return type",
  ARK_NESTED_PROMISE: "a `Promise` as a port, or a return type `Promise<Promise<T>>`",
  ARK_RECURSIVE_TYPE: "a type that contains itself",
  ARK_UNSUPPORTED_TYPE:
    "any other type no port can carry: literal number/boolean types, number index signatures, `never`, `object`, `null` alone, a generator not typed `Generator<T>` / `AsyncGenerator<T>`",
  ARK_DEFAULT_NOT_LITERAL:
    "a parameter default the manifest cannot hold: not a literal, on a MODEL or STRUCTURE port, an enum member of another port, a value outside the choices",
  ARK_DUPLICATE_INTERFACE: "two functions with the same interface (names the first)",
  ARK_NOT_EXPORTED:
    "the registered function, or a type, enum or class the generated code must import, is not exported (or is declared outside the project)",
  ARK_NOT_A_FUNCTION: "`register()` without a function, or with something that is not one",
  ARK_ANONYMOUS_FUNCTION: "a registered function with no name and no const to take it from",
  ARK_PARAMETER: "a destructured or rest parameter",
  ARK_OPTIONS:
    "`register()` options that are not an object literal of literals, unknown options or values, `ports` naming no port, `pure` with `stateful` or a PHYSICAL effect",
  ARK_PORT_HINT:
    "a form hint that does not fit: a widget, validator, effect or port group of the wrong shape, a slider or comparison on a port that is not a number, a pattern or length on the wrong kind, `min` above `max`, a pattern that is not a regular expression or that RE2 (the linear-time engine our checks use) refuses (backreferences, lookaround), a choice that does not fit the port, a reference to a port that is not an arg port",
  ARK_HOOK:
    "a lifecycle hook (`onStartup`, `background`, `onShutdown`) not called at a module's top level, without a function, or with options other than `{ deadlineMs }` on `onShutdown`",
  // Memory structures (issue 16)
  ARK_MEMORY_STRUCTURE:
    'a class that `implements MemoryStructure` without `static identifier = "@package/name"` (a string literal of that form), or that is also a structure (`shrink()` / `static expand()`)',
  ARK_STATE:
    "a `defineState` call the generator cannot publish: a name that is not a string literal, two states with one name, a value that is not an object, a field of a kind state cannot carry (structure, date, TS enum), a state not assigned to an exported const",
} as const satisfies Record<`ARK_${string}`, string>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** One kind of problem: its code, and its message and hint made from the same parameters. */
export interface DiagnosticTemplate<P> {
  readonly code: DiagnosticCode;
  message(params: P): string;
  hint(params: P): string;
}

/** The parameters of a template that takes none are `[]`, else `[P]`. */
export type TemplateParams<P> = [P] extends [void] ? [] : [P];

function define<P = void>(
  code: DiagnosticCode,
  message: string | ((params: P) => string),
  hint: string | ((params: P) => string),
): DiagnosticTemplate<P> {
  return {
    code,
    message: typeof message === "string" ? () => message : message,
    hint: typeof hint === "string" ? () => hint : hint,
  };
}

const HINT_PORT_TYPES =
  "use number, Int, string, boolean, Date, an enum, a string-literal union, an array, Record<string, T>, an interface, or a structure class";
const HINT_OPTIONS_TYPE = "see RegisterOptions in arkitekt-next";

/** A port's type as written, and where it sits (`parameter "x" of "fn"`, `the return value of "fn"`). */
interface TypeProblem {
  site: string;
  written: string;
}

const list = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(", ");

export const DIAGNOSTICS = {
  // register() calls (discover.ts)
  noFunction: define("ARK_NOT_A_FUNCTION", "register() needs the function to register", "call register(fn) or register(fn, options)"),
  notAFunction: define<{ text: string; type: string }>(
    "ARK_NOT_A_FUNCTION",
    (p) => `register() needs a function declaration, function expression or arrow function; got "${p.text}" of type "${p.type}"`,
    "pass the function itself: register(function name(...) {...}), register((a: number) => ...), or the name of a function declared in this project",
  ),
  anonymousFunction: define(
    "ARK_ANONYMOUS_FUNCTION",
    "cannot name this registered function",
    "give the function a name (function blurImage(...) {...}) or assign the register() call to a const",
  ),
  functionNotExported: define(
    "ARK_NOT_EXPORTED",
    "the registered function is not exported, so generated/registry.ts cannot import it",
    "export it: `export const name = register(...)`, `export default register(...)`, or export the function declaration",
  ),
  duplicateInterface: define<{ iface: string; first: string }>(
    "ARK_DUPLICATE_INTERFACE",
    (p) => `interface "${p.iface}" is already registered at ${p.first}`,
    `interfaces must be unique per app: rename one function or pass register(fn, { interface: "..." })`,
  ),

  // register() options (options.ts)
  optionsNotObject: define(
    "ARK_OPTIONS",
    "register() options must be an object literal",
    'write the options inline: register(fn, { name: "..." }); the generator reads them without running your code',
  ),
  optionNotPlain: define("ARK_OPTIONS", "register() options must be plain `key: literal` properties", "no spreads, methods or computed keys"),
  unknownOption: define<{ key: string; known: readonly string[] }>(
    "ARK_OPTIONS",
    (p) => `unknown register() option "${p.key}"`,
    (p) => `known options: ${p.known.join(", ")}`,
  ),
  optionNotLiteral: define<{ key: string }>(
    "ARK_OPTIONS",
    (p) => `option "${p.key}" must be a literal`,
    "the generator reads options without running your code: write the value inline",
  ),
  optionValue: define<{ key: string; expected: string }>("ARK_OPTIONS", (p) => `option "${p.key}" must be ${p.expected}`, HINT_OPTIONS_TYPE),
  unknownPorts: define<{ names: readonly string[]; fn: string; known: readonly string[] }>(
    "ARK_OPTIONS",
    (p) => `option "ports" names ${list(p.names)}, which ${p.names.length === 1 ? "is not a port" : "are not ports"} of "${p.fn}"`,
    (p) => `ports are keyed by parameter name or return0, return1, ...: ${p.known.join(", ") || "(none)"}`,
  ),
  pureAndStateful: define("ARK_OPTIONS", "an action cannot be both pure and stateful", "drop one of the two flags"),
  purePhysical: define("ARK_OPTIONS", "a pure action cannot have a PHYSICAL effect", "drop `pure` or set effect to NONE"),

  // form hints (hints.ts)
  hintShape: define<{ what: string; expected: string }>(
    "ARK_PORT_HINT",
    (p) => `${p.what} must be ${p.expected}`,
    "see WidgetSpec, ValidatorSpec, EffectSpec and PortGroupSpec in arkitekt-next",
  ),
  hintWrongKind: define<{ what: string; port: string; kind: string; takes: string }>(
    "ARK_PORT_HINT",
    (p) => `${p.what} does not fit port "${p.port}" of kind ${p.kind}`,
    (p) => `${p.what} takes ${p.takes}`,
  ),
  hintMinAboveMax: define<{ what: string; min: number; max: number }>(
    "ARK_PORT_HINT",
    (p) => `${p.what}: min ${p.min} is greater than max ${p.max}`,
    "swap them, or fix the one that is wrong",
  ),
  hintPattern: define<{ pattern: string; error: string }>(
    "ARK_PORT_HINT",
    (p) => `pattern ${JSON.stringify(p.pattern)} is not a valid regular expression: ${p.error}`,
    'write a JavaScript regular expression without the slashes (e.g. "^[a-z]+$"), flags apart in `flags`',
  ),
  hintUnsafePattern: define<{ pattern: string; why: string }>(
    "ARK_PORT_HINT",
    (p) => `pattern ${JSON.stringify(p.pattern)} cannot be checked safely: ${p.why}`,
    "the server, the agent and the form check patterns with RE2 (linear time): write it without backreferences or lookaround, at most 1000 characters",
  ),
  hintMissingPort: define<{ what: string; name: string; fn: string; known: readonly string[] }>(
    "ARK_PORT_HINT",
    (p) => `${p.what} names "${p.name}", which is not an arg port of "${p.fn}"`,
    (p) => `arg ports: ${p.known.join(", ") || "(none)"}`,
  ),
  hintOnReturn: define<{ what: string; port: string }>(
    "ARK_PORT_HINT",
    (p) => `${p.what} on the return port "${p.port}": return ports take only a choice widget`,
    "move it to an arg port, or drop it",
  ),
  hintValue: define<{ what: string; value: string; port: string; kind: string }>(
    "ARK_PORT_HINT",
    (p) => `${p.what} ${p.value} does not fit port "${p.port}" of kind ${p.kind}`,
    "use values of the port's own type",
  ),
  duplicateGroup: define<{ key: string }>("ARK_PORT_HINT", (p) => `two port groups have the key "${p.key}"`, "give each group its own key"),

  // parameters and returns (signature.ts)
  destructuredParameter: define(
    "ARK_PARAMETER",
    "destructured parameters cannot become ports",
    "take a named parameter (e.g. `settings: Settings`) and destructure it in the body",
  ),
  restParameter: define("ARK_PARAMETER", "rest parameters cannot become ports", "take an array parameter instead (`items: T[]`)"),
  noReturnType: define("ARK_UNSUPPORTED_TYPE", "cannot read the return type", "annotate the return type"),
  generatorReturn: define<{ written: string }>(
    "ARK_UNSUPPORTED_TYPE",
    (p) => `a generator's return type must be Generator<T> or AsyncGenerator<T>, got "${p.written}"`,
    "annotate it as AsyncGenerator<T> (T is what each yield sends)",
  ),
  promiseOfPromise: define<{ written: string; fn: string }>(
    "ARK_NESTED_PROMISE",
    (p) => `the return type "${p.written}" of "${p.fn}" is a Promise of a Promise`,
    "return Promise<T> with T a port type",
  ),

  // defaults (defaults.ts)
  defaultNotLiteral: define<{ text: string }>(
    "ARK_DEFAULT_NOT_LITERAL",
    (p) => `the default "${p.text}" is not a literal`,
    "defaults go into the manifest: use a number, string, boolean, null, an array of literals, or an enum member",
  ),
  defaultOnObjectPort: define<{ kind: string }>(
    "ARK_DEFAULT_NOT_LITERAL",
    (p) => `a ${p.kind} port cannot have a default`,
    "make the parameter optional (`x?: T`) or default it to null",
  ),
  defaultEnumMember: define<{ text: string; kind: string }>(
    "ARK_DEFAULT_NOT_LITERAL",
    (p) => `the default "${p.text}" is an enum member, but the port is ${p.kind}`,
    "use a default of the parameter's own type",
  ),
  defaultNotAChoice: define<{ value: unknown; choices: readonly unknown[] }>(
    "ARK_DEFAULT_NOT_LITERAL",
    (p) => `the default ${JSON.stringify(p.value)} is not one of the choices ${p.choices.map((c) => JSON.stringify(c)).join(", ")}`,
    "use one of the enum's members",
  ),

  // types (ports.ts, named-types.ts)
  anyType: define<TypeProblem>("ARK_ANY", (p) => `${p.site} has type "${p.written}": any cannot become a port`, HINT_PORT_TYPES),
  unknownType: define<TypeProblem>("ARK_UNKNOWN", (p) => `${p.site} has type "${p.written}": unknown cannot become a port`, HINT_PORT_TYPES),
  neverType: define<TypeProblem>("ARK_UNSUPPORTED_TYPE", (p) => `${p.site} has type "${p.written}": never cannot become a port`, HINT_PORT_TYPES),
  noValue: define<TypeProblem>("ARK_UNSUPPORTED_TYPE", (p) => `${p.site} has type "${p.written}", which carries no value`, HINT_PORT_TYPES),
  bigintType: define<TypeProblem>(
    "ARK_BIGINT",
    (p) => `${p.site} has type "${p.written}": bigint has no JSON form`,
    "use number (or Int), or a string holding the digits",
  ),
  symbolType: define<TypeProblem>("ARK_SYMBOL", (p) => `${p.site} has type "${p.written}": symbols cannot travel`, "use a string or an enum"),
  typeParameter: define<TypeProblem>(
    "ARK_GENERIC",
    (p) => `${p.site} has the generic type "${p.written}": the generator needs a concrete type`,
    "registered functions cannot be generic: replace the type parameter with a concrete port type",
  ),
  literalType: define<TypeProblem>(
    "ARK_UNSUPPORTED_TYPE",
    (p) => `${p.site} has the literal type "${p.written}"`,
    "use number/boolean, or a string-literal union or an enum for a fixed set of choices",
  ),
  noPortKind: define<TypeProblem>(
    "ARK_UNSUPPORTED_TYPE",
    (p) => `${p.site} has type "${p.written}", which no port kind can carry`,
    HINT_PORT_TYPES,
  ),
  promisePort: define<TypeProblem>(
    "ARK_NESTED_PROMISE",
    (p) => `${p.site} has type "${p.written}": a Promise cannot be a port`,
    "only a function's own return type may be a Promise; take or return the awaited value",
  ),
  mapType: define<TypeProblem>("ARK_MAP", (p) => `${p.site} has type "${p.written}": a Map has no JSON form`, "use Record<string, T> (a DICT port)"),
  setType: define<TypeProblem>("ARK_SET", (p) => `${p.site} has type "${p.written}": a Set has no JSON form`, "use an array T[] (a LIST port)"),
  tupleType: define<TypeProblem & { isReturn: boolean }>(
    "ARK_TUPLE",
    (p) => `${p.site} has the tuple type "${p.written}"`,
    (p) =>
      p.isReturn
        ? "tuples are only allowed as a function's whole return type (return0, return1, ...)"
        : "take separate parameters, or an array T[]",
  ),
  functionType: define<TypeProblem>(
    "ARK_FUNCTION_TYPE",
    (p) => `${p.site} has the function type "${p.written}": functions cannot travel`,
    "pass data instead; to call another action, use the generated stubs inside the function",
  ),
  numberIndex: define<TypeProblem>(
    "ARK_UNSUPPORTED_TYPE",
    (p) => `${p.site} has type "${p.written}" with a number index`,
    "use an array T[] or Record<string, T>",
  ),
  classNotStructure: define<TypeProblem & { missing: readonly string[] }>(
    "ARK_CLASS_NOT_STRUCTURE",
    (p) => `${p.site} has the class type "${p.written}", which is not a structure`,
    (p) =>
      `a class travels as a structure only; add ${p.missing.join(", ")} (see Structure in arkitekt-next), or use an interface for plain data`,
  ),
  structureIdentifier: define<{ identifier: string; className: string }>(
    "ARK_STRUCTURE_IDENTIFIER",
    (p) => `structure identifier "${p.identifier}" of ${p.className} contains "@" but no "/"`,
    'write it as "@package/name", e.g. "@mikro/image"',
  ),
  recursiveType: define<TypeProblem>(
    "ARK_RECURSIVE_TYPE",
    (p) => `${p.site} has the recursive type "${p.written}"`,
    "ports cannot nest themselves: break the cycle (e.g. keep ids instead of nested objects)",
  ),
  genericModel: define<TypeProblem>(
    "ARK_GENERIC",
    (p) => `${p.site} has the generic type "${p.written}"`,
    "declare a non-generic interface for this port",
  ),
  modelMethod: define<{ field: string; written: string }>(
    "ARK_FUNCTION_TYPE",
    (p) => `field "${p.field}" of "${p.written}" is a method: functions cannot travel`,
    "a MODEL port carries data only: remove the method or use a structure class",
  ),
  enumNotFound: define<{ name: string }>(
    "ARK_UNSUPPORTED_TYPE",
    (p) => `cannot find the declaration of enum ${p.name}`,
    "declare the enum in this project",
  ),
  declaredOutside: define<{ what: string; name: string; file: string }>(
    "ARK_NOT_EXPORTED",
    (p) => `${p.what} ${p.name} is declared outside the project (${p.file})`,
    (p) => `declare the ${p.what} in your project's sources, or wrap it in a type of your own`,
  ),
  typeNotExported: define<{ what: string; name: string; declaredAt: string }>(
    "ARK_NOT_EXPORTED",
    (p) => `${p.what} ${p.name} (${p.declaredAt}) is not exported, so generated/registry.ts cannot name it`,
    (p) => `add \`export\` to the ${p.what} declaration`,
  ),
  // lifecycle hooks (hooks.ts), issue 16
  hookNotTopLevel: define<{ call: string; where: string }>(
    "ARK_HOOK",
    (p) => `${p.call}() must be called at a module's top level, not inside ${p.where}`,
    (p) => `move the ${p.call}(fn) call to the top level of the module: the generated registry imports the module, which declares the hook once`,
  ),
  hookNotAFunction: define<{ call: string; text: string; type: string }>(
    "ARK_HOOK",
    (p) => `${p.call}() takes a function, got ${p.text} (${p.type})`,
    (p) => `pass the hook's function: ${p.call}(async ({ signal, logger }) => { ... })`,
  ),
  hookOptions: define<{ call: string; expected: string }>(
    "ARK_HOOK",
    (p) => `${p.call}() options must be ${p.expected}`,
    "only onShutdown takes options: onShutdown(fn, { deadlineMs: 5000 }), a literal number of milliseconds",
  ),
  // dependencies, isTestFor, isDev (issue 16): reported at the exact place inside the option
  optionUnknownKey: define<{ path: string; key: string; known: readonly string[] }>(
    "ARK_OPTIONS",
    (p) => `option "${p.path}" has no key "${p.key}"`,
    (p) => `known keys: ${p.known.join(", ")}`,
  ),
  optionPartNotLiteral: define<{ path: string }>(
    "ARK_OPTIONS",
    (p) => `option "${p.path}" must be a literal`,
    "the generator reads options without running your code: write the value inline",
  ),
  optionPartValue: define<{ path: string; expected: string }>("ARK_OPTIONS", (p) => `option "${p.path}" must be ${p.expected}`, HINT_OPTIONS_TYPE),
  // Memory structures (issue 16, named-types.ts)
  memoryStructureIdentifier: define<TypeProblem & { className: string }>(
    "ARK_MEMORY_STRUCTURE",
    (p) => `${p.site} has the memory structure class "${p.written}", but ${p.className} has no \`static identifier\` string literal`,
    (p) => `add \`static identifier = "@your-app/${p.className.toLowerCase()}"\` to ${p.className}: the platform names the drawers of its objects by it`,
  ),
  memoryStructureIdentifierForm: define<{ identifier: string; className: string }>(
    "ARK_MEMORY_STRUCTURE",
    (p) => `memory structure identifier "${p.identifier}" of ${p.className} is not of the form "@package/name"`,
    (p) => `write it as "@package/name", e.g. "@your-app/${p.className.toLowerCase()}"`,
  ),
  memoryStructureAlsoStructure: define<{ className: string; members: readonly string[] }>(
    "ARK_MEMORY_STRUCTURE",
    (p) => `${p.className} implements MemoryStructure but also has ${p.members.join(" and ")}, so it could be either a memory structure or a structure`,
    "a memory structure stays on the agent that returned it (remove shrink/expand); a structure travels to central storage (remove `implements MemoryStructure`)",
  ),
  // agent state (defineState, state.ts) -------------------------------------------------------
  stateName: define<{ text: string }>(
    "ARK_STATE",
    (p) => `defineState() needs the state's name as a string literal, got ${p.text}`,
    'write the name in place, e.g. defineState("counter", { count: 0 }): the generator reads it from the source',
  ),
  stateNoValue: define(
    "ARK_STATE",
    "defineState() without an initial value",
    'pass the name and the initial value, e.g. defineState("counter", { count: 0 })',
  ),
  stateDuplicate: define<{ name: string; first: string }>(
    "ARK_STATE",
    (p) => `two states are named "${p.name}" (the first at ${p.first})`,
    "give each state its own name: the name is the state's interface on the platform",
  ),
  stateNotObject: define<{ name: string; written: string }>(
    "ARK_STATE",
    (p) => `state "${p.name}" has the type "${p.written}", which is not an object of fields`,
    'a state is an object whose fields become its ports, e.g. defineState("counter", { count: 0 as Int })',
  ),
  statePortKind: define<{ name: string; field: string; kind: string }>(
    "ARK_STATE",
    (p) => `field "${p.field}" of state "${p.name}" is a ${p.kind} port, which a state cannot carry yet`,
    "keep plain data in state (numbers, strings, booleans, string-literal unions, arrays, records, objects of these); store a reference (e.g. a file id string) instead",
  ),
  stateNotExported: define<{ name: string }>(
    "ARK_STATE",
    (p) => `state "${p.name}" is not assigned to an exported const, so generated/registry.ts cannot import it`,
    (p) => `write it as \`export const ${/^[A-Za-z_$][\w$]*$/.test(p.name) ? p.name : "myState"} = defineState(...)\` at module level`,
  ),
} satisfies Record<string, DiagnosticTemplate<never>>;

/** Thrown after a diagnostic is recorded: abandons the parameter, return or function being read. */
export class ExtractionFailed extends Error {}

/** Where a node starts: file relative to `cwd` (absolute outside it), 1-based line and column, the line's text. */
export function placeOf(node: ts.Node, cwd: string): { file: string; line: number; column: number; sourceLine: string } {
  const sf = node.getSourceFile();
  const start = node.getStart(sf);
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  const rel = relative(cwd, sf.fileName).split(sep).join("/");
  const lineStart = sf.getLineStarts()[line] ?? 0;
  const lineEnd = sf.getLineEndOfPosition(start);
  return {
    file: rel.startsWith("..") ? sf.fileName : rel,
    line: line + 1,
    column: character + 1,
    sourceLine: sf.text.slice(lineStart, lineEnd),
  };
}

/** `file:line:col` of a node, as diagnostics name other places. */
export function placeText(node: ts.Node, cwd: string): string {
  const place = placeOf(node, cwd);
  return `${place.file}:${place.line}:${place.column}`;
}

/** A diagnostic at `node`, made from a template of the table. */
export function diagnosticAt<P>(node: ts.Node, cwd: string, template: DiagnosticTemplate<P>, ...params: TemplateParams<P>): Diagnostic {
  const p = params[0] as P;
  return { ...placeOf(node, cwd), code: template.code, message: template.message(p), hint: template.hint(p) };
}

/** The list of codes in ./README.md, made from `DIAGNOSTIC_CODES`. */
export function renderDiagnosticCodeList(): string {
  return [
    "| code | reported for |",
    "| --- | --- |",
    ...Object.entries(DIAGNOSTIC_CODES).map(([code, summary]) => `| \`${code}\` | ${summary.replace(/\|/g, "\\|")} |`),
  ].join("\n");
}
