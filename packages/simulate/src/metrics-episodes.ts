/**
 * Example service metrics with injected anomaly episodes: what a team's own monitoring exports, small enough to
 * train on in seconds, with exact ground truth. Each entity (a server) has its own level and scale (its domain);
 * ten correlated metrics follow one daily load curve with slow noise; the first `trainingDays` are clean, and the
 * rest carry episodes in which ONE metric departs from the others (a spike, a level shift or a drift, 10–60 minutes,
 * a few of the metric's standard deviations), so a detector must both find the episode and name the metric.
 */
import { streamNormal, streamUniform, uniformInteger } from './random';

/** One metric of the catalogue: its name, unit and whether it is a counter (only increases). */
export interface ExampleMetric {
  name: string;
  what: string;
  counter: boolean;
}

/** The catalogue, in the order `metrics: n` takes them. */
export const EXAMPLE_METRICS: readonly ExampleMetric[] = [
  { name: 'cpu_percent', what: 'CPU utilisation, %', counter: false },
  { name: 'memory_percent', what: 'memory in use, %', counter: false },
  { name: 'request_rate', what: 'requests per second', counter: false },
  { name: 'latency_ms', what: '95th-percentile request latency, ms', counter: false },
  { name: 'error_rate', what: 'failed requests per second', counter: false },
  { name: 'disk_io_mbps', what: 'disk reads and writes, MB/s', counter: false },
  { name: 'network_in_mbps', what: 'network received, Mbit/s', counter: false },
  { name: 'network_out_mbps', what: 'network sent, Mbit/s', counter: false },
  { name: 'requests_total', what: 'requests served since start (a counter)', counter: true },
  { name: 'open_connections', what: 'open client connections', counter: false },
];

export const EPISODE_TYPES = ['spike', 'level-shift', 'drift'] as const;
export type EpisodeType = (typeof EPISODE_TYPES)[number];

export interface ExampleMetricsOptions {
  /** entities (servers), default 5 */
  entities?: number;
  /** metrics per entity, the first n of EXAMPLE_METRICS, default 10 */
  metrics?: number;
  /** days of data, default 2 */
  days?: number;
  /** leading days without episodes (the training period), default 1 */
  trainingDays?: number;
  /** injected episodes per entity and day after the training period, default 3 */
  episodesPerDay?: number;
  /** ms between records, default 60,000 (one minute) */
  stepMs?: number;
  /** the first record's time, ms since the epoch (default 2026-01-05T00:00:00Z, a Monday) */
  startMs?: number;
}

/** An injected episode: records `first`..`last` (inclusive) of `entity`, where only `metric` departs. */
export interface InjectedEpisode {
  entity: string;
  metric: string;
  type: EpisodeType;
  first: number;
  last: number;
  /** the largest departure, in standard deviations of the metric over the entity's training period */
  sigmas: number;
}

export interface ExampleMetrics {
  seed: number;
  options: Required<ExampleMetricsOptions>;
  entities: string[];
  metrics: string[];
  /** the metrics that are counters */
  counters: string[];
  /** records per entity */
  steps: number;
  /** records of the training period (no episodes) */
  trainingSteps: number;
  /** ms since the epoch of record t: startMs + t · stepMs */
  times: Float64Array;
  /** per entity, steps × metrics row-major */
  values: Float64Array[];
  episodes: InjectedEpisode[];
}

/** Random streams of the generator, apart from the cluster simulator's (STREAMS) so that neither moves the other. */
const EXAMPLE_STREAMS = { domains: 101, load: 102, noise: 103, episodes: 104 } as const;

const DAY_MS = 86_400_000;
const DEFAULTS: Required<ExampleMetricsOptions> = {
  entities: 5,
  metrics: 10,
  days: 2,
  trainingDays: 1,
  episodesPerDay: 3,
  stepMs: 60_000,
  startMs: Date.UTC(2026, 0, 5),
};
/** Episode length in minutes and size in standard deviations: long enough to see, short of a regime change. */
const EPISODE_MINUTES: [number, number] = [10, 60];
const EPISODE_SIGMAS: [number, number] = [4, 6];

