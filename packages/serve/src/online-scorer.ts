/**
 * Online scoring with a model trained by `train --input`: each entity's records go through the model's feature
 * plan and standardisation (the same functions `score --input` uses), the last W rows stay in a ring, every
 * window of W consecutive clean records is scored by the detector (all entities of a round in one call), and the
 * window scores are smoothed and compared with the calibrated threshold as `score --input` does.
 */
import { packedWindowSet, type Sequence } from '@driftwatch/contracts';
import { applyStandardisation } from '@driftwatch/ingest';
import { applyFeaturePlan, scoreRecord } from '@driftwatch/experiments/data';
import { explainWindows, topFeatures } from '@driftwatch/models';
import { advanceAlarm, INACTIVE, type AlarmEvent, type AlarmState } from './alarm';
import type { ServeModel } from './model';

/** EWMA state: with a start level num = e, den = 1; without, pandas' adjust=True sums Σβ^i·a and Σβ^i. */
export interface Ewma {
  num: number;
  den: number;
}

export interface FeatureShare {
  name: string;
  /** the feature's part of the window's attributions (0…1) */
  share: number;
}

export interface EntityState {
  entity: string;
  domain: string;
  /** the last record's raw inputs (plan.inputs order): the predecessor of the next counter difference */
  previous?: { time: number; inputs: Float64Array };
  /** ring of the last W standardised model-feature rows (W × F) and their times; `head` is the next slot */
  rows: Float32Array;
  times: Float64Array;
  head: number;
  /** how many of the latest records are clean (no missing feature) */
  cleanRun: number;
  lastRecordAt?: number;
  ewma?: Ewma;
  score?: number;
  smoothed?: number;
  alarm: AlarmState;
  /** top features of the latest scored window while the alarm is pending or firing */
  explanation?: { at: number; features: FeatureShare[] };
  /** (scoreAt, smoothed) of the latest scored records, oldest first, for sparklines */
  history: { at: number[]; smoothed: number[] };
}

/** One record of one entity as queried: raw inputs in plan.inputs order, NaN where a feature had no sample. */
export interface InputRecord {
  time: number;
  inputs: Float64Array;
}

export interface ScoredRecord {
  entity: string;
  /** the record that ends the window */
  time: number;
  /** the record the score belongs to (calibration.scorePosition: the window's last record or its centre) */
  scoreAt: number;
  score: number;
  smoothed: number;
  /** smoothed ≥ threshold, as `score --input` flags records */
  alarm: 0 | 1;
  event?: AlarmEvent;
}

export interface OnlineScorerOptions {
  intervalMs: number;
  /** alarm `for` duration */
  forMs: number;
  /** overrides the calibrated threshold */
  threshold?: number;
  /** top features kept per explained alarm (default 3) */
  top?: number;
  /** points of history kept per entity (default 120) */
  historyLength?: number;
}

/** One EWMA step: with a start level e ← β·e + (1−β)·a, else num ← a + β·num, den ← 1 + β·den (e = num/den). */
export function ewmaStep(state: Ewma | undefined, score: number, beta: number, start: number | undefined): Ewma {
  if (start !== undefined) {
    const e = state ? state.num : start;
    return { num: beta * e + (1 - beta) * score, den: 1 };
  }
  return state ? { num: score + beta * state.num, den: 1 + beta * state.den } : { num: score, den: 1 };
}

export class OnlineScorer {
  readonly states = new Map<string, EntityState>();
  readonly threshold: number;
  readonly windowLength: number;
  readonly featureCount: number;
  private readonly top: number;
  private readonly historyLength: number;

  constructor(
    readonly model: ServeModel,
    readonly options: OnlineScorerOptions,
  ) {
    this.threshold = options.threshold ?? model.calibration.threshold;
    this.windowLength = model.detector.windowLength;
    this.featureCount = model.plan.features.length;
    this.top = options.top ?? 3;
    this.historyLength = options.historyLength ?? 120;
  }

  /** Records from a window's last record to the one its score belongs to (0, or −⌊W/2⌋ for 'centre'). */
  get scoreOffset(): number {
    const W = this.windowLength;
    return scoreRecord(W - 1, W, this.model.calibration.scorePosition) - (W - 1);
  }

  /** A gap longer than this between scored records restarts the smoothing and ends a pending alarm. */
  get maxGapMs(): number {
    return this.windowLength * this.options.intervalMs;
  }

  stateOf(entity: string, domain: string): EntityState {
    let state = this.states.get(entity);
    if (!state) {
      const W = this.windowLength;
      state = {
        entity,
        domain,
        rows: new Float32Array(W * this.featureCount),
        times: new Float64Array(W),
        head: 0,
        cleanRun: 0,
        alarm: INACTIVE,
        history: { at: [], smoothed: [] },
      };
      this.states.set(entity, state);
    }
    return state;
  }

  /** The model-feature row of one record, standardised: applyFeaturePlan over [predecessor, record]. */
  private transform(state: EntityState, record: InputRecord): Float32Array {
    const { plan, standardisation } = this.model;
    const I = plan.inputs.length;
    const values = new Float32Array(2 * I);
    const prev = state.previous;
    const consecutive = prev !== undefined && record.time - prev.time === this.options.intervalMs;
    for (let j = 0; j < I; j++) {
      values[I + j] = record.inputs[j];
      // no predecessor on the grid → its difference is missing, as a counter's first record in `score --input`
      values[j] = consecutive ? prev.inputs[j] : NaN;
    }
    const seq: Sequence = {
      id: state.entity,
      entity: state.entity,
      domain: state.domain,
      features: plan.inputs,
      values,
      length: 2,
    };
    const scaled = applyStandardisation(applyFeaturePlan(seq, plan), standardisation);
    return scaled.values.subarray(this.featureCount, 2 * this.featureCount) as Float32Array;
  }

