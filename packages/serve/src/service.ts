/**
 * One serve instance: every interval it queries the model's features from Prometheus (a range query from the
 * last record it has up to now, so the first round fills the first window and a round after an outage or a
 * restart catches up), scores the entities of its shard, runs their alarms, explains the firing ones, publishes
 * the metrics and writes its checkpoint.
 */
import { DriftwatchError } from '@driftwatch/contracts';
import { SINGLE_DOMAIN } from '@driftwatch/experiments/data';
import type { AlarmEvent } from './alarm';
import { readCheckpoint, writeCheckpoint, type CheckpointIdentity } from './checkpoint';
import type { ServeConfig } from './config';
import { serveMetrics, type ServeMetrics } from './metrics';
import { warmupRecords, type ServeModel } from './model';
import { OnlineScorer, type InputRecord, type ScoredRecord } from './online-scorer';
import { PrometheusClient, PrometheusError, type PromSeries } from './prometheus-client';
import { ALL_ENTITIES, inShard, type Shard } from './shard';

export interface ServeOptions {
  model: ServeModel;
  config: ServeConfig;
  prometheus: string;
  shard?: Shard;
  /** checkpoint file; none = no restart safety */
  statePath?: string;
  threshold?: number;
  top?: number;
  /** ms since the epoch (tests drive time by hand) */
  clock?: () => number;
  retries?: number;
  backoffMs?: number;
  log?: (line: string) => void;
}

export interface RoundResult {
  /** evaluation time of the newest record asked for */
  tick: number;
  ok: boolean;
  error?: string;
  scored: ScoredRecord[];
  events: (AlarmEvent & { entity: string })[];
}

export interface AlertView {
  entity: string;
  status: 'pending' | 'firing';
  activeAt: string;
  firedAt?: string;
  score: number;
  threshold: number;
  topFeatures: { name: string; share: number }[];
  explainedAt?: string;
}

/** The feature queries do not fit the model (no series, no entity label): no round can succeed. */
export class QueryCheckError extends DriftwatchError {}

/** An evaluation time on the interval grid: ⌊t / interval⌋ · interval. */
export const gridTime = (t: number, intervalMs: number): number => Math.floor(t / intervalMs) * intervalMs;

export class ServeLoop {
  readonly metrics: ServeMetrics;
  readonly scorer: OnlineScorer;
  readonly client: PrometheusClient;
  readonly shard: Shard;
  lastTick?: number;
  up = false;
  lastRoundAt?: number;
  /** the latest alarm events, newest last */
  readonly events: (AlarmEvent & { entity: string })[] = [];
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private timer?: NodeJS.Timeout;
  private running?: Promise<RoundResult>;
  private stopped = false;
  private queriesChecked = false;
  private readonly warnedDuplicates = new Set<string>();

  constructor(readonly options: ServeOptions) {
    const { config, model } = options;
    this.shard = options.shard ?? ALL_ENTITIES;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.metrics = serveMetrics();
    this.scorer = new OnlineScorer(model, {
      intervalMs: config.intervalMs,
      forMs: config.forMs,
      threshold: options.threshold,
      top: options.top,
    });
    this.client = new PrometheusClient(options.prometheus, {
      timeoutMs: config.timeoutMs,
      lookbackMs: config.lookbackMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      onError: (feature) => this.metrics.queryErrors.inc({ feature }),
    });
    for (const feature of this.queriedFeatures()) this.metrics.queryErrors.inc({ feature }, 0);
    this.metrics.up.set(0);
  }

  get identity(): CheckpointIdentity {
    const m = this.options.model.manifest;
    return {
      model: `${m.detector}@${m.createdAt}`,
      intervalMs: this.options.config.intervalMs,
      shard: `${this.shard.index}/${this.shard.count}`,
    };
  }

  /** The model inputs with a query, in plan order. */
  queriedFeatures(): string[] {
    return this.options.model.plan.inputs.filter((name) => name in this.options.config.features);
  }

  /** Restores the checkpoint, if any: the alarms that were firing are firing again, without a new event. */
  async resume(): Promise<number> {
    if (!this.options.statePath) return 0;
    const checkpoint = await readCheckpoint(this.options.statePath, this.identity);
    if (!checkpoint) return 0;
    this.lastTick = checkpoint.lastTick;
    for (const state of checkpoint.entities) this.scorer.states.set(state.entity, state);
    this.publish();
    return checkpoint.entities.length;
  }

