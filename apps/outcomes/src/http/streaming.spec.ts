import { Readable, Transform, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import { SAFE_CSV_CAST } from '@app/shared';
import { MEDIA, StreamTally, csvCell, serialise } from './streaming';

interface Row {
  ref: string;
  count: number | null;
  flag: boolean;
  list: string[];
  score: Record<string, number> | null;
  note: string | null;
}

const COLUMNS: Array<keyof Row & string> = ['ref', 'count', 'flag', 'list', 'score', 'note'];

/** Rows with the awkward cells: formulas, quotes, commas, newlines, unicode, nulls, negatives, lists, objects. */
function rows(n: number): Row[] {
  const notes = ['=1+1', '-Ab3', '@SUM(A1)', '\tx', 'a,"b"', 'line\nbreak', 'café ✓', '', null, "'quoted", '+44 7700'];
  return Array.from({ length: n }, (_, i) => ({
    ref: i % 3 === 0 ? `-ref${i}` : `ref${i}`,
    count: i % 4 === 0 ? null : i - 5,
    flag: i % 2 === 0,
    list: i % 5 === 0 ? [] : ['loneliness', `need,${i}`],
    score: i % 6 === 0 ? null : { total: i, change: -i },
    note: notes[i % notes.length],
  }));
}

/** The serialiser as it was, one chunk per row: what every format must still produce, byte for byte. */
function rowByRow(source: Row[], media: string, envelope?: () => Record<string, unknown>): Readable {
  if (media === MEDIA.csv) {
    const toCells = new Transform({ objectMode: true, transform: (row: Row, _encoding, done) => done(null, COLUMNS.map((column) => csvCell(row[column]))) });
    return pipeline(Readable.from(source), toCells, stringify({ header: true, columns: COLUMNS, cast: SAFE_CSV_CAST }), () => undefined);
  }
  if (media === MEDIA.ndjson) return Readable.from(source.map((row) => `${JSON.stringify(row)}\n`));
  const tail = envelope?.() ?? {};
  const body = `{"items":[${source.map((row) => JSON.stringify(row)).join(',')}]${Object.keys(tail).length ? `,${JSON.stringify(tail).slice(1, -1)}` : ''}}`;
  return Readable.from([body]);
}

async function text(stream: Readable): Promise<{ body: string; chunks: number }> {
  let body = '';
  let chunks = 0;
  for await (const chunk of stream) {
    body += String(chunk);
    chunks += 1;
  }
  return { body, chunks };
}

async function* inBatches(source: Row[], size: number): AsyncGenerator<Row[]> {
  for (let start = 0; start < source.length; start += size) yield source.slice(start, start + size);
}

describe('serialise', () => {
  const envelope = () => ({ nextCursor: 'abc', hasMore: true });

  it.each([
    [MEDIA.ndjson, 0, 7],
    [MEDIA.ndjson, 1, 7],
    [MEDIA.ndjson, 23, 7],
    [MEDIA.json, 0, 7],
    [MEDIA.json, 1, 7],
    [MEDIA.json, 23, 7],
    [MEDIA.json, 23, 100],
    [MEDIA.csv, 0, 7],
    [MEDIA.csv, 1, 7],
    [MEDIA.csv, 23, 7],
    [MEDIA.csv, 23, 100],
  ])('writes %s of %i rows in batches of %i exactly as it wrote them row by row', async (media, count, size) => {
    const source = rows(count);
    const tally: StreamTally = { rows: 0 };
    const chunked = await text(serialise(inBatches(source, size), media, COLUMNS, tally, envelope));
    expect(chunked.body).toBe((await text(rowByRow(source, media, envelope))).body);
    expect(tally.rows).toBe(count);
    // One chunk per batch (plus the JSON envelope's close), not one per row.
    expect(chunked.chunks).toBeLessThanOrEqual(Math.ceil(count / size) + 1);
  });

  it('writes JSON without an envelope as it did', async () => {
    const source = rows(5);
    const chunked = await text(serialise(inBatches(source, 2), MEDIA.json, COLUMNS, { rows: 0 }));
    expect(chunked.body).toBe((await text(rowByRow(source, MEDIA.json))).body);
  });

  it('counts only the batches pulled when the reader stops early', async () => {
    const tally: StreamTally = { rows: 0 };
    const stream = serialise(inBatches(rows(50), 10), MEDIA.ndjson, COLUMNS, tally);
    for await (const chunk of stream) {
      expect(String(chunk).split('\n').filter(Boolean)).toHaveLength(10);
      break;
    }
    expect(tally.rows).toBeLessThan(50);
  });
});
