import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usesTfjs } from '@driftwatch/models';
import { mulberry32, type NodeSeries } from '@driftwatch/contracts';
import { tsbAdVusPr } from '@driftwatch/eval';
import {
  DEFAULT_BUDGET,
  DEFAULT_DATASETS,
  ST_METHODS,
  experimentRuns,
  nezhaNodeSeries,
  nodeStepMetrics,
  parseLabelWindow,
  shardItems,
  sliceNodeSeries,
  splitPeriods,
  stResultLineKey,
  stRunKey,
  stRunMethodOf,
  tsbAdWindowOf,
} from '../src';

const HEADER =
  'Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsage(Mi),MemoryUsageRate(%),SyscallRead,' +
  'SyscallWrite,NetworkReceiveBytes,NetworkTransmitBytes,PodClientLatencyP90(s),PodServerLatencyP90(s),' +
  'PodClientLatencyP95(s),PodServerLatencyP95(s),PodClientLatencyP99(s),PodServerLatencyP99(s),' +
  'PodWorkload(Ops),PodSuccessRate(%),NodeCpuUsageRate(%),NodeMemoryUsageRate(%),NodeNetworkReceiveBytes';
const date = '2023-01-29';
const t0 = Date.UTC(2023, 0, 29, 8, 0, 0);
const goTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')} +0000 UTC m=+1.000000000`;
/**
 * a pod file with one record per listed minute, `offsetS` seconds past it; CpuUsage(m) = 100·minute + `base`, every
 * other metric 1
 */
