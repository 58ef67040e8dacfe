import { ParameterError, type Sequence } from '@driftwatch/contracts';
import type { NezhaFault } from './faults';
import {
  type ResolvedRecoveryWindow,
  type RecoverySignal,
  baselineValues,
  deviates,
  faultWindows,
  fixedEnd,
  labelSequences,
  median,
  normalMask,
  recoveryEnd,
  resolveLabelWindow,
  robustBand,
  valueNear,
} from './label-window';

const MIN = 60_000;
const s = Date.UTC(2023, 0, 29, 9, 34, 19);
const rule = (overrides: Partial<ResolvedRecoveryWindow> = {}) => ({
  ...(resolveLabelWindow({ mode: 'recovery' }) as ResolvedRecoveryWindow),
  ...overrides,
});

/** 20 fault-free records before the injection alternating 10, 11; then `after` at s+10 s, s+70 s, … */
function cpuSignal(after: number[]): RecoverySignal {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 20; i >= 1; i--) {
    times.push(s + 10_000 - i * MIN);
    values.push(i % 2 === 0 ? 10 : 11);
  }
  after.forEach((v, i) => {
    times.push(s + 10_000 + i * MIN);
    values.push(v);
  });
  return { name: 'cpu', times, values };
}

const fault = (
  injectMs: number,
  pod = 'ts-food-service-f5756978c-k8vqf',
  type: NezhaFault['type'] = 'cpu_contention',
): NezhaFault => ({
  injectTime: new Date(injectMs).toISOString().slice(0, 19).replace('T', ' '),
  injectMs,
  pod,
  service: pod.split('-').slice(0, -2).join('-'),
  type,
  code: type === 'cpu_contention' ? 1 : 3,
  hour: '09',
  file: 'f.json',
  line: 1,
  column: 1,
});

