import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { RecordBatch } from 'apache-arrow';
import { readCsvBatches, type CsvColumn, type CsvReadOptions } from './csv-batches';
import { sourceLinesOf } from './source-lines';
import { inputErrorOf } from '../testing/input-error';
import { findRepoRoot } from '../datasets/data-root';

/**
 * The parallel mode against the one-thread reader on the same files: every row, null, dictionary key and
 * file line must come out the same, in the same order, and an error in a late range must carry the same
 * message. Ranges are made tiny (segmentBytes) so a small file spans many workers' ranges.
 */
describe('readCsvBatches in parallel', () => {
  let workerScript: string;
  let dir: string;
  beforeAll(async () => {
    // the worker runs as JavaScript: bundle it as tools/build.mjs does, inside the repository so that
    // apache-arrow resolves from node_modules
    const root = findRepoRoot(__dirname)!;
    const out = join(root, 'node_modules', '.cache', 'driftwatch-test');
    mkdirSync(out, { recursive: true });
    workerScript = join(out, `csv-worker-${process.pid}.js`);
    await build({
      entryPoints: [resolve(__dirname, 'csv-worker.ts')],
      outfile: workerScript,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['source'],
      logLevel: 'warning',
      plugins: [
        {
          name: 'third-party-external',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@driftwatch/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'dw-parallel-'));
  }, 60_000);
  afterAll(() => {
    rmSync(workerScript, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const columns: CsvColumn[] = [
    { name: 'machine', type: 'dictionary' },
    { name: 't', type: 'timestamp' },
    { name: 'cpu', type: 'float32' },
    { name: 'mem', type: 'float64' },
    { name: 'n', type: 'int64' },
    { name: 'note', type: 'utf8' },
  ];

  async function read(
    path: string,
    options: CsvReadOptions,
  ): Promise<{ rows: unknown[][]; lines: number[]; batches: number }> {
    const rows: unknown[][] = [];
    const lines: number[] = [];
    let batches = 0;
    for await (const b of readCsvBatches(path, options) as AsyncIterable<RecordBatch>) {
      batches++;
      for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((f) => b.getChild(f.name)!.get(r)));
      lines.push(...sourceLinesOf(b)!);
    }
    return { rows, lines, batches };
  }

  function writeMachineFile(name: string, rows: number, header: boolean, eol = '\n', finalEol = true): string {
    const lines: string[] = header ? ['machine,t,cpu,mem,n,note'] : [];
    for (let i = 0; i < rows; i++) {
      const empty = i % 7 === 0;
      lines.push(
        `m_${(i * 37) % 101},${i * 10},${empty ? '' : (i % 100) / 4},${empty ? '' : i / 8},${i - 500},` +
          `${i % 3 === 0 ? '' : `x${i % 11}`}`,
      );
      if (i % 997 === 0) lines.push(''); // a blank line now and then
    }
    const path = join(dir, name);
    writeFileSync(path, `${lines.join(eol)}${finalEol ? eol : ''}`);
    return path;
  }

  it.each([
    ['with a header', true, '\n', true],
    ['without a header', false, '\n', true],
    ['CRLF, no final line break', true, '\r\n', false],
  ])('gives the rows, keys, nulls and lines of the one-thread reader (%s)', async (name, header, eol, finalEol) => {
    const path = writeMachineFile(`m-${name.replace(/\W+/g, '-')}.csv`, 20_000, header, eol, finalEol);
    const base: CsvReadOptions = header ? { header: true, columns: columns.map((c) => ({ ...c })) } : { columns };
    const one = await read(path, { ...base, workers: 1, batchRows: 1000 });
    const many = await read(path, {
      ...base,
      workers: 3,
      workerScript,
      parallelMinBytes: 0,
      segmentBytes: 4096,
      batchRows: 1000,
    });
    expect(many.rows.length).toBe(20_000);
    expect(many.rows).toEqual(one.rows);
    expect(many.lines).toEqual(one.lines);
    // ~100 ranges of 4 KiB: the batches are the ranges' own, so there are many more than 20
    expect(many.batches).toBeGreaterThan(50);
  });

  it('names the same file, line and column for a bad row in a late range', async () => {
    const path = writeMachineFile('bad.csv', 5000, true);
    const text = readFileSync(path, 'utf8').split('\n');
    text[4321] = text[4321].replace(/,[^,]*,([^,]*),/, ',oops,$1,');
    writeFileSync(path, text.join('\n'));
    const options: CsvReadOptions = { header: true, columns };
    const one = await inputErrorOf(read(path, { ...options, workers: 1 }));
    const many = await inputErrorOf(
      read(path, { ...options, workers: 2, workerScript, parallelMinBytes: 0, segmentBytes: 2048 }),
    );
    expect(one.message).toMatch(/bad\.csv:4322:\d+: expected a time in s in column "t", found "oops"$/);
    expect(many.message).toBe(one.message);
  });

  it('stays on one thread for files with quotes, gzip, rejects, or no worker script', async () => {
    const path = join(dir, 'q.csv');
    writeFileSync(path, 'a,b\n"x",1\n"y",2\n');
    const got = await read(path, {
      header: true,
      columns: [
        { name: 'a', type: 'utf8' },
        { name: 'b', type: 'float64' },
      ],
      workers: 2,
      workerScript: join(dir, 'no-such-worker.js'),
      parallelMinBytes: 0,
    });
    expect(got.rows).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
  });
});

describe('readCsvBatches in parallel, when a worker cannot start', () => {
  it('fails with the worker error instead of waiting for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-parallel-broken-'));
    try {
      const path = join(dir, 'm.csv');
      writeFileSync(path, Array.from({ length: 2000 }, (_, i) => `m_${i % 5},${i}`).join('\n'));
      const broken = join(dir, 'broken-worker.js');
      writeFileSync(broken, "throw new Error('worker script broken');\n");
      const read = async () => {
        for await (const batch of readCsvBatches(path, {
          columns: [
            { name: 'm', type: 'dictionary' },
            { name: 'v', type: 'float64' },
          ],
          workers: 2,
          workerScript: broken,
          parallelMinBytes: 0,
          segmentBytes: 1024,
        }))
          void batch;
      };
      await expect(read()).rejects.toThrow('worker script broken');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