const podFile = (pod: string, minutes: number[], offsetS: number, base: number) =>
  [
    HEADER,
    ...minutes.map(
      (m) =>
        `${goTime(t0 + m * 60_000 + offsetS * 1000)},0,${pod},${100 * m + base},${new Array(18).fill('1').join(',')}`,
    ),
  ].join('\n') + '\n';
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('Nezha day → NodeSeries', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'st-nezha-'));
    const metric = join(root, 'nezha', 'construct_data', date, 'metric');
    await mkdir(metric, { recursive: true });
    await mkdir(join(root, 'nezha', 'rca_data', date), { recursive: true });
    // files listed in an order other than the services' names; order-service starts a minute later and skips minute 5
    await writeFile(
      join(metric, 'ts-order-service-ccc-33333_metric.csv'),
      podFile('ts-order-service-ccc-33333', [...range(1, 5), ...range(6, 40)], 9, 2),
    );
    await writeFile(
      join(metric, 'ts-food-service-aaa-11111_metric.csv'),
      podFile('ts-food-service-aaa-11111', range(0, 40), 9, 1),
    );
    await writeFile(
      join(metric, 'dependency.csv'),
      'Source,Target,Weight\nts-order-service,ts-food-service,1\nts-food-service,33.33.33.1,1\n',
    );
    const faults = {
      '08': [
        {
          inject_time: '2023-01-29 08:20:30',
          inject_timestamp: '0',
          inject_pod: 'ts-food-service-aaa-11111',
          inject_type: 'cpu_contention',
        },
        {
          inject_time: '2023-01-29 08:30:00',
          inject_timestamp: '0',
          inject_pod: 'ts-order-service-ccc-33333',
          inject_type: 'exception',
        },
      ],
    };
    await writeFile(join(root, 'nezha', 'rca_data', date, `${date}-fault_list.json`), JSON.stringify(faults));
    // spans: order → food starting at 08:20:20 (file 08_21 holds the minute before 08:21), food → order at 08:30:15
    const trace = join(root, 'nezha', 'rca_data', date, 'trace');
    await mkdir(trace, { recursive: true });
    const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
    const span = (traceId: string, spanId: string, parent: string, pod: string, startMs: number) =>
      `${traceId},${spanId},${parent},${pod},op,${ns(startMs)},${ns(startMs + 5)},5000`;
    const header = 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration';
    const at = (m: number, s: number) => t0 + m * 60_000 + s * 1000;
    await writeFile(
      join(trace, '08_21_trace.csv'),
      [
        header,
        span('a', 'a1', 'root', 'ts-order-service-ccc-33333', at(20, 10)),
        span('a', 'a2', 'a1', 'ts-food-service-aaa-11111', at(20, 20)),
      ].join('\n') + '\n',
    );
    await writeFile(
      join(trace, '08_31_trace.csv'),
      [
        header,
        span('b', 'b1', 'root', 'ts-food-service-aaa-11111', at(30, 10)),
        span('b', 'b2', 'b1', 'ts-order-service-ccc-33333', at(30, 15)),
      ].join('\n') + '\n',
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('aligns the services on the minute grid, labels the fixed windows and takes the dependency graph', async () => {
    const { series, labelWindow, graphSource } = await nezhaNodeSeries(root, {
      date,
      labelWindow: parseLabelWindow('fixed:3'),
      graph: 'auto',
    });
    expect(series.entities).toEqual(['ts-food-service', 'ts-order-service']);
    expect(series.length).toBe(40);
    expect(series.features).toHaveLength(19);
    const F = 19;
    const cpu = (t: number, i: number) => series.values[(t * 2 + i) * F];
    expect(Number(series.timestamps![0])).toBe(t0);
    expect(Number(series.timestamps![39])).toBe(t0 + 39 * 60_000);
    expect(cpu(0, 0)).toBe(1);
    expect(cpu(17, 0)).toBe(1701);
    expect(cpu(0, 1)).toBeNaN();
    expect(cpu(5, 1)).toBeNaN();
    expect(cpu(6, 1)).toBe(602);
    expect(series.values[(6 * 2 + 1) * F + 5]).toBe(1);
    // fixed 3 min: a record at time r is labelled when s ≤ r < s + 3 min + 60 s (a record summarises the minute before
    // it) food: s = 08:20:30 → records 08:21:09 … 08:24:09 → steps 21–24; order: s = 08:30:00 → 08:30:09 … 08:33:09 →
    // steps 30–33
    const expected = new Uint8Array(80);
    for (const t of range(21, 25)) expected[t * 2] = 1;
    for (const t of range(30, 34)) expected[t * 2 + 1] = 1;
    expect(Array.from(series.labels!)).toEqual(Array.from(expected));
    expect(series.eventTypes![series.eventOf![22 * 2]]).toBe('cpu_contention');
    expect(series.eventTypes![series.eventOf![31 * 2 + 1]]).toBe('exception');
    expect(series.eventOf![10 * 2]).toBe(-1);
    expect(labelWindow).toMatchObject({ faults: 2, meanWindowMinutes: 4, meanLabelledSteps: 4 });
    expect(labelWindow.rule).toMatch(/^fixed 3 min/);
    expect(graphSource).toBe('dependency');
    expect(series.graphs).toHaveLength(1);
    expect(series.graphs![0].t).toBe(0);
    expect(series.graphs![0].edges.map((e) => [e.src, e.dst, e.kind])).toEqual([[1, 0, 'call']]);
  });

  it('span graphs: caller → callee per minute window, at the step of that minute', async () => {
    const { series, graphSource } = await nezhaNodeSeries(root, {
      date,
      labelWindow: parseLabelWindow('fixed:3'),
      graph: 'spans',
      graphWindowMinutes: 1,
    });
    expect(graphSource).toBe('spans');
    expect(series.graphs!.map((g) => [g.t, g.edges.map((e) => [e.src, e.dst, e.weight])])).toEqual([
      [20, [[1, 0, 1]]],
      [30, [[0, 1, 1]]],
    ]);
  });

  it('without a graph source it has no graphs, and a bad label window is refused', async () => {
    const { series } = await nezhaNodeSeries(root, { date, labelWindow: { mode: 'fixed', minutes: 1 }, graph: 'none' });
    expect(series.graphs).toBeUndefined();
    // fixed 1 min: the window ends at 08:20:30 + 1 min + 60 s = 08:22:30, so the records 08:21:09 and 08:22:09 are
    // labelled
    expect([21, 22, 23].map((t) => series.labels![t * 2])).toEqual([1, 1, 0]);
    expect(() => parseLabelWindow('fixed:x')).toThrow(/fixed:<minutes>/);
  });
});

