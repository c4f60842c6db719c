import { Readable, Transform, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import { SAFE_CSV_CAST } from '@app/shared';

export const MEDIA = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
} as const;

export const TABULAR_MEDIA = [MEDIA.json, MEDIA.ndjson, MEDIA.csv] as const;

/** CSV cells are flat: lists become "a;b", objects compact JSON. */
export function csvCell(value: unknown): unknown {
  if (Array.isArray(value)) return value.join(';');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

export interface StreamTally {
  rows: number;
}

/**
 * Serialises rows as they are produced, in the negotiated format. `tally.rows` counts rows actually
 * pulled from the source, for the audit trail.
 */
export function serialise<T extends object>(
  source: AsyncIterable<T>,
  media: string,
  columns: Array<keyof T & string>,
  tally: StreamTally,
  jsonEnvelope?: () => Record<string, unknown>,
): Readable {
  async function* counted(): AsyncGenerator<T> {
    for await (const row of source) {
      tally.rows += 1;
      yield row;
    }
  }
  if (media === MEDIA.csv) {
    const toCells = new Transform({
      objectMode: true,
      transform(row: T, _encoding, done) {
        done(null, columns.map((column) => csvCell(row[column])));
      },
    });
    const csv = stringify({ header: true, columns: columns.map(String), cast: SAFE_CSV_CAST });
    return pipeline(Readable.from(counted()), toCells, csv, () => undefined);
  }
  if (media === MEDIA.ndjson) {
    return Readable.from(
      (async function* () {
        for await (const row of counted()) yield `${JSON.stringify(row)}\n`;
      })(),
    );
  }
  return Readable.from(
    (async function* () {
      yield '{"items":[';
      let first = true;
      for await (const row of counted()) {
        yield `${first ? '' : ','}${JSON.stringify(row)}`;
        first = false;
      }
      const tail = jsonEnvelope?.() ?? {};
      yield `]${Object.keys(tail).length ? `,${JSON.stringify(tail).slice(1, -1)}` : ''}}`;
    })(),
  );
}

export function notAcceptableDetail(offered: readonly string[]): string {
  return `This resource is available as ${offered.join(', ')}.`;
}
