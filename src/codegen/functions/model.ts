/**
 * What the extractor hands to the emitters: the manifest entries plus, per port, how its
 * TypeScript type was written (so that generated code can name it and check it at compile time).
 */
import type { Implementation, Port } from "../../definition/model.js";

/** A named type or value the generated code imports: its declaring file and export name. */
export interface TypeRef {
  /** Absolute path of the declaring source file. */
  file: string;
  /** The name it is exported under from that file. */
  name: string;
  /**
   * A bare module specifier to import it from instead of a path (the package's own structures,
   * e.g. `File` from "arkitekt-next"); `file` then holds the same specifier.
   */
  module?: string;
}

/** How a port's TypeScript type was written, without its `null` / `undefined` members. */
export type TsForm =
  | { form: "keyword"; text: "number" | "string" | "boolean" | "Date" | "Int" }
  | { form: "ref"; ref: TypeRef }
  | { form: "literals"; values: string[] }
  | { form: "array"; readonly: boolean }
  | { form: "record" }
  | { form: "object"; optional: boolean[] }
  | { form: "union" };

/** A port of the manifest plus its TypeScript side; `children[i].port === port.children[i]`. */
export interface PortNode {
  port: Port;
  children: PortNode[];
  ts: TsForm;
  hasNull: boolean;
  hasUndefined: boolean;
  /** ENUM from a TS enum: the enum object (member name -> value). */
  enumRef?: TypeRef;
  /** STRUCTURE: the class with `expand`; MEMORY_STRUCTURE: the class that implements MemoryStructure. */
  structureRef?: TypeRef;
}

export interface ExtractedArg {
  node: PortNode;
  /** Written with `?` or with a default: optional in the signature. */
  optional: boolean;
}

/** One registered function. */
export interface ExtractedFunction {
  implementation: Implementation;
  /** Where the registered function can be imported from. */
  fn: TypeRef;
  /** Absolute path of the file holding the `register()` call. */
  registeredIn: string;
  generator: boolean;
  args: ExtractedArg[];
  returns: PortNode[];
  /** The function returns a tuple (even of one element). */
  tupleReturn: boolean;
}