/** A series whose value of entity i, feature f at step t is 100·t + 10·i + f (so slices can be checked by value). */
function codedSeries(T: number, N: number, F: number, labelled: [number, number][]): NodeSeries {
  const values = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) values[(t * N + i) * F + f] = 100 * t + 10 * i + f;
  const labels = new Uint8Array(T * N);
  for (const [t, i] of labelled) labels[t * N + i] = 1;
  const nodes = Array.from({ length: N }, (_, i) => `e${i}`);
  return {
    id: 'coded',
    entities: nodes,
    features: Array.from({ length: F }, (_, f) => `m${f}`),
    length: T,
    values,
    labels,
    graphs: [
      { t: 0, nodes, edges: [{ src: 0, dst: 1, weight: 1, kind: 'call' }] },
      { t: 5, nodes, edges: [{ src: 1, dst: 2, weight: 1, kind: 'call' }] },
      { t: 8, nodes, edges: [] },
    ],
  };
}

describe('periods, slices and the fault-free view', () => {
  it('splits the span up to a margin after the last label, or the whole series', () => {
    const s = codedSeries(200, 3, 2, [
      [60, 1],
      [99, 2],
    ]);
    // span = 99 + 1 + 30 = 130 → train ⌊0.5·130⌋ = 65, validation ⌊0.2·130⌋ = 26, test ⌊0.3·130⌋ = 39
    expect(splitPeriods(s, { train: 0.5, validation: 0.2, test: 0.3 }, 'faults')).toEqual({
      train: [0, 65],
      validation: [65, 91],
      test: [91, 130],
      unused: [130, 200],
    });
    expect(splitPeriods(s, { train: 0.5, validation: 0.2, test: 0.3 }, 'day')).toEqual({
      train: [0, 100],
      validation: [100, 140],
      test: [140, 200],
      unused: [200, 200],
    });
    expect(() => splitPeriods(codedSeries(50, 3, 2, []), { train: 0.5, validation: 0.2, test: 0.3 }, 'faults')).toThrow(
      /no labelled step/,
    );
  });

  it('a slice keeps its values and labels and carries the graph in force at its start', () => {
    const s = codedSeries(12, 3, 2, [[6, 2]]);
    const cut = sliceNodeSeries(s, 6, 10, 'part');
    expect(cut.length).toBe(4);
    expect(cut.values[0]).toBe(600);
    expect(cut.values[(3 * 3 + 2) * 2 + 1]).toBe(921);
    expect(Array.from(cut.labels!.subarray(0, 3))).toEqual([0, 0, 1]);
    // graph of step 5 moves to 0, graph of step 8 to 2
    expect(cut.graphs!.map((g) => [g.t, g.edges.length])).toEqual([
      [0, 1],
      [2, 0],
    ]);
    expect(cut.graphs![0].edges[0]).toMatchObject({ src: 1, dst: 2 });
  });
});

