import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { RecordBatch } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { readCsvBatches, rowsWithinBudget, type CsvColumn, type CsvReadOptions } from './csv-batches';
import { RejectList } from './rejects';
import { sourceLinesOf } from './source-lines';
import { inputErrorOf } from '../testing/input-error';

async function collect(input: Parameters<typeof readCsvBatches>[0], options: CsvReadOptions): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const b of readCsvBatches(input, options)) batches.push(b);
  return batches;
}

/** Rows of a batch list as plain JS values (bigint → number). */
function rowsOf(batches: RecordBatch[]): Record<string, unknown>[] {
  return batches.flatMap((b) =>
    b
      .toArray()
      .map((r) =>
        Object.fromEntries(Object.entries(r.toJSON()).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
      ),
  );
}

const machineColumns: CsvColumn[] = [
  { name: 'machine', type: 'dictionary' },
  { name: 't', type: 'timestamp' },
  { name: 'cpu', type: 'float32' },
  { name: 'mem', type: 'float64' },
  { name: 'n', type: 'int64' },
];

describe('readCsvBatches', () => {
  it('reads typed columns: dictionary ids, seconds → ms, nulls for empty fields', async () => {
    const text = 'm_1,10,41,0.5,7\nm_2,20.5,,1e-3,-3\nm_1,30,12.25,,9007199254740993\n';
    const batches = await collect({ file: 'u.csv', data: text }, { columns: machineColumns });
    expect(rowsOf(batches)).toEqual([
      { machine: 'm_1', t: 10000, cpu: 41, mem: 0.5, n: 7 },
      { machine: 'm_2', t: 20500, cpu: null, mem: 0.001, n: -3 },
      { machine: 'm_1', t: 30000, cpu: 12.25, mem: null, n: 9007199254740992 },
    ]);
    // 2^53 + 1 is kept exactly in the int64 column
    expect(batches[0].getChild('n')!.get(2)).toBe(9007199254740993n);
    expect(batches[0].schema.fields.map((f) => String(f.type))).toEqual([
      'Dictionary<Int32, Utf8>',
      'Timestamp<MILLISECOND>',
      'Float32',
      'Float64',
      'Int64',
    ]);
    expect([...sourceLinesOf(batches[0])!]).toEqual([1, 2, 3]);
  });

  it('writes int64 and ms times exactly on both sides of 2^32 and of zero', async () => {
    const values = [
      0,
      -1,
      4294967295,
      4294967296,
      -4294967296,
      -4294967297,
      2 ** 40 + 3,
      -(2 ** 40) - 3,
      9007199254740991,
      -9007199254740991,
    ];
    const text = values.map((v) => `${v},${v}`).join('\n');
    const batches = await collect(
      { file: 'i.csv', data: text },
      {
        columns: [
          { name: 'n', type: 'int64' },
          { name: 't', type: 'timestamp', unit: 'ms' },
        ],
      },
    );
    expect([...(batches[0].getChild('n')!.data[0].values as BigInt64Array)]).toEqual(values.map((v) => BigInt(v)));
    expect([...(batches[0].getChild('t')!.data[0].values as BigInt64Array)]).toEqual(values.map((v) => BigInt(v)));
  });

  it('keeps one dictionary across batches through table growth, with long, quoted and repeated keys', async () => {
    // 3000 distinct keys of up to ~60 bytes (the byte pool and the hash table both grow), each used 1–3 times
    const keys = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? `"q,${i}"` : `${'k'.repeat(i % 50)}-${i}`));
    const order: string[] = [];
    for (let i = 0; i < keys.length; i++) for (let r = 0; r <= i % 3; r++) order.push(keys[(i * 7919) % keys.length]);
    const batches = await collect(
      { file: 'd.csv', data: order.map((k) => `${k},1\n`).join('') },
      {
        columns: [
          { name: 'k', type: 'dictionary' },
          { name: 'v', type: 'float32' },
        ],
        batchRows: 1000,
      },
    );
    const unquote = (k: string) => (k.startsWith('"') ? k.slice(1, -1) : k);
    expect(batches.flatMap((b) => [...b.getChild('k')!.toArray()])).toEqual(order.map(unquote));
    const last = batches[batches.length - 1].getChild('k')!.data[0].dictionary!;
    expect(last.length).toBe(new Set(order).size);
    // codes of earlier batches still decode through their own (shorter) dictionaries
    expect(batches[0].getChild('k')!.get(0)).toBe(unquote(order[0]));
  });

  it('selects columns from a header by name, in any order, and skips the others', async () => {
    const text = 'ts,host,skip,value\n1,a,x,2.5\n2,b,y,3.5\n';
    const rows = rowsOf(
      await collect(
        { file: 'h.csv', data: text },
        {
          header: true,
          columns: [
            { name: 'v', type: 'float64', source: 'value' },
            { name: 'host', type: 'utf8' },
          ],
        },
      ),
    );
    expect(rows).toEqual([
      { v: 2.5, host: 'a' },
      { v: 3.5, host: 'b' },
    ]);
  });

  it('reads quoted fields, doubled quotes and line breaks inside quotes, and counts lines across them', async () => {
    const text = 'id,msg,v\n1,"a,b",1\n2,"say ""hi""\nsecond line",2\n3,plain,x\n';
    const error = await inputErrorOf(
      collect(
        { file: 'q.csv', data: text },
        {
          header: true,
          columns: [
            { name: 'id', type: 'int32' },
            { name: 'msg', type: 'utf8' },
            { name: 'v', type: 'float64' },
          ],
        },
      ),
    );
    expect(error.message).toBe('q.csv:5:9: expected a number in column "v", found "x"');
    const rows = rowsOf(
      await collect(
        { file: 'q.csv', data: text.replace(',x', ',3') },
        {
          header: true,
          columns: [
            { name: 'id', type: 'int32' },
            { name: 'msg', type: 'utf8' },
            { name: 'v', type: 'float64' },
          ],
        },
      ),
    );
    expect(rows.map((r) => r.msg)).toEqual(['a,b', 'say "hi"\nsecond line', 'plain']);
  });

  it(
    'gives the same rows whatever the chunk and batch ' + 'sizes, including quoted line breaks on chunk edges',
    async () => {
      const lines = Array.from(
        { length: 200 },
        (_, i) => `e${i % 7},${i},${i % 5 === 0 ? '' : (i * 0.25).toFixed(2)},"x\n${i}"`,
      );
      const text = `${lines.join('\r\n')}\r\n`;
      const columns: CsvColumn[] = [
        { name: 'e', type: 'dictionary' },
        { name: 't', type: 'int32' },
        { name: 'v', type: 'float64' },
        { name: 's', type: 'utf8' },
      ];
      const expected = lines.map((_, i) => ({
        e: `e${i % 7}`,
        t: i,
        v: i % 5 === 0 ? null : Number((i * 0.25).toFixed(2)),
        s: `x\n${i}`,
      }));
      for (const chunkBytes of [16, 17, 61, 1000, 1 << 20]) {
        for (const batchRows of [1, 7, 64, 1000]) {
          const batches = await collect({ file: 'c.csv', data: text }, { columns, chunkBytes, batchRows });
          expect(rowsOf(batches)).toEqual(expected);
          expect(batches.every((b) => b.numRows <= batchRows)).toBe(true);
          expect([...sourceLinesOf(batches[batches.length - 1])!].pop()).toBe(399);
        }
      }
    },
  );

  it('reads gzip files while streaming and reports progress in compressed bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-csv-'));
    const text = `a,b\n${Array.from({ length: 5000 }, (_, i) => `${i},${i / 2}`).join('\n')}\n`;
    const path = join(dir, 't.csv.gz');
    const gz = gzipSync(text);
    writeFileSync(path, gz);
    const progress: number[] = [];
    const batches = await collect(path, {
      batchRows: 1000,
      chunkBytes: 4096,
      onProgress: (p) => progress.push(p.bytesRead),
    });
    const rows = rowsOf(batches);
    expect(rows.length).toBe(5000);
    expect(rows[4999]).toEqual({ a: 4999, b: 2499.5 });
    expect(progress[progress.length - 1]).toBe(gz.length);
  });

  describe('bad input names file, line and column and what was expected', () => {
    const cols: CsvColumn[] = [
      { name: 'id', type: 'dictionary', nullable: false },
      { name: 'v', type: 'float32' },
    ];
    const cases: [string, string, CsvReadOptions, string][] = [
      [
        'non-numeric field',
        'a,1\nb,1.5x\n',
        { columns: cols },
        'f.csv:2:3: expected a number in column "v", found "1.5x"',
      ],
      ['NaN', 'a,1\nb,NaN\n', { columns: cols }, 'f.csv:2:3: expected a finite number in column "v", found "NaN"'],
      ['Infinity', 'a,-inf\n', { columns: cols }, 'f.csv:1:3: expected a finite number in column "v", found "-inf"'],
      [
        'too many fields',
        'a,1\nb,2,3\n',
        { columns: cols },
        'f.csv:2:5: expected 2 fields per row; field 3 starts here, found "3 fields"',
      ],
      [
        'too few fields',
        'a,1\nb\n',
        { columns: cols },
        'f.csv:2:2: expected 2 fields per row; field 2 is missing, found "1 field"',
      ],
      [
        'missing required value',
        'a,1\n,2\n',
        { columns: cols },
        'f.csv:2:1: expected a value in column "id", found ""',
      ],
      ['unclosed quote', 'a,1\n"b,2\n', { columns: cols }, 'f.csv:2:1: expected a closing double quote'],
      ['empty file', '', { columns: cols }, 'f.csv:1:1: expected at least one data row, found "an empty file"'],
      ['empty file with header', '', { header: true }, 'f.csv:1:1: expected a header line, found "an empty file"'],
      ['header only', 'x,y\n', { header: true }, 'f.csv:2:1: expected at least one data row, found "only a header"'],
      [
        'missing header column',
        '1,2\n3,4\n',
        { header: true, columns: [{ name: 'ts', type: 'float64' }] },
        'f.csv:1:1: expected a header with a column named "ts", found "1,2"',
      ],
      [
        '32-bit overflow',
        '1\n3000000000\n',
        { columns: [{ name: 'n', type: 'int32' }] },
        'f.csv:2:1: expected a 32-bit integer in column "n", found "3000000000"',
      ],
      [
        'ISO time',
        '2024-01-01T00:00:00Z\nyesterday\n',
        { columns: [{ name: 't', type: 'timestamp', unit: 'iso' }] },
        'f.csv:2:1: expected an ISO 8601 date-time in column "t", found "yesterday"',
      ],
      ['non-ASCII column', 'é,1\né,x\n', { columns: cols }, 'f.csv:2:3: expected a number in column "v", found "x"'],
    ];
    it.each(cases)('%s', async (_name, text, options, message) => {
      const error = await inputErrorOf(collect({ file: 'f.csv', data: text }, options));
      expect(error.message).toBe(message);
    });
  });

  it('with onError "skip" leaves bad rows out, logs them, and keeps the good ones in order', async () => {
    const rejects = new RejectList();
    const text = 'h,v,s\na,1,x\nb,oops,y\nc,,z\nd,2\ne,3,"w"\n';
    const batches = await collect(
      { file: 'r.csv', data: text },
      {
        header: true,
        columns: [
          { name: 'h', type: 'dictionary' },
          { name: 'v', type: 'float32', nullable: false },
          { name: 's', type: 'utf8' },
        ],
        onError: 'skip',
        rejects,
        batchRows: 2,
      },
    );
    expect(rowsOf(batches)).toEqual([
      { h: 'a', v: 1, s: 'x' },
      { h: 'e', v: 3, s: 'w' },
    ]);
    expect([...sourceLinesOf(batches[0])!]).toEqual([2, 6]);
    expect(rejects.rows.map((r) => [r.line, r.column, r.columnName, r.expected, r.text])).toEqual([
      [3, 3, 'v', 'a number in column "v"', 'b,oops,y'],
      [4, 3, 'v', 'a value in column "v"', 'c,,z'],
      [5, 4, 's', '3 fields per row; field 3 is missing', 'd,2'],
    ]);
  });

  it(
    'fuzz: any text either reads as an independent split-and-Number parser says, or fails at the first bad ' + 'field',
    async () => {
      // fields drawn from numbers, empties and junk; rows of 1–4 fields
      const field = fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
        fc.integer({ min: -1e6, max: 1e6 }).map(String),
        fc.constantFrom('', '1e3', '-0.5', '.5', '5.', 'abc', '1,', 'NaN', '0x10', ' 7 '),
      );
      const row = fc.array(field, { minLength: 1, maxLength: 4 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(row, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 16, max: 64 }),
          async (rows, chunkBytes) => {
            const text = `${rows.map((r) => r.join(',')).join('\n')}\n`;
            const width = 2;
            const columns: CsvColumn[] = [
              { name: 'a', type: 'float64' },
              { name: 'b', type: 'float64' },
            ];
            // the oracle: split on LF and ',', Number() of trimmed text; '' → null
            let expectedError: { line: number; column: number } | undefined;
            const expected: (number | null)[][] = [];
            const lines = text.split('\n').slice(0, -1);
            for (let l = 0; l < lines.length && !expectedError; l++) {
              if (lines[l] === '') continue;
              const fields = lines[l].split(',');
              const values: (number | null)[] = [];
              let column = 1;
              for (let f = 0; f < fields.length; f++) {
                if (f >= width) {
                  expectedError = { line: l + 1, column };
                  break;
                }
                const t = fields[f].trim();
                const v = t === '' ? null : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
                if (v === undefined) {
                  expectedError = { line: l + 1, column };
                  break;
                }
                values.push(v);
                column += fields[f].length + 1;
              }
              if (!expectedError && fields.length < width) expectedError = { line: l + 1, column: lines[l].length + 1 };
              if (!expectedError) expected.push(values);
            }
            if (expected.length === 0 && !expectedError) expectedError = { line: lines.length + 1, column: 1 };
            try {
              const got = rowsOf(
                await collect({ file: 'z.csv', data: text }, { columns, chunkBytes, batchRows: 3 }),
              ).map((r) => [r.a, r.b]);
              return expectedError === undefined && JSON.stringify(got) === JSON.stringify(expected);
            } catch (error) {
              if (!(error instanceof InputError) || !expectedError) return false;
              return error.location.line === expectedError.line && error.location.column === expectedError.column;
            }
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});

describe('rowsWithinBudget', () => {
  it('keeps 8-byte builders of one batch within 64 MiB: fewer rows for wide files, never below one', () => {
    // 64 MiB / (8 B × 50,000 columns) = 167.77… rows
    expect(rowsWithinBudget(65_536, 50_000)).toBe(167);
    expect(rowsWithinBudget(65_536, 4)).toBe(65_536);
    expect(rowsWithinBudget(100, 50_000)).toBe(100);
    expect(rowsWithinBudget(65_536, 10_000_000)).toBe(1);
  });
});
