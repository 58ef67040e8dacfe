import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mulberry32 } from '@driftwatch/contracts';
import {
  fuzzCase,
  fuzzSummary,
  mutateBytes,
  mutateSizes,
  newFuzzTally,
  randomBytes,
} from '@driftwatch/contracts/conformance';
import { readLabelFile } from '../files/label-file';
import { readExathlonGroundTruth } from '../datasets/exathlon/ground-truth';
import { readFaultList, readRootCauses } from '../datasets/nezha/faults';
import { readOmniAnomaly } from '../datasets/omnianomaly';
import { readBatches } from './read';
import { writeBatches } from './write-batches';

const CASES_PER_FORMAT = 40;

/** Writes each case's bytes, runs its reader, and counts what the case left in `cases` besides the input. */
async function runCases(
  tally: ReturnType<typeof newFuzzTally>,
  cases: string,
  bases: { name: string; bytes: Uint8Array; read: (path: string) => Promise<unknown>; sizes?: boolean }[],
  next: () => number,
): Promise<void> {
  for (const base of bases) {
    for (let k = 0; k < CASES_PER_FORMAT; k++) {
      // every tenth case: random bytes under the format's name
      const bytes =
        k % 10 === 9
          ? randomBytes(next, 512)
          : base.sizes
            ? mutateSizes(base.bytes, next)
            : mutateBytes(base.bytes, next);
      const path = join(cases, `${k}-${base.name}`);
      await writeFile(path, bytes);
      await fuzzCase(tally, `${k}-${base.name}`, () => base.read(path));
      await rm(path);
      const left = await readdir(cases);
      tally.leftovers += left.length;
      for (const name of left) await rm(join(cases, name), { recursive: true, force: true });
    }
  }
}

async function drain(batches: AsyncIterable<unknown>): Promise<void> {
  for await (const batch of batches) void batch;
}