  /**
   * Start-up check of every feature query: it must return at least one series, each with the entity label (and
   * the domain label when the model needs one). Throws one error listing every problem; answers 'unreachable'
   * when Prometheus does not answer (the rounds retry).
   */
  async checkQueries(): Promise<'ok' | 'unreachable'> {
    const { config } = this.options;
    const problems: string[] = [];
    for (const feature of this.queriedFeatures()) {
      const query = config.features[feature];
      let series: PromSeries[];
      try {
        series = await this.client.query(query, this.clock(), feature);
      } catch (error) {
        if (error instanceof PrometheusError && error.retryable) return 'unreachable';
        problems.push(`feature ${feature}: ${(error as Error).message}`);
        continue;
      }
      if (series.length === 0) {
        problems.push(
          `feature ${feature}: the query ${query} returned no series — Prometheus has no such metric ` +
            '(or no sample in the lookback); check the metric name and that its target is scraped',
        );
        continue;
      }
      const unlabelled = series.find((s) => s.labels[config.entityLabel] === undefined);
      if (unlabelled)
        problems.push(
          `feature ${feature}: the query ${query} returns series without the entity label ${config.entityLabel} ` +
            `(labels: ${JSON.stringify(unlabelled.labels)}); keep it, e.g. sum by (${config.entityLabel}) (…)`,
        );
      if (config.domainLabel && series.some((s) => s.labels[config.domainLabel!] === undefined))
        problems.push(`feature ${feature}: the query ${query} returns series without the label ${config.domainLabel}`);
    }
    if (problems.length > 0)
      throw new QueryCheckError(`the feature queries do not fit the model:\n  ${problems.join('\n  ')}`);
    this.queriesChecked = true;
    return 'ok';
  }

  private domainOf(entity: string, labels: Record<string, string>): string {
    const { domain } = this.options.model.plan;
    if (domain === 'entity') return entity;
    if (domain === 'none') return SINGLE_DOMAIN;
    return labels[this.options.config.domainLabel!] ?? entity;
  }

  /** One round at the current time: query, score, alarm, explain, publish, checkpoint. Never throws for Prometheus. */
  async round(): Promise<RoundResult> {
    const { config, model } = this.options;
    const iv = config.intervalMs;
    const tick = gridTime(this.clock(), iv);
    if (this.lastTick !== undefined && tick <= this.lastTick) return { tick, ok: true, scored: [], events: [] };
    // queries unchecked at start-up (Prometheus did not answer) are checked by the first round that gets an answer
    if (!this.queriesChecked && (await this.checkQueries()) === 'unreachable')
      return this.failed(tick, new DriftwatchError(`${this.client.url} does not answer`));
    const warmup = warmupRecords(model);
    const catchUp = Math.max(warmup, Math.floor(config.catchUpMs / iv));
    const first =
      this.lastTick === undefined ? tick - (warmup - 1) * iv : Math.max(this.lastTick + iv, tick - (catchUp - 1) * iv);
    const features = this.queriedFeatures();
    // every query settles before the round ends, so no request of a failed round is still in flight
    const settled = await Promise.allSettled(
      features.map((f) => this.client.queryRange(config.features[f], first, tick, iv, f)),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) return this.failed(tick, failed.reason as Error);
    const answers = settled.map((s) => (s as PromiseFulfilledResult<PromSeries[]>).value);
    const batch = this.recordsOf(features, answers, first, tick);
    const scored = await this.scorer.push(batch);
    const events = scored.filter((r) => r.event).map((r) => ({ ...r.event!, entity: r.entity }));
    for (const e of events) {
      this.events.push(e);
      this.log(`${e.entity}: alarm ${e.kind} at ${new Date(e.at).toISOString()}`);
    }
    this.events.splice(0, Math.max(0, this.events.length - 200));
    const alarmed = [...new Set(scored.map((r) => r.entity))].filter(
      (e) => this.scorer.states.get(e)!.alarm.status !== 'inactive',
    );
    await this.scorer.explain(alarmed, tick);
    this.forget(tick);
    this.lastTick = tick;
    this.up = true;
    this.lastRoundAt = this.clock();
    this.publish();
    this.metrics.up.set(1);
    this.metrics.rounds.inc({ outcome: 'ok' });
    this.metrics.lag.set(Math.max(0, (this.clock() - tick) / 1000));
    if (this.options.statePath)
      await writeCheckpoint(this.options.statePath, {
        ...this.identity,
        lastTick: tick,
        entities: [...this.scorer.states.values()],
      });
    return { tick, ok: true, scored, events };
  }

  private failed(tick: number, error: Error): RoundResult {
    this.up = false;
    this.metrics.up.set(0);
    this.metrics.rounds.inc({ outcome: 'failed' });
    this.log(`round at ${new Date(tick).toISOString()} failed: ${error.message}`);
    return { tick, ok: false, error: error.message, scored: [], events: [] };
  }

