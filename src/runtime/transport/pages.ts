/**
 * Reading a whole list field that the platform serves in pages (docs/spec/platform-api.md: every list field
 * takes `pagination: {offset, limit}` and returns at most the server's maximum page, refusing a
 * larger `limit`). The reader sends no `limit`, so the server picks its own page size, and steps
 * `offset` by what each page held until a page is short: shorter than the largest page this field
 * has served (learned per `PageSizes`), or empty. Until a field's page size is known, a list
 * shorter than a page costs one more (empty) request.
 */

/** The largest page each list field has served, learned while reading: lets the next read stop after a short first page. */
export class PageSizes {
  readonly #largest = new Map<string, number>();

  /** The largest page seen of `field` (0 = not known yet). */
  of(field: string): number {
    return this.#largest.get(field) ?? 0;
  }

  /** Records a page of `size` items served for `field`. */
  saw(field: string, size: number): void {
    if (size > this.of(field)) this.#largest.set(field, size);
  }

  /** Forgets what was learned (the server may have restarted with a smaller maximum page). */
  reset(): void {
    this.#largest.clear();
  }
}

export interface ReadPagesOptions<T> {
  /** The list field, as `Type.field` (`Task.events`): the key of what `sizes` learns. */
  field: string;
  /** Page sizes learned so far (shared by the reads of one platform); default: learn nothing across reads. */
  sizes?: PageSizes;
  /**
   * A stable key of an item (its id). A page that starts with the same item as the previous one
   * means the server ignores `offset`: the read stops with an error instead of looping.
   */
  keyOf: (item: T) => string;
  /** How many items there can be at most (e.g. the number of ids asked for): a read that got them all stops. */
  atMost?: number;
}

/** Every item of a paged list field, in the server's order; `read` fetches one page at `offset`. */
export async function readAllPages<T>(read: (pagination: { offset: number }) => Promise<readonly T[]>, options: ReadPagesOptions<T>): Promise<T[]> {
  const sizes = options.sizes ?? new PageSizes();
  const all: T[] = [];
  let previousFirst: string | undefined;
  for (;;) {
    const page = await read({ offset: all.length });
    if (page.length === 0) return all;
    const first = options.keyOf(page[0]!);
    if (previousFirst !== undefined && first === previousFirst) {
      throw new Error(
        `the platform served the same page of ${options.field} at offset ${all.length} as before: it ignores pagination.offset, so the list cannot be read past its first page`,
      );
    }
    previousFirst = first;
    all.push(...page);
    const largest = sizes.of(options.field);
    sizes.saw(options.field, page.length);
    if (page.length < largest) return all;
    if (options.atMost !== undefined && all.length >= options.atMost) return all;
  }
}