describe('fuzz: random and mutated files over every reader', () => {
  let dir: string;
  let cases: string;
  const total = newFuzzTally();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-fuzz-'));
    cases = join(dir, 'cases');
    await mkdir(cases);
  });
  afterAll(async () => {
    process.stdout.write(fuzzSummary('ingest (all)', total));
    await rm(dir, { recursive: true, force: true });
  });

  function add(tally: ReturnType<typeof newFuzzTally>): void {
    for (const key of ['cases', 'read', 'cleanErrors', 'crashes', 'leftovers'] as const) total[key] += tally[key];
  }

  it('data files: every case reads or fails with a DriftwatchError, and leaves no file behind', async () => {
    const next = mulberry32(20);
    const rows = Array.from({ length: 60 }, (_, k) => `h${k % 3},${k + 1},${(k * 0.37).toFixed(2)},${k % 7}`);
    const csv = Buffer.from(['entity,timestamp,cpu,mem', ...rows].join('\n') + '\n');
    const csvPath = join(dir, 'base.csv');
    await writeFile(csvPath, csv);
    const arrowPath = join(dir, 'base.arrow');
    const parquetPath = join(dir, 'base.parquet');
    await writeBatches(arrowPath, readBatches(csvPath), 'arrow');
    await writeBatches(parquetPath, readBatches(csvPath), 'parquet');
    const series = (host: string) =>
      `{"metric":{"__name__":"cpu","instance":"${host}"},"values":[[1,"0.5"],[2,"0.75"],[3,"1"]]}`;
    const prometheus = Buffer.from(
      `{"status":"success","data":{"resultType":"matrix","result":[${series('a')},${series('b')}]}}`,
    );
    const arrow = await readFile(arrowPath);
    const read = (path: string) => drain(readBatches(path));
    const tally = newFuzzTally();
    await runCases(
      tally,
      cases,
      [
        { name: 'm.csv', bytes: csv, read },
        { name: 'm.csv.gz', bytes: gzipSync(csv), read },
        { name: 'm.arrow', bytes: arrow, read },
        // lengths, counts and offsets of the schema message and the footer set to sizes a reader might allocate by
        { name: 'sizes.arrow', bytes: arrow, read, sizes: true },
        { name: 'm.parquet', bytes: await readFile(parquetPath), read },
        { name: 'm.json', bytes: prometheus, read: (path) => drain(readBatches(path, { format: 'prometheus' })) },
      ],
      next,
    );
    add(tally);
    process.stdout.write(fuzzSummary('data files', tally));
    expect(tally.crashed).toEqual([]);
    expect(tally.leftovers).toBe(0);
    expect(tally.cases).toBe(6 * CASES_PER_FORMAT);
  }, 60_000);

  it('label files: every case reads or fails with a DriftwatchError, and leaves no file behind', async () => {
    const next = mulberry32(21);
    const labels = 'entity,start,end,type\nh0,0,10,spike\nh1,2023-01-29T14:00:00Z,2023-01-29T14:20:00Z,cpu\nh2,5,5,\n';
    const groundTruth =
      'trace_name,trace_type,anomaly_type,anomaly_details,root_cause_start,root_cause_end,extended_effect_end\n' +
      '1_2_100000_61,bursty_input,bursty_input,,1526824320.0,1526825220.0,1526826120.0\n' +
      '2_5_1000000_85,cpu_contention,cpu_contention,,1529341800.0,1529343000.0,\n';
    const fault = (time: string, stamp: string, pod: string, type: string) =>
      `{"inject_time": "${time}", "inject_timestamp": "${stamp}", "inject_pod": "${pod}", "inject_type": "${type}"}`;
    const pod = 'ts-food-service-f5756978c-k8vqf';
    const faults = `{"14": [${fault('2023-01-29 14:49:57', '1675003797', pod, 'cpu_contention')}]}`;
    const rootCauses = '{"ts-food-service": {"cpu_contention": "CpuUsageRate(%)", "exception": "log_a_log_b"}}';
    // an ASD data root with one server: its three label files are mutated in turn
    const root = join(dir, 'asd-root');
    for (const sub of ['train', 'test', 'test_label', 'interpretation_label'])
      await mkdir(join(root, 'asd', sub), { recursive: true });
    const matrix = (n: number) => Array.from({ length: n }, (_, t) => `0.${t % 10},0.5`).join('\n') + '\n';
    await writeFile(join(root, 'asd', 'train', 'omi-1.txt'), matrix(6));
    await writeFile(join(root, 'asd', 'test', 'omi-1.txt'), matrix(8));
    const omniFiles: [string, string][] = [
      [join(root, 'asd', 'test_label', 'omi-1.txt'), '0\n1\n1\n0\n0\n1\n1\n0\n'],
      [join(root, 'asd', 'interpretation_label', 'omi-1.txt'), '1-2:1\n5-6:1,2'],
      [join(root, 'asd', 'anomaly_type.txt'), 'dataset,anomaly_segment,anomaly_type\nomi-1,1-2,spike\nomi-1,5-6,drift'],
    ];
    for (const [path, text] of omniFiles) await writeFile(path, text);
    await readOmniAnomaly(root, 'asd'); // the unmutated root reads
    let omniCase = 0;
    const readOmni = async (path: string) => {
      const [target, original] = omniFiles[omniCase++ % omniFiles.length];
      await writeFile(target, await readFile(path));
      try {
        await readOmniAnomaly(root, 'asd');
      } finally {
        await writeFile(target, original);
      }
    };
    const tally = newFuzzTally();
    await runCases(
      tally,
      cases,
      [
        { name: 'labels.csv', bytes: Buffer.from(labels), read: readLabelFile },
        { name: 'ground_truth.csv', bytes: Buffer.from(groundTruth), read: readExathlonGroundTruth },
        { name: 'fault_list.json', bytes: Buffer.from(faults), read: readFaultList },
        { name: 'root_cause.json', bytes: Buffer.from(rootCauses), read: readRootCauses },
        { name: 'omni-labels.txt', bytes: Buffer.from('0\n1\n1\n0\n0\n1\n1\n0\n'), read: readOmni },
      ],
      next,
    );
    add(tally);
    process.stdout.write(fuzzSummary('label files', tally));
    expect(tally.crashed).toEqual([]);
    expect(tally.leftovers).toBe(0);
    expect(tally.cases).toBe(5 * CASES_PER_FORMAT);
  }, 60_000);
});