/** What makes one server unlike another: its load, capacity and payloads (the domain). */
interface Domain {
  baseRate: number;
  dailyAmplitude: number;
  peakHour: number;
  idleCpu: number;
  /** CPU utilisation at the daily peak, % */
  peakCpu: number;
  memoryBase: number;
  memoryPerLoad: number;
  baseLatency: number;
  errorFraction: number;
  diskBase: number;
  diskPerRequest: number;
  requestKb: number;
  responseKb: number;
  connectionPool: number;
  counterStart: number;
}

function checkOptions(options: ExampleMetricsOptions): Required<ExampleMetricsOptions> {
  const o = { ...DEFAULTS, ...options };
  const integer = (name: keyof ExampleMetricsOptions, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = o[name];
    if (!Number.isInteger(v) || v < min || v > max)
      throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  integer('entities', 1, 1000);
  integer('metrics', 1, EXAMPLE_METRICS.length);
  integer('days', 1, 366);
  integer('trainingDays', 0, o.days);
  integer('episodesPerDay', 0, 12);
  integer('stepMs', 1000, 3_600_000);
  if (!Number.isFinite(o.startMs)) throw new RangeError(`startMs must be a finite time, got ${o.startMs}`);
  // an episode of up to 60 minutes plus its margins must fit in its share of the day
  if (o.episodesPerDay > 0 && DAY_MS / o.episodesPerDay < 2 * EPISODE_MINUTES[1] * 60_000)
    throw new RangeError(`episodesPerDay ${o.episodesPerDay} leaves no room for ${EPISODE_MINUTES[1]}-minute episodes`);
  if (o.episodesPerDay > 0 && EPISODE_MINUTES[0] * 60_000 < o.stepMs)
    throw new RangeError(`stepMs ${o.stepMs} is longer than the shortest episode (${EPISODE_MINUTES[0]} minutes)`);
  return o;
}

/** A log-uniform draw in [lo, hi]: scales (request rates, payloads) vary by factors, not by amounts. */
function logUniform(uniform: () => number, lo: number, hi: number): number {
  return lo * Math.exp(uniform() * Math.log(hi / lo));
}

function drawDomain(uniform: () => number): Domain {
  const between = (lo: number, hi: number) => lo + uniform() * (hi - lo);
  return {
    baseRate: logUniform(uniform, 40, 400),
    dailyAmplitude: between(0.3, 0.6),
    peakHour: between(11, 17),
    idleCpu: between(3, 10),
    peakCpu: between(40, 80),
    memoryBase: between(30, 55),
    memoryPerLoad: between(5, 15),
    baseLatency: between(20, 80),
    errorFraction: logUniform(uniform, 0.001, 0.01),
    diskBase: between(1, 5),
    diskPerRequest: between(0.01, 0.05),
    requestKb: logUniform(uniform, 1, 8),
    responseKb: logUniform(uniform, 4, 64),
    connectionPool: between(5, 20),
    counterStart: Math.floor(uniform() * 1e9),
  };
}

/** Daily load factor: 1 + a·cos(2π(hour − peak)/24), highest at the peak hour. */
function dailyLoad(hour: number, amplitude: number, peakHour: number): number {
  return 1 + amplitude * Math.cos((2 * Math.PI * (hour - peakHour)) / 24);
}

/** Rounds to `digits` decimals: monitoring systems export a few significant digits, and files stay short. */
function rounded(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Measurement noise per catalogue metric, as a fraction of the metric at the server's mean load: additive, the
 * same size all day (the counter's noise is its own Poisson count; memory adds a slow wander).
 */
const NOISE = [0.02, 0.01, 0.02, 0.03, 0.1, 0.04, 0.02, 0.02, 0, 0.05];

/** The noiseless metrics of a server at request rate `rate` (req/s), in catalogue order; the counter is 0. */
function metricsAt(d: Domain, rate: number): number[] {
  const peakRate = d.baseRate * (1 + d.dailyAmplitude);
  const utilisation = Math.min(0.97, (d.idleCpu + ((d.peakCpu - d.idleCpu) * rate) / peakRate) / 100);
  const latency = d.baseLatency * (1 + 2 * utilisation ** 2);
  return [
    100 * utilisation,
    d.memoryBase + (d.memoryPerLoad * rate) / peakRate,
    rate,
    latency,
    d.errorFraction * rate,
    d.diskBase + d.diskPerRequest * rate,
    (rate * d.requestKb * 8) / 1000,
    (rate * d.responseKb * 8) / 1000,
    0,
    // Little's law: connections in flight = rate × latency, plus an idle pool
    d.connectionPool + (rate * latency) / 1000,
  ];
}

/** Decimals each catalogue metric is exported with. */
const DECIMALS = [2, 2, 2, 2, 4, 3, 3, 3, 0, 0];

/**
 * One entity's clean metrics (steps × all catalogue metrics). Load follows the daily curve times a slow AR(1)
 * factor that every metric shares — that shared factor is what ties the metrics together — and each metric adds
 * its own measurement noise.
 */
function cleanSeries(d: Domain, times: Float64Array, load: () => number, noise: () => number): Float64Array {
  const M = EXAMPLE_METRICS.length;
  const out = new Float64Array(times.length * M);
  const noiseSd = metricsAt(d, d.baseRate).map((level, m) => NOISE[m] * level);
  const stepSeconds = (times.length > 1 ? times[1] - times[0] : 60_000) / 1000;
  let slow = 0;
  let memoryWander = 0;
  let counter = d.counterStart;
  for (let t = 0; t < times.length; t++) {
    const hour = (times[t] % DAY_MS) / 3_600_000;
    // AR(1): slow_t = 0.98·slow_{t−1} + 0.02·ε, stationary sd 0.02/√(1 − 0.98²) ≈ 0.1
    slow = 0.98 * slow + 0.02 * load();
    // memory's own slow wander (caches, heaps): sd 0.05/√(1 − 0.995²) ≈ 0.5 percentage points
    memoryWander = 0.995 * memoryWander + 0.05 * noise();
    const rate = d.baseRate * dailyLoad(hour, d.dailyAmplitude, d.peakHour) * Math.exp(slow);
    const clean = metricsAt(d, rate);
    clean[1] += memoryWander;
    // requests served in the step: Poisson(rate·Δt) ≈ normal, never negative, so the counter only increases
    const served = rate * stepSeconds;
    counter += Math.max(0, Math.round(served + Math.sqrt(served) * noise()));
    clean[8] = counter;
    for (let m = 0; m < M; m++) {
      const value = m === 8 ? clean[m] : Math.max(0, clean[m] + noiseSd[m] * noise());
      out[t * M + m] = rounded(value, DECIMALS[m]);
    }
  }
  return out;
}

/** sd of column m of a row-major table over rows [0, rows). */
function columnSd(values: Float64Array, width: number, m: number, rows: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let t = 0; t < rows; t++) {
    const v = values[t * width + m];
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / rows;
  return Math.sqrt(Math.max(0, sumSq / rows - mean * mean));
}

/** The episode's departure at offset k of n records: a half-sine bump, a plateau, or a ramp to the full size. */
function departure(type: EpisodeType, k: number, n: number): number {
  if (type === 'spike') return Math.sin((Math.PI * (k + 0.5)) / n);
  if (type === 'level-shift') return 1;
  return (k + 1) / n;
}

/**
 * Episodes of one entity: `perDay` per day after the training period, one in each equal share of the day, placed
 * at random inside it with a margin of one maximal episode before and after, so episodes never touch.
 */
function drawEpisodes(
  entity: string,
  metrics: readonly string[],
  o: Required<ExampleMetricsOptions>,
  uniform: () => number,
): InjectedEpisode[] {
  const perDay = Math.round(DAY_MS / o.stepMs);
  const targets = metrics.filter((m) => !EXAMPLE_METRICS.find((e) => e.name === m)!.counter);
  const out: InjectedEpisode[] = [];
  const slot = Math.floor(perDay / Math.max(1, o.episodesPerDay));
  const margin = Math.ceil((EPISODE_MINUTES[1] * 60_000) / o.stepMs / 2);
  for (let day = o.trainingDays; day < o.days; day++) {
    for (let e = 0; e < o.episodesPerDay; e++) {
      const minutes = uniformInteger(uniform, EPISODE_MINUTES[0], EPISODE_MINUTES[1]);
      const length = Math.max(1, Math.round((minutes * 60_000) / o.stepMs));
      const from = day * perDay + e * slot + margin;
      const first = uniformInteger(uniform, from, from + slot - 2 * margin - length);
      out.push({
        entity,
        metric: targets[uniformInteger(uniform, 0, targets.length - 1)],
        type: EPISODE_TYPES[uniformInteger(uniform, 0, EPISODE_TYPES.length - 1)],
        first,
        last: first + length - 1,
        sigmas: rounded(EPISODE_SIGMAS[0] + uniform() * (EPISODE_SIGMAS[1] - EPISODE_SIGMAS[0]), 2),
      });
    }
  }
  return out;
}

/**
 * Generates the example: the same options and seed give the same numbers on every platform (seeded streams,
 * no clock, no Math.random). Metrics named in an episode move by `sigmas` × their training-period sd, upwards,
 * and are clamped where the quantity has a bound (utilisation ≤ 100%).
 */
export function generateExampleMetrics(options: ExampleMetricsOptions = {}, seed = 0): ExampleMetrics {
  const o = checkOptions(options);
  const perDay = Math.round(DAY_MS / o.stepMs);
  const steps = o.days * perDay;
  const trainingSteps = o.trainingDays * perDay;
  const catalogue = EXAMPLE_METRICS.slice(0, o.metrics);
  const metrics = catalogue.map((m) => m.name);
  const width = EXAMPLE_METRICS.length;
  const times = new Float64Array(steps);
  for (let t = 0; t < steps; t++) times[t] = o.startMs + t * o.stepMs;
  const digits = String(o.entities).length;
  const entities = Array.from({ length: o.entities }, (_, i) => `server-${String(i + 1).padStart(digits, '0')}`);
  const domainDraw = streamUniform(seed, EXAMPLE_STREAMS.domains);
  const loadDraw = streamNormal(seed, EXAMPLE_STREAMS.load);
  const noiseDraw = streamNormal(seed, EXAMPLE_STREAMS.noise);
  const episodeDraw = streamUniform(seed, EXAMPLE_STREAMS.episodes);
  const values: Float64Array[] = [];
  const episodes: InjectedEpisode[] = [];
  for (const entity of entities) {
    const all = cleanSeries(drawDomain(domainDraw), times, loadDraw, noiseDraw);
    const own = drawEpisodes(entity, metrics, o, episodeDraw);
    // σ over the training period, or the whole series when there is none
    const sdRows = trainingSteps > 1 ? trainingSteps : steps;
    for (const ep of own) {
      const m = metrics.indexOf(ep.metric);
      const size = ep.sigmas * columnSd(all, width, m, sdRows);
      const n = ep.last - ep.first + 1;
      const upper = ep.metric === 'cpu_percent' || ep.metric === 'memory_percent' ? 100 : Infinity;
      const digitsOf = DECIMALS[EXAMPLE_METRICS.findIndex((c) => c.name === ep.metric)];
      for (let k = 0; k < n; k++) {
        const i = (ep.first + k) * width + m;
        all[i] = rounded(Math.min(upper, all[i] + size * departure(ep.type, k, n)), digitsOf);
      }
    }
    episodes.push(...own);
    // keep the first `metrics` columns
    const kept = new Float64Array(steps * o.metrics);
    for (let t = 0; t < steps; t++) kept.set(all.subarray(t * width, t * width + o.metrics), t * o.metrics);
    values.push(kept);
  }
  return {
    seed,
    options: o,
    entities,
    metrics,
    counters: catalogue.filter((m) => m.counter).map((m) => m.name),
    steps,
    trainingSteps,
    times,
    values,
    episodes,
  };
}
