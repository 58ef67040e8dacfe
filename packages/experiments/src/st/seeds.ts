/**
 * Seeds per experiment cell (docs/spatiotemporal.md §4): a cell (experiment, data set, method, varied value) runs
 * once per model seed, and its results lines are summarised as mean and spread over the seeds. The data (simulated
 * cluster, periods) stay those of the benchmark's one data seed: only the models' initialisation and batch order vary.
 */
import { ParameterError, type ResultRecord } from '@driftwatch/contracts';
import { stRunKey, type StMethod, type StRun } from './experiments';

/** Seeds per cell when --seeds is not given: 3 for st-dda (its results move with the initialisation), 1 otherwise. */
export const DEFAULT_ST_SEED_COUNT = 3;

/** The model seeds of a method: first … first + count − 1, count = `count` or the method's default. */
export function modelSeeds(method: StMethod, first: number, count?: number): number[] {
  const n = count ?? (method === 'st-dda' ? DEFAULT_ST_SEED_COUNT : 1);
  if (!(Number.isInteger(n) && n >= 1)) throw new ParameterError(`seeds per cell must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(first)) throw new ParameterError(`the first seed must be an integer, got ${first}`);
  return Array.from({ length: n }, (_, k) => first + k);
}

/** Each run once per model seed of its method, seeds innermost (a cell's seeds stay together in a shard's order). */
export function withModelSeeds(runs: readonly StRun[], seedsOf: (method: StMethod) => readonly number[]): StRun[] {
  return runs.flatMap((run) => seedsOf(run.method).map((seed) => ({ ...run, seed })));
}

/** A summary statistic over the seeds of one cell. */
export interface SeedSpread {
  mean: number;
  /** sample standard deviation (n − 1); 0 for one seed */
  sd: number;
  min: number;
  max: number;
}

/** The lines of one cell (one results-line method) over its seeds. */
export interface CellSummary {
  experiment: string;
  dataset: string;
  /** the results line's method ('st-dda-latent', 'st-dda-forecast', 'gbdt', …) */
  method: string;
  variedParam: string | null;
  variedValue: number | null;
  seeds: number[];
  metrics: Record<string, SeedSpread>;
}

/** The metrics summarised per cell. */
export const SUMMARISED_METRICS = ['f1', 'precision', 'recall', 'peakF1', 'vusPr', 'tsbAdVusPr'] as const;

/** mean = Σx/n, sd = √(Σ(x − mean)²/(n − 1)) (0 for n = 1), min and max; NaN values are left out */
export function spreadOf(values: readonly number[]): SeedSpread {
  const x = values.filter((v) => !Number.isNaN(v));
  if (x.length === 0) return { mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const sd = x.length > 1 ? Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1)) : 0;
  return { mean, sd, min: Math.min(...x), max: Math.max(...x) };
}

/** Results lines grouped by cell and line method, in first-seen order, with each metric's spread over the seeds. */
export function summariseSeeds(rows: readonly ResultRecord[]): CellSummary[] {
  const cells = new Map<string, ResultRecord[]>();
  for (const r of rows) {
    const varied = r.variedParam ? { param: String(r.variedParam), value: Number(r.variedValue) } : null;
    const key = `${stRunKey({ experiment: String(r.experiment), dataset: r.dataset, method: r.method, varied })}|${
      r.method
    }`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  return [...cells.values()].map((lines) => {
    const first = lines[0];
    return {
      experiment: String(first.experiment),
      dataset: first.dataset,
      method: first.method,
      variedParam: first.variedParam ? String(first.variedParam) : null,
      variedValue: first.variedParam ? Number(first.variedValue) : null,
      seeds: lines.map((l) => Number(l.seed)),
      metrics: Object.fromEntries(
        SUMMARISED_METRICS.map((m) => [m, spreadOf(lines.map((l) => (typeof l[m] === 'number' ? l[m] : NaN)))]),
      ),
    };
  });
}
