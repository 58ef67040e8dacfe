import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataRootError, FeatureMismatchError, InputError, mulberry32, type Sequence } from '@driftwatch/contracts';
import { realDataRoot } from '../testing/real-data';
import { compareNatural, concatSequences, listOmniEntities, readOmniAnomaly } from './omnianomaly';

const rng = mulberry32(11);
/** Rows of multiples of 0.01, as the ASD files hold them. */
const rows = (n: number, f: number) =>
  Array.from({ length: n }, () => Array.from({ length: f }, () => (Math.floor(rng() * 101) / 100).toString()));
const csv = (r: string[][]) => r.map((x) => x.join(',')).join('\n') + '\n';

interface FixtureEntity {
  name: string;
  train: string[][];
  test: string[][];
  /** [first, last] inclusive record indices and their metric lists */
  segments: { first: number; last: number; dims: number[]; type?: string }[];
}

/** Writes an OmniAnomaly-layout data set; ASD writes inclusive ends, SMD one-past-the-end. */
async function writeFixture(root: string, dataset: 'asd' | 'smd', entities: FixtureEntity[]): Promise<void> {
  for (const sub of ['train', 'test', 'test_label', 'interpretation_label'])
    await mkdir(join(root, dataset, sub), { recursive: true });
  const types: string[] = ['dataset,anomaly_segment,anomaly_type'];
  for (const e of entities) {
    await writeFile(join(root, dataset, 'train', `${e.name}.txt`), csv(e.train));
    await writeFile(join(root, dataset, 'test', `${e.name}.txt`), csv(e.test));
    const labels = e.test.map((_, t) => (e.segments.some((s) => s.first <= t && t <= s.last) ? '1' : '0'));
    await writeFile(join(root, dataset, 'test_label', `${e.name}.txt`), labels.join('\n') + '\n');
    const lines = e.segments.map((s) => `${s.first}-${dataset === 'asd' ? s.last : s.last + 1}:${s.dims.join(',')}`);
    await writeFile(join(root, dataset, 'interpretation_label', `${e.name}.txt`), lines.join('\n'));
    for (const s of e.segments) if (s.type) types.push(`${e.name},${s.first}-${s.last},${s.type}`);
  }
  if (dataset === 'asd') await writeFile(join(root, dataset, 'anomaly_type.txt'), types.join('\n'));
}

/** Labels rebuilt from ranges, to compare with the label file. */
function labelsFromRanges(seq: Sequence): number[] {
  const out = new Array<number>(seq.length).fill(0);
  for (const r of seq.ranges ?? []) for (let t = r.start; t < r.end; t++) out[t] = 1;
  return out;
}

describe('compareNatural', () => {
  it('orders digit runs by value', () => {
    expect(['omi-10', 'omi-2', 'omi-1', 'machine-3-4', 'machine-2-1', 'omi-12'].sort(compareNatural)).toEqual([
      'machine-2-1',
      'machine-3-4',
      'omi-1',
      'omi-2',
      'omi-10',
      'omi-12',
    ]);
  });
});

