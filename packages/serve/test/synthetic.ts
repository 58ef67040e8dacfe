/**
 * Synthetic node metrics on a 15 s grid: cpu (a daily-ish wave per entity plus noise), load (follows cpu), mem
 * (noise around a level) and http_requests_total (a counter whose rate follows cpu); an optional CPU shift
 * makes an anomaly. Written as a Prometheus range-query answer for `train --input` and `score --input`, and as
 * fake-Prometheus series for the online path.
 */
import { mulberry32, normalSampler } from '@driftwatch/contracts';
import type { FakePrometheus, FakeSeries } from './fake-prometheus';

export const INTERVAL_MS = 15_000;
/** on the 15 s grid */
export const T0 = 113_333_334 * INTERVAL_MS;
export const FEATURES = ['cpu', 'http_requests_total', 'load', 'mem'];

export interface Shift {
  entity: string;
  from: number;
  to: number;
  /** added to cpu */
  by: number;
}

export interface SyntheticData {
  /** per feature, one series per entity */
  series: Record<string, FakeSeries[]>;
}

/** `records` records per entity starting at `start` (ms), seeded; `counterReset` zeroes the counter there. */
export function syntheticMetrics(
  entities: readonly string[],
  records: number,
  seed: number,
  options: { start?: number; shifts?: Shift[]; counterResetAt?: { entity: string; record: number } } = {},
): SyntheticData {
  const start = options.start ?? T0;
  const series: Record<string, FakeSeries[]> = Object.fromEntries(FEATURES.map((f) => [f, []]));
  entities.forEach((entity, e) => {
    const normal = normalSampler(mulberry32(seed * 1000 + e));
    const cols: Record<string, number[]> = Object.fromEntries(FEATURES.map((f) => [f, []]));
    let requests = 1000 * (e + 1);
    for (let t = 0; t < records; t++) {
      const shift = (options.shifts ?? [])
        .filter((s) => s.entity === entity && t >= s.from && t < s.to)
        .reduce((a, s) => a + s.by, 0);
      const cpu = 0.4 + 0.15 * Math.sin(t / 25 + e) + 0.03 * normal() + shift;
      if (options.counterResetAt?.entity === entity && options.counterResetAt.record === t) requests = 0;
      requests += Math.max(0, 20 + 30 * (cpu - shift) + 2 * normal());
      cols.cpu.push(round(cpu));
      cols.load.push(round(2 * (cpu - shift) + 0.1 * normal() + 1));
      cols.mem.push(round(0.6 + 0.02 * normal()));
      cols.http_requests_total.push(round(requests));
    }
    const times = Array.from({ length: records }, (_, t) => start + t * INTERVAL_MS);
    for (const f of FEATURES) series[f].push({ labels: { __name__: f, instance: entity }, times, values: cols[f] });
  });
  return { series };
}

/** 6 significant digits: what a text exposition would carry, and exact through JSON. */
const round = (x: number) => Number(x.toPrecision(6));

/** The data as one Prometheus range-query answer (every feature's series). */
export function prometheusMatrix(data: SyntheticData): string {
  const result = Object.values(data.series)
    .flat()
    .map((s) => ({ metric: s.labels, values: s.times.map((t, i) => [t / 1000, String(s.values[i])]) }));
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

/** Serves each feature under the query text `feature` (the config maps feature → feature). */
export function serveData(prom: FakePrometheus, data: SyntheticData): void {
  for (const [feature, list] of Object.entries(data.series)) prom.series.set(feature, list);
}
