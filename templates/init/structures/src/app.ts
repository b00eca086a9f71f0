/**
 * The functions this app serves, with a structure: a `Series` travels between processes as a
 * reference (its id) and lives in the app's `.arkitekt/structures/series/` folder, so a caller in
 * another process can expand what the agent made. `npm run gen` reads the types into `generated/`.
 */
import { LocalStructureStore, context, register, type Int, type Structure } from "arkitekt-next";

/** Where series are kept between processes (the platform's media store will replace it). */
const store = new LocalStructureStore<{ values: number[] }>({ name: "series", from: import.meta });

/** A list of numbers kept in the store; only its id travels. */
export class Series implements Structure<string> {
  static identifier = "@{{identifier}}/series";

  constructor(
    readonly id: string,
    readonly values: number[],
  ) {}

  static create(values: number[]): Series {
    return new Series(store.newId(), values);
  }

  /** Puts the series in the store and returns its reference. */
  async shrink(): Promise<string> {
    await store.put(this.id, { values: this.values });
    return this.id;
  }

  /** Fetches a series by reference, from any process that shares this app's folder. */
  static async expand(ref: string): Promise<Series> {
    const data = await store.get(ref);
    return new Series(ref, data.values);
  }
}

/** Summary statistics of a series. */
export interface SeriesStats {
  /** How many values */
  count: Int;
  /** Their sum */
  sum: number;
  /** Their mean (0 for an empty series) */
  mean: number;
}

/**
 * Make series of growing length.
 *
 * Yields one series after the other and reports progress.
 * @param count How many series to make
 * @param step The difference between neighbouring values
 */
export const makeSeries = register(async function* makeSeries(count: Int = 3, step: number = 1): AsyncGenerator<Series> {
  for (let i = 1; i <= count; i++) {
    yield Series.create(Array.from({ length: i }, (_, k) => k * step));
    context().progress(Math.round((i / count) * 100), `series ${i} of ${count}`);
  }
});

/**
 * Summarize a series.
 * @param series The series to summarize
 * @returns Its statistics
 */
export const summarize = register(function summarize(series: Series): SeriesStats {
  const sum = series.values.reduce((a, b) => a + b, 0);
  return { count: series.values.length, sum, mean: series.values.length === 0 ? 0 : sum / series.values.length };
});