describe('readOmniAnomaly on generated files', () => {
  let root: string;
  const asd: FixtureEntity[] = [
    {
      name: 'omi-10',
      train: rows(12, 3),
      test: rows(9, 3),
      segments: [{ first: 0, last: 1, dims: [2], type: 'temporal' }],
    },
    {
      name: 'omi-2',
      train: rows(7, 3),
      test: rows(10, 3),
      segments: [
        { first: 2, last: 4, dims: [3, 1], type: 'metric' },
        { first: 5, last: 5, dims: [2] },
        { first: 9, last: 9, dims: [1, 2, 3], type: 'metric-temporal' },
      ],
    },
  ];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ingest-omni-'));
    await writeFixture(root, 'asd', asd);
    await writeFixture(root, 'smd', [
      { name: 'machine-1-1', train: rows(6, 4), test: rows(6, 4), segments: [{ first: 3, last: 5, dims: [4] }] },
    ]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists entities in natural order', async () => {
    expect(await listOmniEntities(root, 'asd')).toEqual(['omi-2', 'omi-10']);
  });

  it('reads values, labels, inclusive ranges and event types (ASD)', async () => {
    const [omi2, omi10] = await readOmniAnomaly(root, 'asd');
    expect(omi2.entity).toBe('omi-2');
    expect(omi2.train.id).toBe('asd/omi-2/train');
    expect(omi2.test.id).toBe('asd/omi-2/test');
    expect(omi2.test.domain).toBe('omi-2');
    expect(omi2.test.features).toEqual(['m1', 'm2', 'm3']);
    expect(omi2.train.length).toBe(7);
    expect(Array.from(omi2.train.values)).toEqual(asd[1].train.flat().map((s) => Math.fround(Number(s))));
    expect(Array.from(omi2.test.values)).toEqual(asd[1].test.flat().map((s) => Math.fround(Number(s))));
    expect(omi2.train.labels).toBeUndefined();
    expect(Array.from(omi2.test.labels!)).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 1]);
    expect(omi2.test.ranges).toEqual([
      { start: 2, end: 5, eventType: 'metric' },
      { start: 5, end: 6, eventType: 'anomaly' },
      { start: 9, end: 10, eventType: 'metric-temporal' },
    ]);
    expect(omi2.segments[0].features).toEqual(['m3', 'm1']);
    expect(labelsFromRanges(omi2.test)).toEqual(Array.from(omi2.test.labels!));
    expect(omi10.test.ranges).toEqual([{ start: 0, end: 2, eventType: 'temporal' }]);
  });

  it('reads half-open ranges (SMD) and selected entities', async () => {
    const [m] = await readOmniAnomaly(root, 'smd', { entities: ['machine-1-1'] });
    expect(m.test.ranges).toEqual([{ start: 3, end: 6, eventType: 'anomaly' }]);
    expect(Array.from(m.test.labels!)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(m.test.features).toHaveLength(4);
  });

  it('names what exists for an unknown entity or data set', async () => {
    await expect(readOmniAnomaly(root, 'asd', { entities: ['omi-3'] })).rejects.toThrow(
      new DataRootError('asd: unknown entity omi-3; available: omi-2, omi-10'),
    );
    await expect(listOmniEntities(join(root, 'nowhere'), 'asd')).rejects.toBeInstanceOf(DataRootError);
  });

  it('rejects bad metric files: a non-number, a missing value, a short row, NaN', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'ingest-omni-values-'));
    try {
      await writeFixture(bad, 'asd', [
        { name: 'omi-1', train: rows(4, 2), test: rows(5, 2), segments: [{ first: 1, last: 2, dims: [1] }] },
      ]);
      const trainPath = join(bad, 'asd', 'train', 'omi-1.txt');
      const cases: [string, string][] = [
        ['0.1,0.2\n0.3,abc\n', `${trainPath}:2:5: expected a number in column "c2", found "abc"`],
        ['0.1,0.2\n,0.4\n', `${trainPath}:2:1: expected a value in column "c1", found ""`],
        ['0.1,0.2\n0.3\n', `${trainPath}:2:4: expected 2 fields per row; field 2 is missing, found "1 field"`],
        ['0.1,NaN\n', `${trainPath}:1:5: expected a finite number in column "c2", found "NaN"`],
      ];
      for (const [text, message] of cases) {
        await writeFile(trainPath, text);
        await expect(readOmniAnomaly(bad, 'asd')).rejects.toThrow(message);
      }
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it.each([
    ['reversed', '4-2', 'a segment start-end with start ≤ end (both inclusive)'],
    ['past the end of the test part', '3-9', 'a segment inside the 5 test records of omi-1 (0…4, both inclusive)'],
    ['matching no interpretation segment', '3-4', 'a segment of INTERPRETATION'],
  ])('rejects an anomaly_type.txt range %s, naming its line', async (_name, range, expected) => {
    const bad = await mkdtemp(join(tmpdir(), 'ingest-omni-types-'));
    try {
      // segments 1-2 (typed) and 3-3; the types file gets one more row with `range`
      await writeFixture(bad, 'asd', [
        {
          name: 'omi-1',
          train: rows(4, 2),
          test: rows(5, 2),
          segments: [
            { first: 1, last: 2, dims: [1], type: 'metric' },
            { first: 3, last: 3, dims: [2] },
          ],
        },
      ]);
      const types = join(bad, 'asd', 'anomaly_type.txt');
      const interpretation = join(bad, 'asd', 'interpretation_label', 'omi-1.txt');
      const valid = 'dataset,anomaly_segment,anomaly_type\nomi-1,1-2,metric\n';
      await writeFile(types, valid + 'omi-1,3-3,temporal\n');
      expect((await readOmniAnomaly(bad, 'asd'))[0].test.ranges?.map((r) => r.eventType)).toEqual([
        'metric',
        'temporal',
      ]);
      await writeFile(types, `${valid}omi-1,${range},metric\n`);
      const e = await readOmniAnomaly(bad, 'asd').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).location).toEqual({ file: types, line: 3, column: 7 });
      expect((e as InputError).expected).toBe(expected.replace('INTERPRETATION', interpretation));
      expect((e as InputError).found).toBe(range);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('rejects label files of the wrong length and bad interpretation lines', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'ingest-omni-bad-'));
    try {
      await writeFixture(bad, 'asd', [
        { name: 'omi-1', train: rows(4, 2), test: rows(5, 2), segments: [{ first: 1, last: 2, dims: [1] }] },
      ]);
      const labelPath = join(bad, 'asd', 'test_label', 'omi-1.txt');
      await writeFile(labelPath, '0\n1\n1\n0\n');
      await expect(readOmniAnomaly(bad, 'asd')).rejects.toMatchObject({
        location: { file: labelPath, line: 5 },
        expected: '5 lines, one label per test record',
      });
      await writeFile(labelPath, '0\n1\n2\n0\n0\n');
      await expect(readOmniAnomaly(bad, 'asd')).rejects.toMatchObject({
        location: { file: labelPath, line: 3, column: 1 },
      });
      await writeFile(labelPath, '0\n1\n1\n0\n0\n');
      const interpretation = join(bad, 'asd', 'interpretation_label', 'omi-1.txt');
      await writeFile(interpretation, '1-2:1\n3-4:1,3');
      const e = await readOmniAnomaly(bad, 'asd').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).location).toEqual({ file: interpretation, line: 2, column: 7 });
      await writeFile(interpretation, '1-2:1');
      // a label file naming a server that does not exist
      const types = join(bad, 'asd', 'anomaly_type.txt');
      await writeFile(types, 'dataset,anomaly_segment,anomaly_type\nomi-1,1-2,metric\nomi-99,3-4,temporal\n');
      await expect(readOmniAnomaly(bad, 'asd')).rejects.toThrow(
        `${types}:3:1: expected a server of the data set (omi-1), found "omi-99"`,
      );
      await writeFile(types, 'dataset,anomaly_segment,anomaly_type\nomi-1,1-2,metric\n');
      await writeFile(interpretation, '1-5:1');
      await expect(readOmniAnomaly(bad, 'asd')).rejects.toMatchObject({ location: { file: interpretation, line: 1 } });
      await writeFile(join(bad, 'asd', 'test', 'omi-1.txt'), '0,1,2\n');
      await expect(readOmniAnomaly(bad, 'asd')).rejects.toMatchObject({
        location: { file: join(bad, 'asd', 'test', 'omi-1.txt'), line: 1, column: 5 },
      });
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe('concatSequences', () => {
  const base = { entity: 'e', domain: 'd', features: ['a', 'b'] };
  const train: Sequence = { ...base, id: 'e/train', values: Float32Array.from([1, 2, 3, 4]), length: 2 };
  const test: Sequence = {
    ...base,
    id: 'e/test',
    values: Float32Array.from([5, 6, 7, 8, 9, 10]),
    length: 3,
    labels: Uint8Array.from([0, 1, 0]),
    ranges: [{ start: 1, end: 2, eventType: 'anomaly' }],
  };
  it('puts parts back to back, pads labels with 0 and shifts ranges', () => {
    const all = concatSequences([train, test], 'e/all');
    expect(all).toEqual({
      ...base,
      id: 'e/all',
      values: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      length: 5,
      labels: Uint8Array.from([0, 0, 0, 1, 0]),
      ranges: [{ start: 3, end: 4, eventType: 'anomaly' }],
    });
  });
  it('requires the same features', () => {
    expect(() => concatSequences([train, { ...test, features: ['a', 'c'] }], 'x')).toThrow(FeatureMismatchError);
  });
});

