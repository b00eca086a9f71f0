import { register } from "arkitekt-next";

/** What to do with a labelled region. */
export type RegionAction = "keep" | "drop" | "merge";

/**
 * Label images by name.
 *
 * Returns the labels and how many there were.
 * @param names Image names keyed by id
 * @param prefix Put before each label
 * @param action What to do with each region
 */
export function labelImages(
  names: Record<string, string>,
  prefix: string | null = "img",
  action: RegionAction = "keep",
): [string[], number] {
  const labels = Object.entries(names).map(([id, name]) => `${prefix ?? ""}-${id} ${name} [${action}]`);
  return [labels, labels.length];
}

register(labelImages, {
  name: "Label Images",
  ports: {
    prefix: { widget: { kind: "paragraph", placeholder: "put before each label" }, validators: [{ length: { max: 200 } }] },
    action: {
      widget: {
        kind: "choice",
        choices: [
          { value: "keep", label: "Keep", description: "Keep the region as it is" },
          { value: "drop", label: "Drop", description: "Remove the region" },
          { value: "merge", label: "Merge", description: "Merge the region into its neighbour" },
        ],
      },
    },
    return1: { label: "count", description: "How many labels" },
  },
});
