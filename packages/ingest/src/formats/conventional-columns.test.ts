import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sequence } from '@driftwatch/contracts';
import { readBatches, readSequences } from './read';
import { writeBatches } from './write-batches';

// the layout convert and example-metrics write: entity, timestamp (ISO), then metrics
const CSV =
  'entity,timestamp,cpu,mem\n' +
  'web-1,2026-01-01T00:00:00Z,1,10\nweb-2,2026-01-01T00:00:00Z,2,20\n' +
  'web-1,2026-01-01T00:01:00Z,3,30\nweb-2,2026-01-01T00:01:00Z,4,40\n';
const T0 = BigInt(Date.UTC(2026, 0, 1));
const EXPECTED = [
  ['web-1', ['cpu', 'mem'], [1, 10, 3, 30], [T0, T0 + 60_000n]],
  ['web-2', ['cpu', 'mem'], [2, 20, 4, 40], [T0, T0 + 60_000n]],
];
const summary = (seqs: Sequence[]) => seqs.map((s) => [s.entity, s.features, [...s.values], [...s.timestamps!]]);

describe('columns named entity and timestamp', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-conventional-'));
    await writeFile(join(dir, 'm.csv'), CSV);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are the entity and the time of a wide CSV without a mapping', async () => {
    expect(summary(await readSequences(join(dir, 'm.csv')))).toEqual(EXPECTED);
  });

  it('are the entity and the time of the Parquet and Arrow files written from it, without a mapping', async () => {
    for (const format of ['parquet', 'arrow'] as const) {
      const path = join(dir, `m.${format}`);
      await writeBatches(path, readBatches(join(dir, 'm.csv')), format);
      expect(summary(await readSequences(path))).toEqual(EXPECTED);
    }
  });

  it('give way to a mapping that names other columns', async () => {
    // host is the entity here; the column named entity is then a (non-numeric) metric the mapping leaves out
    await writeFile(join(dir, 'h.csv'), 'host,entity,timestamp,cpu\na,x,0,1\na,x,60,2\n');
    const [a] = await readSequences(join(dir, 'h.csv'), { entity: 'host', metrics: ['cpu'] });
    expect([a.entity, a.features, [...a.values], [...a.timestamps!]]).toEqual(['a', ['cpu'], [1, 2], [0n, 60_000n]]);
  });
});