/** datasets/README.md, "Counts": train rows, test rows, anomalous test records, segments. */
const ASD_COUNTS: Record<string, [number, number, number, number]> = {
  'omi-1': [8640, 4320, 441, 7],
  'omi-2': [8640, 4320, 55, 4],
  'omi-3': [8640, 4320, 146, 6],
  'omi-4': [8640, 4320, 151, 5],
  'omi-5': [8640, 4320, 74, 6],
  'omi-6': [8640, 4320, 198, 10],
  'omi-7': [8640, 4320, 87, 3],
  'omi-8': [8640, 4320, 188, 5],
  'omi-9': [8640, 4320, 297, 8],
  'omi-10': [8640, 4320, 373, 8],
  'omi-11': [8640, 4320, 250, 10],
  'omi-12': [7291, 4320, 132, 5],
};
const SMD_COUNTS: Record<string, [number, number, number, number]> = {
  'machine-2-1': [23693, 23694, 1170, 13],
  'machine-3-4': [23687, 23687, 977, 8],
};

function checkCounts(
  entities: Awaited<ReturnType<typeof readOmniAnomaly>>,
  counts: Record<string, [number, number, number, number]>,
  width: number,
): void {
  expect(entities.map((e) => e.entity)).toEqual(Object.keys(counts));
  for (const e of entities) {
    const [trainRows, testRows, anomalous, segments] = counts[e.entity];
    expect([e.entity, e.train.length, e.test.length, e.train.values.length, e.test.features.length]).toEqual([
      e.entity,
      trainRows,
      testRows,
      trainRows * width,
      width,
    ]);
    expect([e.entity, e.test.labels!.reduce((s, x) => s + x, 0), e.test.ranges!.length]).toEqual([
      e.entity,
      anomalous,
      segments,
    ]);
    expect(labelsFromRanges(e.test)).toEqual(Array.from(e.test.labels!));
  }
}

