/**
 * The integer key of a task's `reference` and `args_hash` (migration 15): the indexes that find a
 * task by one of them hold this 53-bit hash instead of the text. Both texts are random (a uuid, a
 * content hash), so every new task lands on a random page of their indexes; with 8-byte keys instead
 * of 36- and 64-character texts those indexes are several times smaller, and a new task costs
 * 12–15 µs less of CPU at 100,000–200,000 stored tasks (issue 18). A lookup matches the key and then
 * the text, so two texts sharing a key are still told apart.
 *
 * The hash is cyrb53 (public domain, by bryc): two 32-bit multiplicative hashes of the UTF-16 code
 * units, mixed into a safe integer. It must never change: stored keys are compared with new ones.
 */
export function lookupKey(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The SQL function migration 15 fills the keys of existing tasks with (registered on every store connection). */
export const LOOKUP_KEY_FUNCTION = "arkitekt_lookup_key";
