import type { Sequence } from '@driftwatch/contracts';

export interface ColumnSummary {
  name: string;
  /** Arrow type or a short description ('float32', 'dictionary<utf8>', …) */
  type: string;
  /** share of records without a value (NaN or null), in [0, 1] */
  missingShare: number;
}

/** What `driftwatch datasets inspect` prints for a data set. */
export interface DatasetInspection {
  dataset: string;
  /** the sequences' features (or a raw table's columns) */
  columns: ColumnSummary[];
  entities: string[];
  sequences: number;
  records: number;
  /** first and last timestamp over all sequences, ms */
  timeSpan?: { startMs: number; endMs: number };
  /** the most common step between consecutive records, ms */
  samplingStepMs?: number;
  /**
   * records per event type (label codes named through the ranges); 'normal' counts label 0, 'unlabelled' the records of
   * sequences without labels
   */
  labelCounts: Record<string, number>;
  /** labelled ranges per event type; ignored ranges count under '<type> (ignored)' */
  rangeCounts: Record<string, number>;
  /** other tables read with the data set (edges, spans, fault lists, …): name → rows */
  tables: Record<string, number>;
  notes: string[];
}

export interface SummariseOptions {
  /** label code → event type, where the ranges do not tell (e.g. binary labels without ranges: {1: 'anomaly'}) */
  eventTypes?: Record<number, string>;
  tables?: Record<string, number>;
  notes?: string[];
}

/**
 * The inspection of a set of sequences: entities, record counts, time span, the modal sampling step,
 * the share of NaN per feature, records per event type and ranges per event type.
 */
export function summariseSequences(
  dataset: string,
  sequences: readonly Sequence[],
  options: SummariseOptions = {},
): DatasetInspection {
  const features = sequences[0]?.features ?? [];
  const missing = new Float64Array(features.length);
  let records = 0;
  let start = Infinity;
  let end = -Infinity;
  const steps = new Map<number, number>();
  const labelCounts: Record<string, number> = {};
  const rangeCounts: Record<string, number> = {};
  const entities = new Set<string>();
  for (const seq of sequences) {
    entities.add(seq.entity);
    records += seq.length;
    const width = seq.features.length;
    for (let f = 0; f < width && f < missing.length; f++) {
      let n = 0;
      for (let t = 0; t < seq.length; t++) if (Number.isNaN(seq.values[t * width + f])) n++;
      missing[f] += n;
    }
    if (seq.timestamps && seq.length > 0) {
      start = Math.min(start, Number(seq.timestamps[0]));
      end = Math.max(end, Number(seq.timestamps[seq.length - 1]));
      for (let t = 1; t < seq.length; t++) {
        const step = Number(seq.timestamps[t] - seq.timestamps[t - 1]);
        steps.set(step, (steps.get(step) ?? 0) + 1);
      }
    }
    const names = new Map<number, string>(Object.entries(options.eventTypes ?? {}).map(([k, v]) => [Number(k), v]));
    for (const r of seq.ranges ?? []) {
      const key = r.ignored ? `${r.eventType} (ignored)` : r.eventType;
      rangeCounts[key] = (rangeCounts[key] ?? 0) + 1;
      const code = seq.labels?.[r.start];
      if (code !== undefined && code > 0 && !names.has(code)) names.set(code, r.eventType);
    }
    if (!seq.labels) labelCounts.unlabelled = (labelCounts.unlabelled ?? 0) + seq.length;
    else {
      const counts = new Map<number, number>();
      for (let t = 0; t < seq.length; t++) counts.set(seq.labels[t], (counts.get(seq.labels[t]) ?? 0) + 1);
      for (const [code, n] of counts) {
        const key = code === 0 ? 'normal' : (names.get(code) ?? `code ${code}`);
        labelCounts[key] = (labelCounts[key] ?? 0) + n;
      }
    }
  }
  let samplingStepMs: number | undefined;
  let best = 0;
  for (const [step, n] of steps)
    if (n > best || (n === best && step < samplingStepMs!)) [samplingStepMs, best] = [step, n];
  return {
    dataset,
    columns: features.map((name, f) => ({
      name,
      type: 'float32',
      missingShare: records > 0 ? missing[f] / records : 0,
    })),
    entities: [...entities],
    sequences: sequences.length,
    records,
    ...(Number.isFinite(start) ? { timeSpan: { startMs: start, endMs: end } } : {}),
    ...(samplingStepMs !== undefined ? { samplingStepMs } : {}),
    labelCounts,
    rangeCounts,
    tables: options.tables ?? {},
    notes: options.notes ?? [],
  };
}
