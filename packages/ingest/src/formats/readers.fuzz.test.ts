import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DriftwatchError } from '@driftwatch/contracts';
import { readBatches } from './read';
import { writeBatches } from './write-batches';

/** mulberry32: a small seeded generator, so that a failing case can be replayed from its number. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mutation of `bytes`: a few bytes overwritten, a cut, or a slice repeated. */
function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const kind = Math.floor(next() * 3);
  if (kind === 0) {
    for (let i = 1 + Math.floor(next() * 6); i > 0; i--)
      copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
    return copy;
  }
  if (kind === 1) return copy.subarray(0, Math.floor(next() * copy.length));
  const at = Math.floor(next() * copy.length);
  const piece = copy.subarray(at, Math.min(copy.length, at + 1 + Math.floor(next() * 64)));
  return Uint8Array.from([...copy.subarray(0, at), ...piece, ...piece, ...copy.subarray(at)]);
}

const CASES_PER_FORMAT = 40;

describe('fuzz: random and mutated files over every reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every case reads or fails with a DriftwatchError, and leaves no file behind', async () => {
    const next = random(20);
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
    const bases: { name: string; bytes: Uint8Array; format?: 'prometheus' }[] = [
      { name: 'm.csv', bytes: csv },
      { name: 'm.csv.gz', bytes: gzipSync(csv) },
      { name: 'm.arrow', bytes: await readFile(arrowPath) },
      { name: 'm.parquet', bytes: await readFile(parquetPath) },
      { name: 'm.json', bytes: prometheus, format: 'prometheus' },
    ];
    const cases = join(dir, 'cases');
    await mkdir(cases);
    const counts = { cases: 0, read: 0, cleanErrors: 0, crashes: 0, leftovers: 0 };
    const crashes: string[] = [];
    for (const base of bases) {
      for (let k = 0; k < CASES_PER_FORMAT; k++) {
        const pure = k % 10 === 9; // every tenth case: random bytes under the format's name
        const bytes = pure
          ? Uint8Array.from({ length: 1 + Math.floor(next() * 512) }, () => Math.floor(next() * 256))
          : mutate(base.bytes, next);
        const path = join(cases, `${k}-${base.name}`);
        await writeFile(path, bytes);
        counts.cases++;
        try {
          for await (const batch of readBatches(path, base.format ? { format: base.format } : {})) void batch;
          counts.read++;
        } catch (error) {
          if (error instanceof DriftwatchError && error.message.length < 1000) counts.cleanErrors++;
          else {
            counts.crashes++;
            crashes.push(`${k}-${base.name}: ${String((error as Error)?.stack ?? error).slice(0, 300)}`);
          }
        }
        await rm(path);
        const left = await readdir(cases);
        counts.leftovers += left.length;
        for (const name of left) await rm(join(cases, name), { force: true });
      }
    }
    process.stdout.write(`fuzz: ${JSON.stringify(counts)}\n`);
    expect(crashes).toEqual([]);
    expect(counts.leftovers).toBe(0);
    expect(counts.cases).toBe(bases.length * CASES_PER_FORMAT);
  }, 60_000);
});
