import { InputError, type Sequence } from '@driftwatch/contracts';
import { readCsvBatches, type CsvColumn } from './csv-batches';
import { sequencesFromBatches, type AssembleOptions } from './assemble';
import { resampleSequence } from './resample';

const columns: CsvColumn[] = [
  { name: 'host', type: 'dictionary' },
  { name: 't', type: 'timestamp' },
  { name: 'cpu', type: 'float32' },
  { name: 'mem', type: 'float64' },
];

function assemble(text: string, options: Partial<AssembleOptions> = {}, batchRows = 2): Promise<Sequence[]> {
  return sequencesFromBatches(readCsvBatches({ file: 'm.csv', data: text }, { columns, batchRows }), {
    entity: 'host',
    timestamp: 't',
    features: ['cpu', 'mem'],
    file: 'm.csv',
    ...options,
  });
}

describe('sequencesFromBatches', () => {
  it('gathers one sequence per entity across batches, nulls as NaN', async () => {
    const seqs = await assemble('a,1,10,0.5\nb,1,20,\na,2,,0.25\nb,3,40,4\na,5,50,5\n');
    expect(seqs.map((s) => [s.entity, s.length, [...s.values], [...s.timestamps!].map(Number)])).toEqual([
      ['a', 3, [10, 0.5, NaN, 0.25, 50, 5], [1000, 2000, 5000]],
      ['b', 2, [20, NaN, 40, 4], [1000, 3000]],
    ]);
  });

  it('names the line of a time that goes backwards within an entity', async () => {
    await expect(assemble('a,1,1,1\nb,9,1,1\na,3,1,1\na,2,1,1\n')).rejects.toThrow(
      new InputError(
        { file: 'm.csv', line: 4 },
        'times that increase within entity "a" in column "t" (line 3 has 3000 ms)',
        '2000 ms',
      ),
    );
  });

  it('names both lines of a duplicate time, or keeps the first or last record as asked', async () => {
    const text = 'a,1,1,1\na,2,2,2\na,2,3,3\na,4,4,4\n';
    await expect(assemble(text)).rejects.toThrow(
      'm.csv:3: expected one record per time within entity "a" in column "t" (line 2 has the same time), ' +
        'found "2000 ms again"',
    );
    expect([...(await assemble(text, { duplicates: 'first' }))[0].values]).toEqual([1, 1, 2, 2, 4, 4]);
    expect([...(await assemble(text, { duplicates: 'last' }))[0].values]).toEqual([1, 1, 3, 3, 4, 4]);
  });

  it("with order 'sort' sorts each entity's records by time", async () => {
    const seqs = await assemble('a,3,3,3\na,1,1,1\nb,2,2,2\na,2,2,2\n', { order: 'sort' });
    expect([...seqs[0].timestamps!].map(Number)).toEqual([1000, 2000, 3000]);
    expect([...seqs[0].values]).toEqual([1, 1, 2, 2, 3, 3]);
    await expect(assemble('a,3,3,3\na,3,1,1\n', { order: 'sort' })).rejects.toThrow(
      'm.csv:2: expected one record per time',
    );
  });
});

describe('resampleSequence', () => {
  const seq: Sequence = {
    id: 's',
    entity: 'e',
    domain: 'd',
    features: ['x'],
    // times 0, 400, 1200, 3500 ms; steps of 1 s → bins {0,400}, {1200}, {}, {3500}
    values: Float32Array.from([1, 3, NaN, 8]),
    length: 4,
    timestamps: BigInt64Array.from([0n, 400n, 1200n, 3500n]),
    labels: Uint8Array.from([0, 2, 0, 1]),
    ranges: [{ start: 3, end: 4, eventType: 'T1' }],
  };
  it('aggregates per step, fills empty steps forward and maps labels and ranges to steps', () => {
    const mean = resampleSequence(seq, { stepMs: 1000 });
    expect([...mean.values]).toEqual([2, 2, 2, 8]); // bin 1 holds only NaN → filled from bin 0, bin 2 empty → filled
    expect([...mean.timestamps!].map(Number)).toEqual([0, 1000, 2000, 3000]);
    expect([...mean.labels!]).toEqual([2, 0, 0, 1]);
    expect(mean.ranges).toEqual([{ start: 3, end: 4, eventType: 'T1' }]);
    expect([...resampleSequence(seq, { stepMs: 1000, aggregate: 'max' }).values]).toEqual([3, 3, 3, 8]);
    expect([...resampleSequence(seq, { stepMs: 1000, fill: 'none' }).values]).toEqual([2, NaN, NaN, 8]);
  });
  it('back-fills leading gaps when asked', () => {
    const lead: Sequence = {
      ...seq,
      values: Float32Array.from([NaN, NaN, 5, 6]),
      labels: undefined,
      ranges: undefined,
    };
    expect([...resampleSequence(lead, { stepMs: 1000 }).values]).toEqual([5, 5, 5, 6]);
    expect([...resampleSequence(lead, { stepMs: 1000, fill: 'previous' }).values]).toEqual([NaN, 5, 5, 6]);
  });
});