  /** Adds one record to the ring; returns the window (W × F, oldest first) when the last W records are clean. */
  private pushRecord(state: EntityState, record: InputRecord): Float32Array | undefined {
    const W = this.windowLength;
    const F = this.featureCount;
    const row = this.transform(state, record);
    const onGrid = state.lastRecordAt !== undefined && record.time - state.lastRecordAt === this.options.intervalMs;
    state.rows.set(row, state.head * F);
    state.times[state.head] = record.time;
    state.head = (state.head + 1) % W;
    const clean = row.every((x) => !Number.isNaN(x));
    state.cleanRun = clean ? (onGrid ? state.cleanRun + 1 : 1) : 0;
    state.previous = { time: record.time, inputs: Float64Array.from(record.inputs) };
    state.lastRecordAt = record.time;
    return state.cleanRun >= W ? this.latestWindow(state) : undefined;
  }

  /** The last W rows in time order. */
  latestWindow(state: EntityState): Float32Array {
    const W = this.windowLength;
    const F = this.featureCount;
    const out = new Float32Array(W * F);
    for (let k = 0; k < W; k++)
      out.set(state.rows.subarray(((state.head + k) % W) * F, (((state.head + k) % W) + 1) * F), k * F);
    return out;
  }

  /**
   * Scores the records of a round (per entity, in time order, times on the interval grid): every window completed
   * is scored in one detector call, then smoothed and run through the alarm state machine in time order.
   */
  async push(batch: ReadonlyMap<string, { domain: string; records: readonly InputRecord[] }>): Promise<ScoredRecord[]> {
    const W = this.windowLength;
    const F = this.featureCount;
    const windows: { state: EntityState; time: number; scoreAt: number }[] = [];
    const chunks: Float32Array[] = [];
    for (const [entity, { domain, records }] of batch) {
      const state = this.stateOf(entity, domain);
      for (const record of records) {
        if (state.lastRecordAt !== undefined && record.time <= state.lastRecordAt) continue;
        const window = this.pushRecord(state, record);
        if (!window) continue;
        windows.push({ state, time: record.time, scoreAt: record.time + this.scoreOffset * this.options.intervalMs });
        chunks.push(window);
      }
    }
    if (windows.length === 0) return [];
    const values = new Float32Array(windows.length * W * F);
    chunks.forEach((c, i) => values.set(c, i * W * F));
    const domains = [...new Set(windows.map((w) => w.state.domain))];
    const domainIndex = windows.map((w) => domains.indexOf(w.state.domain));
    const scores = await this.model.detector.scoreWindows(packedWindowSet(values, W, F, domainIndex, domains));
    const { smoothing: beta, smoothingStart } = this.model.calibration;
    return windows.map(({ state, time, scoreAt }, i) => {
      const score = scores[i];
      const alarmBefore = state.alarm;
      if (alarmBefore.lastScoreAt !== undefined && scoreAt - alarmBefore.lastScoreAt > this.maxGapMs)
        state.ewma = undefined;
      state.ewma = ewmaStep(state.ewma, score, beta, smoothingStart);
      const smoothed = state.ewma.num / state.ewma.den;
      const next = advanceAlarm(state.alarm, scoreAt, smoothed, this.threshold, this.options.forMs, this.maxGapMs);
      state.alarm = next.state;
      state.score = score;
      state.smoothed = smoothed;
      if (next.state.status === 'inactive') state.explanation = undefined;
      this.remember(state, scoreAt, smoothed);
      const out: ScoredRecord = {
        entity: state.entity,
        time,
        scoreAt,
        score,
        smoothed,
        alarm: smoothed >= this.threshold ? 1 : 0,
      };
      if (next.event) out.event = next.event;
      return out;
    });
  }

  private remember(state: EntityState, at: number, smoothed: number): void {
    const h = state.history;
    h.at.push(at);
    h.smoothed.push(smoothed);
    if (h.at.length > this.historyLength) {
      h.at.splice(0, h.at.length - this.historyLength);
      h.smoothed.splice(0, h.smoothed.length - this.historyLength);
    }
  }

  /**
   * Top features of the latest window of each entity given (entities whose last W records are clean), from the
   * detector's attributions (`explainWindows`): each feature's share of the window's total attribution.
   */
  async explain(entities: readonly string[], at: number): Promise<void> {
    const W = this.windowLength;
    const F = this.featureCount;
    const states = entities.map((e) => this.states.get(e)).filter((s): s is EntityState => !!s && s.cleanRun >= W);
    if (states.length === 0) return;
    const values = new Float32Array(states.length * W * F);
    states.forEach((s, i) => values.set(this.latestWindow(s), i * W * F));
    const domains = [...new Set(states.map((s) => s.domain))];
    const set = packedWindowSet(
      values,
      W,
      F,
      states.map((s) => domains.indexOf(s.domain)),
      domains,
    );
    const { attributions } = await explainWindows(this.model.detector, set);
    states.forEach((state, i) => {
      const row = attributions.subarray(i * F, (i + 1) * F);
      const total = row.reduce((a, b) => a + b, 0);
      state.explanation = {
        at,
        features: topFeatures(attributions, F, i, this.top).map((j) => ({
          name: this.model.plan.features[j],
          share: total > 0 ? row[j] / total : 0,
        })),
      };
    });
  }
}
