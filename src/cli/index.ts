// The arkitekt-next CLI. Filled by the CLI and codegen issues.
export {};
