// The user's whole API. Filled by the runtime issues; see DESIGN.md "Seams between the parts".
export {};