  /** Per entity of this shard, one record per evaluation time with any sample (NaN for a feature without one). */
  private recordsOf(features: string[], answers: PromSeries[][], first: number, tick: number) {
    const { config, model } = this.options;
    const iv = config.intervalMs;
    const ticks = Math.round((tick - first) / iv) + 1;
    const I = model.plan.inputs.length;
    const perEntity = new Map<string, { domain: string; rows: Float64Array; present: Uint8Array }>();
    features.forEach((feature, f) => {
      const j = model.plan.inputs.indexOf(feature);
      const seen = new Set<string>();
      for (const series of answers[f]) {
        const entity = series.labels[config.entityLabel];
        if (entity === undefined || !inShard(entity, this.shard)) continue;
        if (seen.has(entity)) {
          if (!this.warnedDuplicates.has(feature))
            this.log(`feature ${feature}: the query returns several series for ${entity}; the first is used`);
          this.warnedDuplicates.add(feature);
          continue;
        }
        seen.add(entity);
        let slot = perEntity.get(entity);
        if (!slot) {
          slot = {
            domain: this.domainOf(entity, series.labels),
            rows: new Float64Array(ticks * I).fill(NaN),
            present: new Uint8Array(ticks),
          };
          perEntity.set(entity, slot);
        }
        for (let k = 0; k < series.times.length; k++) {
          const r = Math.round((series.times[k] - first) / iv);
          if (r < 0 || r >= ticks) continue;
          slot.rows[r * I + j] = series.values[k];
          slot.present[r] = 1;
        }
      }
    });
    const batch = new Map<string, { domain: string; records: InputRecord[] }>();
    for (const [entity, slot] of perEntity) {
      const records: InputRecord[] = [];
      for (let r = 0; r < ticks; r++)
        if (slot.present[r]) records.push({ time: first + r * iv, inputs: slot.rows.subarray(r * I, (r + 1) * I) });
      batch.set(entity, { domain: slot.domain, records });
    }
    return batch;
  }

  /** Entities without a record for longer than the catch-up span are gone: their state and series are removed. */
  private forget(tick: number): void {
    const limit = Math.max(
      this.options.config.catchUpMs,
      warmupRecords(this.options.model) * this.options.config.intervalMs,
    );
    for (const [entity, state] of this.scorer.states)
      if (state.lastRecordAt !== undefined && tick - state.lastRecordAt > limit) {
        this.scorer.states.delete(entity);
        this.log(`${entity}: no data for ${Math.round((tick - state.lastRecordAt) / 1000)} s, forgotten`);
        for (const g of [this.metrics.score, this.metrics.alarm, this.metrics.threshold]) g.remove({ entity });
      }
  }

  /** Metric values from the entity states. */
  private publish(): void {
    const m = this.metrics;
    m.contribution.reset();
    m.entities.set(this.scorer.states.size);
    for (const state of this.scorer.states.values()) {
      const entity = state.entity;
      if (state.smoothed !== undefined) m.score.set({ entity }, state.smoothed);
      m.threshold.set({ entity }, this.scorer.threshold);
      const firing = state.alarm.status === 'firing';
      m.alarm.set({ entity }, firing ? 1 : 0);
      if (firing && state.explanation)
        for (const f of state.explanation.features) m.contribution.set({ entity, feature: f.name }, f.share);
    }
  }

  /** Pending and firing alarms, firing first, then by score. */
  alerts(): AlertView[] {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    return [...this.scorer.states.values()]
      .filter((s) => s.alarm.status !== 'inactive')
      .map((s) => ({
        entity: s.entity,
        status: s.alarm.status as 'pending' | 'firing',
        activeAt: iso(s.alarm.activeAt)!,
        ...(s.alarm.firedAt !== undefined ? { firedAt: iso(s.alarm.firedAt) } : {}),
        score: s.smoothed ?? NaN,
        threshold: this.scorer.threshold,
        topFeatures: s.explanation?.features ?? [],
        ...(s.explanation ? { explainedAt: iso(s.explanation.at) } : {}),
      }))
      .sort((a, b) => (a.status === b.status ? b.score - a.score : a.status === 'firing' ? -1 : 1));
  }

  /**
   * Runs a round now and then shortly after every interval tick until `stop`; a round still running makes the next
   * wait. Queries found not to fit the model stop the loop and go to `onFatal`.
   */
  start(onFatal?: (error: Error) => void): void {
    const iv = this.options.config.intervalMs;
    const runOnce = async () => {
      this.running = this.round().catch((error: unknown) => {
        if (error instanceof QueryCheckError) {
          this.stopped = true;
          onFatal?.(error);
        } else this.log(`round failed: ${(error as Error).message}`);
        return { tick: 0, ok: false, error: String(error), scored: [], events: [] };
      });
      await this.running;
      this.running = undefined;
      if (this.stopped) return;
      const now = Date.now();
      // a little after the tick, so the scrape at the tick has been ingested
      const wait = gridTime(now, iv) + iv + Math.min(1000, iv / 10) - now;
      this.timer = setTimeout(() => void runOnce(), wait);
    };
    void runOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
