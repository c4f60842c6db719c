import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
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
 * Serialises rows as they are produced, in the negotiated format, one chunk per batch the source yields:
 * each chunk is one socket write, where a chunk per row made a 1,000-row feed page ~1,000 writes (the
 * outcomes service's busiest work under the feed bench). Memory stays bounded by the source's batch size.
 * `tally.rows` counts rows pulled from the source into the stream, for the audit trail; a client that goes
 * away mid-batch is counted as having been sent that whole batch.
 */
export function serialise<T extends object>(
  source: AsyncIterable<T[]>,
  media: string,
  columns: Array<keyof T & string>,
  tally: StreamTally,
  jsonEnvelope?: () => Record<string, unknown>,
): Readable {
  async function* counted(): AsyncGenerator<T[]> {
    for await (const batch of source) {
      if (batch.length === 0) continue;
      tally.rows += batch.length;
      yield batch;
    }
  }
  if (media === MEDIA.csv) {
    return Readable.from(
      (async function* () {
        let header = true;
        for await (const batch of counted()) {
          yield csvRecords(batch.map((row) => columns.map((column) => csvCell(row[column]))), columns, header);
          header = false;
        }
        // A CSV with no rows still has its header line.
        if (header) yield csvRecords([], columns, true);
      })(),
    );
  }
  if (media === MEDIA.ndjson) {
    return Readable.from(
      (async function* () {
        for await (const batch of counted()) yield `${batch.map((row) => JSON.stringify(row)).join('\n')}\n`;
      })(),
    );
  }
  return Readable.from(
    (async function* () {
      // The opening travels with the first batch, so a one-batch page is two writes.
      const opening = '{"items":[';
      let before = opening;
      for await (const batch of counted()) {
        // An array's JSON without its brackets is its rows' JSON joined by commas.
        yield `${before}${JSON.stringify(batch).slice(1, -1)}`;
        before = ',';
      }
      const tail = jsonEnvelope?.() ?? {};
      yield `${before === opening ? opening : ''}]${Object.keys(tail).length ? `,${JSON.stringify(tail).slice(1, -1)}` : ''}}`;
    })(),
  );
}

function csvRecords(records: unknown[][], columns: string[], header: boolean): string {
  return stringify(records, { header, columns, cast: SAFE_CSV_CAST });
}

export function notAcceptableDetail(offered: readonly string[]): string {
  return `This resource is available as ${offered.join(', ')}.`;
}