const asdRoot = realDataRoot('asd');
const smdRoot = realDataRoot('smd');
(asdRoot ? describe : describe.skip)('readOmniAnomaly on the real ASD files', () => {
  it('matches the counts of datasets/README.md, and ranges cover exactly the labels', async () => {
    const entities = await readOmniAnomaly(asdRoot!, 'asd');
    checkCounts(entities, ASD_COUNTS, 19);
    const types = entities.flatMap((e) => e.test.ranges!.map((r) => r.eventType));
    const tally = Object.fromEntries(
      ['metric', 'temporal', 'metric-temporal'].map((t) => [t, types.filter((x) => x === t).length]),
    );
    expect(tally).toEqual({ metric: 12, temporal: 30, 'metric-temporal': 35 });
    const omi1 = entities[0];
    expect(omi1.test.ranges![0]).toEqual({ start: 760, end: 766, eventType: 'metric' });
    const firstLine = (await readFile(join(asdRoot!, 'asd', 'train', 'omi-1.txt'), 'utf8')).split('\n')[0];
    expect(Array.from(omi1.train.values.subarray(0, 19))).toEqual(
      firstLine.split(',').map((s) => Math.fround(Number(s))),
    );
  });
});
(smdRoot ? describe : describe.skip)('readOmniAnomaly on the real SMD files', () => {
  it('matches the counts of datasets/README.md with half-open ranges', async () => {
    checkCounts(await readOmniAnomaly(smdRoot!, 'smd'), SMD_COUNTS, 38);
  });
});