describe('robust band', () => {
  it('median and 1.4826·MAD', () => {
    // median 3; |x − 3| = 2 1 0 1 97 → MAD 1
    expect(robustBand([1, 2, 3, 4, 100])).toEqual({ median: 3, sigma: 1.4826 });
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('falls back to 1.2533·mean absolute deviation when the MAD is 0', () => {
    // median 5; deviations 0 0 0 0 4 → MAD 0, mean deviation 0.8
    const band = robustBand([5, 5, 5, 5, 9]);
    expect(band.median).toBe(5);
    expect(band.sigma).toBeCloseTo(1.2533 * 0.8, 12);
  });

  it('is exactly the median for a constant baseline, so any other value deviates', () => {
    const band = robustBand([0, 0, 0]);
    expect(band).toEqual({ median: 0, sigma: 0 });
    expect(deviates(0, band, 3)).toBe(false);
    expect(deviates(1e-9, band, 3)).toBe(true);
  });

  it('treats a missing value as no evidence', () => {
    expect(deviates(NaN, { median: 0, sigma: 1 }, 3)).toBe(false);
    expect(deviates(3.0001, { median: 0, sigma: 1 }, 3)).toBe(true);
    expect(deviates(-3, { median: 0, sigma: 1 }, 3)).toBe(false);
  });
});

describe('baselineValues', () => {
  it('takes the nearest finite values outside the excluded intervals, earlier first on ties', () => {
    const signal: RecoverySignal = { name: 'x', times: [0, 10, 20, 30, 40, 50], values: [1, 2, NaN, 4, 5, 6] };
    // injection at 25: distances 25 15 (5: NaN) 5 15 25; 30 excluded
    expect(baselineValues(signal, 25, [{ startMs: 30, endMs: 31 }], 3)).toEqual([2, 5, 1]);
  });
});

describe('valueNear', () => {
  it('reads the record nearest in time within the tolerance', () => {
    const signal: RecoverySignal = { name: 'x', times: [1000, 61_000, 121_000], values: [1, 2, 3] };
    expect(valueNear(signal, 60_600, 30_000)).toBe(2);
    expect(valueNear(signal, 91_000, 30_000)).toBe(2);
    expect(valueNear(signal, 91_001, 30_000)).toBe(3);
    expect(valueNear(signal, 200_000, 30_000)).toBeNaN();
  });
});

describe('fixedEnd', () => {
  it('runs one record span past the fault (records summarise the minute before them)', () => {
    expect(fixedEnd(s, 3, Infinity)).toEqual({ endMs: s + 4 * MIN, reason: 'fixed' });
    expect(fixedEnd(s, 3, s + 3 * MIN)).toEqual({ endMs: s + 3 * MIN, reason: 'next-fault' });
  });
});

describe('recoveryEnd', () => {
  // pod records at s+10 s, s+70 s, …; band from the alternating 10/11 baseline: median 10.5, σ = 0.7413
  const recordTimes = Array.from({ length: 12 }, (_, i) => s + 10_000 + i * MIN);
  // as in faultWindows, the fault's own longest window (10 min + one span) stays out of the baseline
  const base = { startMs: s, recordTimes, excluded: [{ startMs: s, endMs: s + 11 * MIN }], nextStartMs: Infinity };

  it('extends past the minimum while the signal is out of its band, and ends at the first record back inside', () => {
    const signal = cpuSignal([90, 90, 90, 90, 90, 90, 10, 10, 10, 10, 10, 10]);
    // records ≥ s+240 s: s+250 (90, out), s+310 (90, out), s+370 (10, in) → end = s+370 s − 30 s
    expect(recoveryEnd({ ...base, signals: [signal], rule: rule() })).toEqual({
      endMs: s + 340_000,
      reason: 'recovered',
    });
  });

  it('keeps the minimum (3 min + one record span) when the signal never leaves its band', () => {
    const signal = cpuSignal(new Array(12).fill(10.5));
    // first record ≥ s+240 s is s+250 s, inside: end = max(s+240 s, s+220 s)
    expect(recoveryEnd({ ...base, signals: [signal], rule: rule() })).toEqual({
      endMs: s + 240_000,
      reason: 'recovered',
    });
  });

  it('stops at the maximum', () => {
    const signal = cpuSignal(new Array(12).fill(90));
    expect(recoveryEnd({ ...base, signals: [signal], rule: rule({ maxMinutes: 4 }) })).toEqual({
      endMs: s + 300_000,
      reason: 'max',
    });
  });

  it('a record exactly at the maximum is outside the window, whatever its value', () => {
    // records on whole minutes after the injection; max 4 min → the window ends at s + 300 s
    const signal: RecoverySignal = {
      name: 'cpu',
      times: [s - 120_000, s - 60_000, ...[1, 2, 3, 4, 5, 6].map((i) => s + i * MIN)],
      values: [10, 10, 90, 90, 90, 90, 10, 10],
    };
    const times = Array.from(signal.times);
    expect(
      recoveryEnd({ ...base, recordTimes: times.slice(2), signals: [signal], rule: rule({ maxMinutes: 4 }) }),
    ).toEqual({ endMs: s + 300_000, reason: 'max' });
  });

  it('stops at the next injection, even before the minimum', () => {
    const signal = cpuSignal(new Array(12).fill(90));
    expect(recoveryEnd({ ...base, nextStartMs: s + 200_000, signals: [signal], rule: rule() })).toEqual({
      endMs: s + 200_000,
      reason: 'next-fault',
    });
  });

  it('counts a missing value as recovered (no evidence of the fault)', () => {
    const signal = cpuSignal([90, 90, 90, 90, NaN, 90, 10]);
    expect(recoveryEnd({ ...base, signals: [signal], rule: rule() }).endMs).toBe(s + 240_000);
  });

  it('widens the band with k', () => {
    // 12 is 1.5 above the median 10.5: out of the band for k = 2 (±1.48), inside for k = 3 (±2.22)
    const signal = cpuSignal([90, 90, 90, 90, 12, 10]);
    expect(recoveryEnd({ ...base, signals: [signal], rule: rule({ k: 2 }) }).endMs).toBe(s + 280_000);
    expect(recoveryEnd({ ...base, signals: [signal], rule: rule({ k: 3 }) }).endMs).toBe(s + 240_000);
  });

  it('goes on while any signal is out of its band, read at the nearest record of its own file', () => {
    const cpu = cpuSignal([90, 90, 90, 90, 10, 10, 10]);
    const edge = cpuSignal([90, 90, 90, 90, 90, 90, 10]);
    const shifted: RecoverySignal = {
      name: 'edge',
      times: Array.from(edge.times, (t) => t + 400),
      values: edge.values,
    };
    expect(recoveryEnd({ ...base, signals: [cpu, shifted], rule: rule() }).endMs).toBe(s + 340_000);
  });

  it('leaves excluded intervals out of the baseline', () => {
    // the 3 records before the injection still show an earlier fault (90); older ones alternate 10, 11
    const signal = cpuSignal([90, 90, 90, 90, 90, 10]);
    const values = Array.from(signal.values);
    for (let i = 17; i < 20; i++) values[i] = 90;
    const lingering: RecoverySignal = { ...signal, values };
    const own = base.excluded[0];
    const earlier = { startMs: s - 3 * MIN, endMs: s };
    // excluded: baseline 10, 11, 10 (median 10, σ = 1.2533/3) → 90 out, 10 in → ends at s+310 s − 30 s
    expect(
      recoveryEnd({ ...base, excluded: [earlier, own], signals: [lingering], rule: rule({ baselineRecords: 3 }) })
        .endMs,
    ).toBe(s + 280_000);
    // not excluded: baseline 90, 90, 90 → 90 counts as normal → the minimum
    expect(
      recoveryEnd({ ...base, excluded: [own], signals: [lingering], rule: rule({ baselineRecords: 3 }) }).endMs,
    ).toBe(s + 240_000);
  });

  it('ignores a signal without any baseline value', () => {
    const signal = cpuSignal(new Array(12).fill(90));
    const everything = [{ startMs: 0, endMs: Number.MAX_SAFE_INTEGER }];
    expect(recoveryEnd({ ...base, excluded: everything, signals: [signal], rule: rule() }).endMs).toBe(s + 240_000);
  });
});

describe('faultWindows', () => {
  const times = Array.from({ length: 30 }, (_, i) => s - 5 * MIN + 10_000 + i * MIN);
  const context = {
    entityOf: (f: NezhaFault) => f.service,
    recordTimesOf: () => times,
    signalsOf: () => [] as RecoverySignal[],
  };

  it('gives each fault its window on its entity, clipped by the next injection', () => {
    const faults = [
      fault(s + 5 * MIN, 'ts-food-service-f5756978c-k8vqf', 'return'),
      fault(s),
      fault(s + 20 * MIN, 'ts-travel-service-64469b5b48-25zj6'),
    ];
    const windows = faultWindows(faults, { mode: 'fixed', minutes: 6 }, context);
    expect(windows.map((w) => [w.entity, w.startMs - s, w.endMs - s, w.reason])).toEqual([
      ['ts-food-service', 0, 5 * MIN, 'next-fault'],
      ['ts-food-service', 5 * MIN, 12 * MIN, 'fixed'],
      ['ts-travel-service', 20 * MIN, 27 * MIN, 'fixed'],
    ]);
  });

  it('with no signal evidence, recovery windows are the minimum', () => {
    const windows = faultWindows([fault(s)], { mode: 'recovery' }, context);
    expect(windows[0].endMs - s).toBe(4 * MIN);
  });

  it('checks the parameters', () => {
    expect(() => faultWindows([], { mode: 'fixed', minutes: 0 }, context)).toThrow(ParameterError);
    expect(() => faultWindows([], { mode: 'recovery', minMinutes: 5, maxMinutes: 4 }, context)).toThrow(ParameterError);
    expect(() => faultWindows([], { mode: 'recovery', k: -1 }, context)).toThrow(ParameterError);
    expect(() => faultWindows([], { mode: 'recovery', baselineRecords: 1.5 }, context)).toThrow(ParameterError);
    expect(() => faultWindows([], { mode: 'sliding' } as never, context)).toThrow(ParameterError);
  });
});

describe('labelSequences and normalMask', () => {
  const seq = (entity: string, offsetMs: number): Sequence => ({
    id: entity,
    entity,
    domain: 'd',
    features: ['x'],
    values: new Float32Array(8),
    length: 8,
    timestamps: BigInt64Array.from({ length: 8 }, (_, i) => BigInt(s + offsetMs + i * MIN)),
  });
  // records at s+9 s, s+69 s, …; window [s + 60 s, s + 4 min) holds records 1, 2, 3
  const windows = [
    {
      fault: fault(s + MIN, 'ts-food-service-f5756978c-k8vqf', 'return'),
      entity: 'ts-food-service',
      startMs: s + MIN,
      endMs: s + 4 * MIN,
      reason: 'fixed' as const,
    },
  ];

  it('labels the records of the window on its entity only', () => {
    const [food, other] = labelSequences([seq('ts-food-service', 9_000), seq('ts-order-service', 9_000)], windows);
    expect(Array.from(food.labels!)).toEqual([0, 3, 3, 3, 0, 0, 0, 0]);
    expect(food.ranges).toEqual([{ start: 1, end: 4, eventType: 'return' }]);
    expect(Array.from(other.labels!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(other.ranges).toEqual([]);
  });

  it('normalMask drops the window on every sequence', () => {
    expect(Array.from(normalMask(seq('ts-order-service', 59_500), windows))).toEqual([1, 0, 0, 0, 1, 1, 1, 1]);
  });
});