describe('node × step metrics', () => {
  /** F1 of ŷ = [s ≥ τ] by counting. */
  const countAt = (s: number[], y: number[], tau: number) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    s.forEach((v, k) => {
      const flagged = v >= tau;
      if (flagged && y[k]) tp++;
      else if (flagged) fp++;
      else if (y[k]) fn++;
      else tn++;
    });
    const p = tp + fp === 0 ? 1 : tp / (tp + fp);
    const r = tp + fn === 0 ? 1 : tp / (tp + fn);
    return { acc: (tp + tn) / s.length, p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
  };

  it('matches a brute-force search and count on a tiny random example', () => {
    let checked = 0;
    for (let trial = 0; trial < 20; trial++) {
      const rand = mulberry32(100 + trial);
      const T = 14;
      const N = 3;
      const W = 3;
      const scores = new Float32Array(T * N);
      const labels = new Uint8Array(T * N);
      for (let k = 0; k < T * N; k++) {
        labels[k] = rand() < 0.3 ? 1 : 0;
        // rounded so that ties happen
        scores[k] = Math.round((rand() + labels[k] * 0.4) * 8) / 8;
      }
      for (let k = 0; k < (W - 1) * N; k++) scores[k] = NaN;
      scores[9 * N + 1] = NaN; // a missing score inside the test period is left out
      const periods = { validation: [2, 7] as [number, number], test: [7, 14] as [number, number] };
      const cells = (a: number, b: number) => {
        const s: number[] = [];
        const y: number[] = [];
        for (let t = Math.max(a, W - 1); t < b; t++) {
          for (let i = 0; i < N; i++) {
            if (Number.isNaN(scores[t * N + i])) continue;
            s.push(scores[t * N + i]);
            y.push(labels[t * N + i]);
          }
        }
        return { s, y };
      };
      const val = cells(2, 7);
      const test = cells(7, 14);
      if (!val.y.includes(1) || !test.y.includes(1)) continue;
      // τ: the F1-maximising validation score, the lowest among ties
      let tau = Infinity;
      let best = -1;
      for (const c of [...new Set(val.s)].sort((a, b) => a - b)) {
        const f = countAt(val.s, val.y, c).f1;
        if (f > best + 1e-12) {
          best = f;
          tau = c;
        }
      }
      const expected = countAt(test.s, test.y, tau);
      const peak = Math.max(...test.s.map((c) => countAt(test.s, test.y, c).f1));
      const got = nodeStepMetrics(scores, labels, N, periods, W);
      expect(got.threshold).toBeCloseTo(tau, 6);
      expect(got.validationF1).toBeCloseTo(best, 12);
      expect(got.accuracy).toBeCloseTo(expected.acc, 12);
      expect(got.precision).toBeCloseTo(expected.p, 12);
      expect(got.recall).toBeCloseTo(expected.r, 12);
      expect(got.f1).toBeCloseTo(expected.f1, 12);
      expect(got.peakF1).toBeCloseTo(peak, 12);
      expect(got.testCells).toBe(test.s.length);
      expect(got.vusPr).toBeGreaterThanOrEqual(0);
      expect(got.vusPr).toBeLessThanOrEqual(1);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('a validation period without anomalies flags nothing and says so', () => {
    const scores = Float32Array.from({ length: 20 }, (_, k) => k);
    const labels = new Uint8Array(20);
    labels[18] = 1;
    const got = nodeStepMetrics(scores, labels, 2, { validation: [0, 5], test: [5, 10] }, 1);
    expect(got.threshold).toBe(Infinity);
    expect(got.recall).toBe(0);
    expect(got.precision).toBe(1);
    expect(got.warnings.join()).toMatch(/validation period has no anomalous cell/);
  });
});

describe('TSB-AD VUS-PR of a run', () => {
  const T = 400;
  const N = 2;
  const F = 2;
  const rand = mulberry32(3);
  // entity 0 feature 0 repeats every 24 steps, entity 1 feature 0 every 50; feature 1 is noise
  const values = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < N; i++) {
      values[(t * N + i) * F] = Math.sin((2 * Math.PI * t) / (i === 0 ? 24 : 50));
      values[(t * N + i) * F + 1] = rand();
    }
  }

  it('takes the sliding window from the first channel (entity 0, feature 0) of the test steps', () => {
    expect(tsbAdWindowOf(values, N * F, [100, 400])).toBe(24);
  });

  it('scores the entity-major test cells over buffers 0 … the window', () => {
    const W = 3;
    const periods = { validation: [50, 150] as [number, number], test: [150, 400] as [number, number] };
    const labels = new Uint8Array(T * N);
    const scores = new Float32Array(T * N);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < N; i++) {
        labels[t * N + i] = (t >= 100 && t < 110) || (t >= 200 + 40 * i && t < 215 + 40 * i) ? 1 : 0;
        scores[t * N + i] = rand() + 0.5 * labels[t * N + i];
      }
    }
    // entity 0's test steps, then entity 1's
    const s: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < N; i++) {
      for (let t = 150; t < 400; t++) {
        s.push(scores[t * N + i]);
        y.push(labels[t * N + i]);
      }
    }
    const got = nodeStepMetrics(scores, labels, N, periods, W, 24);
    expect(got.tsbAdWindow).toBe(24);
    expect(got.tsbAdVusPr).toBe(tsbAdVusPr(s, y, { slidingWindow: 24 }));
    expect(got.tsbAdVusPr).not.toBeCloseTo(got.vusPr, 3);
    expect(nodeStepMetrics(scores, labels, N, periods, W).tsbAdWindow).toBe(W);
  });
});

