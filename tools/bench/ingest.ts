// npm run bench -- ingest [--bytes N] [--repeats K] [--file PATH] [--workers N] [--duckdb-threads T] [--out DIR]
// npm run bench -- ingest --wide COLUMNS [--rows N]   (e.g. --wide 50000 --rows 100)
//
// --wide: a CSV of a timestamp, an entity and COLUMNS float columns, converted to Arrow and to Parquet by
// readBatches/writeBatches (what `driftwatch convert` runs), each in its own child so peak RSS is its own; the
// output is read back and must have the rows and columns written. Target: peak RSS < 1 GB at 50,000 × 100.
//
// Reads an Alibaba-style machine_usage CSV (generated from the schema: no real rows ship with the
// data sets) into typed arrays with our streaming reader and with DuckDB's read_csv, each in its own
// child process so peak RSS is the reader's own. Reports rows/s (median of the repeats) and peak RSS.
// Ours runs twice: on its default threads (line-aligned byte ranges in workers) and on one thread.
// Both readers fold the rows into the same checksums, which must agree: they read the same data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import {
  ALIBABA_TABLES,
  defaultWorkers,
  readBatches,
  readCsvBatches,
  writeBatches,
  type CsvColumn,
} from '@driftwatch/ingest';
import { writeMachineUsageCsv } from '@driftwatch/ingest/testing';

interface RunResult {
  reader: string;
  rows: number;
  seconds: number;
  maxRssMb: number;
  /** sum of cpu_util_percent, count of null mem_gps, distinct machines: both readers must agree */
  checksum: { cpuSum: number; memGpsNulls: number; machines: number };
}

const MACHINE_USAGE = ALIBABA_TABLES.machine_usage;

function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

/** Our reader: record batches of typed arrays (dictionary-coded ids, float32/float64 metrics), on `workers` threads. */
async function readOurs(path: string, workers: number): Promise<RunResult> {
  const columns: CsvColumn[] = [...MACHINE_USAGE];
  const t0 = performance.now();
  let rows = 0;
  let cpuSum = 0;
  let memGpsNulls = 0;
  let machines = 0;
  for await (const batch of readCsvBatches(path, { columns, workers })) {
    rows += batch.numRows;
    const cpu = batch.getChild('cpu_util_percent')!.data[0].values as ArrayLike<number>;
    for (let i = 0; i < batch.numRows; i++) cpuSum += cpu[i];
    memGpsNulls += batch.getChild('mem_gps')!.nullCount;
    machines = batch.getChild('machine_id')!.data[0].dictionary!.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    reader: `driftwatch readCsvBatches (${workers} thread${workers === 1 ? '' : 's'})`,
    rows,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    checksum: { cpuSum, memGpsNulls, machines },
  };
}

