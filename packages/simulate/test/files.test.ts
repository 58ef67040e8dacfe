import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSequences } from '@driftwatch/ingest';
import { simulateCluster, type SimulationOptions } from '../src';
import { writeSimulationFiles } from '../src/files';

describe('simulation files', () => {
  let dir: string;
  const options: SimulationOptions = {
    nodes: 8,
    steps: 120,
    rewiring: 0.05,
    structuralNoise: 0.25,
    graphWindow: 10,
    workload: { burstAmplitude: 1.5 },
    faults: { count: 3, start: 20 },
  };
  const expected = simulateCluster(options, 3);
  const N = 8;
  const F = 5;
  const T = 120;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simulate-files-'));
    for (const name of ['a', 'b']) {
      const out = join(dir, name);
      await mkdir(out);
      await writeSimulationFiles(out, simulateCluster(options, 3), ['csv', 'arrow'], 'driftwatch simulate --seed 3');
    }
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the long CSV that ingest reads back to the same values, times and entity order', async () => {
    const sequences = await readSequences(join(dir, 'a', 'metrics.csv'), {
      format: 'long-csv',
      entity: 'entity',
      timestampUnit: 'iso',
    });
    expect(sequences.map((s) => s.entity)).toEqual(expected.series.entities);
    let differing = 0;
    sequences.forEach((s, i) => {
      // the pivot sorts metric names: map them back to the simulator's order
      const column = expected.series.features.map((name) => s.features.indexOf(name));
      expect(s.length).toBe(T);
      expect([...s.timestamps!]).toEqual([...expected.series.timestamps!]);
      for (let t = 0; t < T; t++)
        for (let f = 0; f < F; f++)
          if (s.values[t * F + column[f]] !== expected.series.values[(t * N + i) * F + f]) differing++;
    });
    expect(differing).toBe(0);
  });

  it('writes the wide Arrow IPC file that ingest reads back to the same values', async () => {
    const sequences = await readSequences(join(dir, 'a', 'metrics.arrow'), { entity: 'entity' });
    expect(sequences.map((s) => s.entity)).toEqual(expected.series.entities);
    expect(sequences[0].features).toEqual(['cpu', 'memory', 'latency', 'queue', 'error_rate']);
    let differing = 0;
    sequences.forEach((s, i) => {
      for (let t = 0; t < T; t++)
        for (let f = 0; f < F; f++)
          if (s.values[t * F + f] !== expected.series.values[(t * N + i) * F + f]) differing++;
    });
    expect(differing).toBe(0);
  });

  it('writes labels per node and step, the fault table, both graph series and simulation.json', async () => {
    const lines = (await readFile(join(dir, 'a', 'labels.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('entity,timestamp,step,label,event');
    expect(lines).toHaveLength(1 + T * N);
    const labels = lines.slice(1).map((l) => l.split(','));
    labels.forEach(([entity, time, step, label, event], k) => {
      const t = Math.floor(k / N);
      const i = k % N;
      const code = expected.series.eventOf![t * N + i];
      expect([entity, time, Number(step), Number(label), event]).toEqual([
        expected.series.entities[i],
        new Date(Number(expected.series.timestamps![t])).toISOString(),
        t,
        expected.series.labels![t * N + i],
        code >= 0 ? expected.series.eventTypes![code] : '',
      ]);
    });
    expect(labels.some((l) => l[3] === '1')).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'a', 'faults.json'), 'utf8'))).toEqual(expected.faults);
    const faultRows = (await readFile(join(dir, 'a', 'faults.csv'), 'utf8')).trim().split('\n');
    expect(faultRows[0]).toBe(
      'fault,entity,type,role,root_entity,hops,delay,start,end,label_end,intensity,direct,labelled',
    );
    expect(faultRows.slice(1)).toEqual(
      expected.faults.map((r) =>
        [
          r.fault,
          r.entity,
          r.type,
          r.role,
          r.rootEntity,
          r.hops,
          r.delay,
          r.start,
          r.end,
          r.labelEnd,
          r.intensity,
          r.direct,
          r.labelled,
        ].join(','),
      ),
    );
    const jsonl = async (name: string) =>
      (await readFile(join(dir, 'a', name), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    expect(await jsonl('graphs-true.jsonl')).toEqual(JSON.parse(JSON.stringify(expected.trueGraphs)));
    expect(await jsonl('graphs-observed.jsonl')).toEqual(JSON.parse(JSON.stringify(expected.series.graphs)));
    const manifest = JSON.parse(await readFile(join(dir, 'a', 'simulation.json'), 'utf8'));
    expect(manifest.seed).toBe(3);
    expect(manifest.version).toBe('0.1.0');
    expect(manifest.command).toBe('driftwatch simulate --seed 3');
    expect(manifest.config).toEqual(JSON.parse(JSON.stringify(expected.config)));
    expect(manifest.files['metrics.csv'].mapping).toEqual({
      format: 'long-csv',
      entity: 'entity',
      timestampUnit: 'iso',
    });
    const labelled = expected.series.labels!.reduce((a, b) => a + b, 0);
    expect(manifest.summary).toEqual({
      rootFaults: expected.rootFaults.length,
      faultRecords: expected.faults.length,
      labelledCells: labelled,
      labelledFraction: labelled / (T * N),
    });
  });

  it('writes byte-identical files for the same simulation, and only the chosen metrics layout', async () => {
    const names = (await readdir(join(dir, 'a'))).sort();
    expect(names).toEqual([
      'faults.csv',
      'faults.json',
      'graphs-observed.jsonl',
      'graphs-true.jsonl',
      'labels.csv',
      'metrics.arrow',
      'metrics.csv',
      'simulation.json',
    ]);
    expect((await readdir(join(dir, 'b'))).sort()).toEqual(names);
    for (const name of names) {
      const [a, b] = [await readFile(join(dir, 'a', name)), await readFile(join(dir, 'b', name))];
      expect([name, a.equals(b)]).toEqual([name, true]);
    }
    const csvOnly = join(dir, 'csv-only');
    await mkdir(csvOnly);
    const written = await writeSimulationFiles(csvOnly, simulateCluster({ ...options, steps: 40 }, 4), ['csv']);
    expect(written).not.toContain('metrics.arrow');
    expect((await readdir(csvOnly)).sort()).toEqual([...written].sort());
    const manifest = JSON.parse(await readFile(join(csvOnly, 'simulation.json'), 'utf8'));
    expect(manifest.command).toBeUndefined();
    expect(Object.keys(manifest.files)).not.toContain('metrics.arrow');
  });
});