describe('experiment runs', () => {
  it('lists data sets × varied values × methods, and shards partition them', () => {
    const count = (e: 'compare' | 'window' | 'scale' | 'robustness') =>
      experimentRuns(e, DEFAULT_DATASETS[e], ST_METHODS, DEFAULT_BUDGET).length;
    // compare 3 data sets × 5 methods; window 2 × 5 lengths × 5; scale 4 sizes × 5; robustness 3 knobs × 3 levels × 5
    expect([count('compare'), count('window'), count('scale'), count('robustness')]).toEqual([15, 50, 20, 45]);
    const runs = experimentRuns('robustness', ['sim'], ST_METHODS, DEFAULT_BUDGET);
    const shards = [0, 1, 2].map((index) => shardItems(runs, { index, count: 3 }));
    expect(shards.flat().map(stRunKey).sort()).toEqual(runs.map(stRunKey).sort());
    expect(new Set(runs.map(stRunKey)).size).toBe(45);
    const scale = experimentRuns('scale', ['sim'], ['gbdt'], DEFAULT_BUDGET);
    expect(scale.map((r) => [r.simulation!.nodes, r.simulation!.steps])).toEqual(
      [32, 64, 96, 128].map((n) => [n, DEFAULT_BUDGET.scaleSteps]),
    );
    expect(() => experimentRuns('scale', ['nezha-ob'], ['gbdt'], DEFAULT_BUDGET)).toThrow(/runs on 'sim' only/);
    // both st-dda lines of a run share its key
    expect(stRunKey({ experiment: 'compare', dataset: 'sim', method: 'st-dda-forecast' })).toBe(
      stRunKey({ experiment: 'compare', dataset: 'sim', method: 'st-dda' }),
    );
  });

  it('a results line finds its run again (resume), and only gbdt runs without tfjs', () => {
    const [run] = experimentRuns('window', ['sim'], ['st-dda'], DEFAULT_BUDGET, [8]);
    const line = {
      method: 'st-dda-latent',
      dataset: 'sim',
      experiment: 'window',
      variedParam: 'windowLength',
      variedValue: 8,
    } as unknown as Parameters<typeof stResultLineKey>[0];
    expect(stResultLineKey(line)).toBe(stRunKey(run));
    expect(stResultLineKey({ ...line, variedValue: 12 })).not.toBe(stRunKey(run));
    expect(['st-dda-latent', 'st-dda-forecast', 'mlp'].map(stRunMethodOf)).toEqual(['st-dda', 'st-dda', 'mlp']);
    expect(ST_METHODS.filter((m) => !usesTfjs(m))).toEqual(['gbdt']);
  });
});