/** DuckDB read_csv, streamed chunk by chunk into typed arrays (ids coded through a Map, as ours are). */
async function readDuckDb(path: string, threads: string): Promise<RunResult> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:', { threads });
  const connection = await instance.connect();
  const sqlType = (c: CsvColumn) => (c.type === 'dictionary' ? 'VARCHAR' : c.type === 'float32' ? 'FLOAT' : 'DOUBLE');
  const spec = MACHINE_USAGE.map((c) => `'${c.name}': '${sqlType(c)}'`).join(', ');
  const result = await connection.stream(
    `SELECT * FROM read_csv('${path.replace(/'/g, "''")}', header = false, columns = {${spec}})`,
  );
  const cpuIndex = MACHINE_USAGE.findIndex((c) => c.name === 'cpu_util_percent');
  const memGpsIndex = MACHINE_USAGE.findIndex((c) => c.name === 'mem_gps');
  const codes = new Map<string, number>();
  let rows = 0;
  let cpuSum = 0;
  let memGpsNulls = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    const ids = chunk.getColumnVector(0);
    const machine = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = ids.getItem(i) as string;
      let code = codes.get(key);
      if (code === undefined) codes.set(key, (code = codes.size));
      machine[i] = code;
    }
    for (let c = 1; c < MACHINE_USAGE.length; c++) {
      const vector = chunk.getColumnVector(c) as unknown as {
        items: Float32Array | Float64Array;
        getItem(i: number): number | null;
      };
      const out = MACHINE_USAGE[c].type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      out.set(vector.items.subarray(0, n));
      if (c === cpuIndex) for (let i = 0; i < n; i++) cpuSum += vector.getItem(i) ?? NaN;
      if (c === memGpsIndex) for (let i = 0; i < n; i++) if (vector.getItem(i) === null) memGpsNulls++;
    }
    rows += n;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    reader: `DuckDB read_csv (${threads} threads)`,
    rows,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    checksum: { cpuSum, memGpsNulls, machines: codes.size },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function runChild(reader: string, path: string, threads: string): RunResult {
  const workers = flag('workers');
  const args = [
    process.argv[1],
    '--child',
    reader,
    '--file',
    path,
    '--duckdb-threads',
    threads,
    ...(workers ? ['--workers', workers] : []),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${reader} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RunResult;
}

/** A wide CSV: `timestamp,entity,m0…m{columns-1}`, one row a minute, values k/1000 from a fixed sequence. */
function writeWideCsv(path: string, columns: number, rows: number): void {
  const header = ['timestamp', 'entity', ...Array.from({ length: columns }, (_, j) => `m${j}`)].join(',');
  const lines = [header];
  for (let r = 0; r < rows; r++) {
    const values = Array.from({ length: columns }, (_, j) => ((r * 7919 + j * 104729) % 1000) / 1000);
    lines.push(`${1_700_000_000 + r * 60},h${r % 2},${values.join(',')}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

/** Child: converts `path` to `format` and reads the result back; prints seconds, peak RSS and the shape read. */
async function convertWide(path: string, format: 'arrow' | 'parquet'): Promise<void> {
  const out = `${path}.${format}`;
  const t0 = performance.now();
  await writeBatches(out, readBatches(path), format);
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  let rows = 0;
  let columns = 0;
  for await (const batch of readBatches(out)) {
    rows += batch.numRows;
    columns = batch.numCols;
  }
  process.stdout.write(`${JSON.stringify({ format, seconds, maxRssMb, rows, columns })}\n`);
}

async function benchWide(columns: number, rows: number): Promise<void> {
  const path = join(tmpdir(), `driftwatch-wide-${columns}x${rows}.csv`);
  if (!existsSync(path)) writeWideCsv(path, columns, rows);
  const size = statSync(path).size;
  const results = [];
  for (const format of ['arrow', 'parquet']) {
    const r = spawnSync(process.execPath, [process.argv[1], '--child', `wide-${format}`, '--file', path], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`converting to ${format} failed: ${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      format: string;
      seconds: number;
      maxRssMb: number;
      rows: number;
      columns: number;
    };
    results.push(result);
    process.stderr.write(
      `  to ${format}: ${result.seconds.toFixed(1)} s, peak RSS ${result.maxRssMb.toFixed(0)} MB, read back ` +
        `${result.rows} rows × ${result.columns} columns\n`,
    );
  }
  const shapeOk = results.every((r) => r.rows === rows && r.columns === columns + 2);
  const lines = [
    `wide CSV: ${columns.toLocaleString('en-US')} columns × ${rows} rows, ${(size / 1e6).toFixed(0)} MB`,
    '| to | seconds | peak RSS MB |',
    '|---|--:|--:|',
    ...results.map((r) => `| ${r.format} | ${r.seconds.toFixed(1)} | ${r.maxRssMb.toFixed(0)} |`),
    `peak RSS under 1 GB: ${results.every((r) => r.maxRssMb < 1024) ? 'yes' : 'NO'}; ` +
      `shape read back: ${shapeOk ? 'yes' : 'NO'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = flag('out', 'bench-results')!;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'ingest-wide.json'), JSON.stringify({ columns, rows, bytes: size, results }, null, 2) + '\n');
  if (!shapeOk || results.some((r) => r.maxRssMb >= 1024)) process.exitCode = 1;
}

async function main(): Promise<void> {
  const child = flag('child');
  if (child === 'wide-arrow' || child === 'wide-parquet')
    return convertWide(flag('file')!, child === 'wide-arrow' ? 'arrow' : 'parquet');
  const wide = flag('wide');
  if (wide) return benchWide(Number(wide), Number(flag('rows', '100')));
  const threads = flag('duckdb-threads', String(Math.min(cpus().length, 2)))!;
  if (child) {
    const path = flag('file')!;
    const result =
      child === 'ours'
        ? await readOurs(path, Number(flag('workers', String(defaultWorkers()))))
        : child === 'ours-1'
          ? await readOurs(path, 1)
          : await readDuckDb(path, threads);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const bytes = Number(flag('bytes', '1e9'));
  const repeats = Number(flag('repeats', '3'));
  const path = flag('file') ?? join(tmpdir(), `driftwatch-machine_usage-${bytes}.csv`);
  if (!existsSync(path)) {
    process.stderr.write(`writing ${path} (${(bytes / 1e6).toFixed(0)} MB, machine_usage schema, seed 0)…\n`);
    const t0 = performance.now();
    await writeMachineUsageCsv(path, { bytes, seed: 0 });
    process.stderr.write(`  written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const size = statSync(path).size;
  const runs: RunResult[] = [];
  for (let k = 0; k < repeats; k++) {
    // alternate the order so neither reader always gets the warmer page cache
    for (const reader of k % 2 === 0 ? ['ours', 'ours-1', 'duckdb'] : ['duckdb', 'ours-1', 'ours']) {
      const r = runChild(reader, path, threads);
      process.stderr.write(
        `  ${r.reader}: ${r.rows} rows in ${r.seconds.toFixed(2)} s, peak RSS ${r.maxRssMb.toFixed(0)} MB\n`,
      );
      runs.push(r);
    }
  }
  const byReader = new Map<string, RunResult[]>();
  for (const r of runs) byReader.set(r.reader, [...(byReader.get(r.reader) ?? []), r]);
  const summary = [...byReader].map(([reader, rs]) => ({
    reader,
    rows: rs[0].rows,
    medianSeconds: median(rs.map((r) => r.seconds)),
    rowsPerSecond: rs[0].rows / median(rs.map((r) => r.seconds)),
    megabytesPerSecond: size / 1e6 / median(rs.map((r) => r.seconds)),
    peakRssMb: Math.max(...rs.map((r) => r.maxRssMb)),
    checksum: rs[0].checksum,
  }));
  const ours = summary.find((s) => !s.reader.includes('(1 thread)') && s.reader.startsWith('driftwatch'))!;
  const duck = summary.find((s) => s.reader.startsWith('DuckDB'))!;
  const agree = summary.every(
    (s) =>
      s.rows === duck.rows &&
      s.checksum.memGpsNulls === duck.checksum.memGpsNulls &&
      s.checksum.machines === duck.checksum.machines &&
      Math.abs(s.checksum.cpuSum - duck.checksum.cpuSum) <= 1e-6 * Math.abs(duck.checksum.cpuSum),
  );
  const lines = [
    `file: ${(size / 1e6).toFixed(0)} MB, ${ours.rows} rows (machine_usage schema, generated), ${repeats} ` +
      `repeats, median`,
    '| reader | rows/s | MB/s | median s | peak RSS MB |',
    '|---|--:|--:|--:|--:|',
    ...summary.map(
      (s) =>
        `| ${s.reader} | ${(s.rowsPerSecond / 1e6).toFixed(2)} M | ${s.megabytesPerSecond.toFixed(0)} ` +
        `| ${s.medianSeconds.toFixed(2)} | ${s.peakRssMb.toFixed(0)} |`,
    ),
    `ratio (ours / DuckDB rows/s): ${(ours.rowsPerSecond / duck.rowsPerSecond).toFixed(2)}× (target ≥ 2×); ` +
      `peak RSS ours ${ours.peakRssMb.toFixed(0)} MB (target < 500 MB)`,
    `checksums agree: ${agree ? 'yes' : 'NO'} (rows, sum of cpu_util_percent, null mem_gps, distinct machines)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = flag('out', 'bench-results')!;
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'ingest.json'),
    JSON.stringify(
      { file: { bytes: size }, repeats, summary, runs, node: process.version, cpus: cpus().length },
      null,
      2,
    ) + '\n',
  );
  if (!agree) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
