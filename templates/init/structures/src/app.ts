/**
 * The functions this app serves, with a structure: a `Series` travels between processes as a
 * reference (its id in the platform's media store, where `shrink` uploads it as JSON), so a
 * caller in another process or on another machine can expand what the agent made.
 * `npm run gen` reads the types into `generated/`.
 */
import { File, context, register, upload, type Int, type Structure } from "arkitekt-next";

/** A list of numbers kept in the platform's media store; only its id travels. */
export class Series implements Structure<string> {
  static identifier = "@{{identifier}}/series";

  constructor(
    readonly values: number[],
    /** The media store id, once stored. */
    public id: string | null = null,
  ) {}

  static create(values: number[]): Series {
    return new Series(values);
  }

  /** Uploads the series as JSON (once) and returns its reference. */
  async shrink(): Promise<string> {
    this.id ??= (await upload(new TextEncoder().encode(JSON.stringify(this.values)), { name: "series.json" })).id;
    return this.id;
  }

  /** Downloads a series by reference, from any process that talks to the same platform. */
  static async expand(ref: string): Promise<Series> {
    const file = await File.fromId(ref);
    return new Series(JSON.parse(await file.text()) as number[], ref);
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
