import type { RecordBatch } from 'apache-arrow';
import type { Sequence } from '@driftwatch/contracts';
import { type TextInput, inputName } from '../../stream/chunks';
import { type DuplicatePolicy, sequencesFromBatches } from '../../stream/assemble';
import { type ResampleAggregate, type ResampleFill, resampleSequence } from '../../stream/resample';
import { compareNatural } from '../omnianomaly';
import { selectRows, textColumn } from './batch-columns';
import { type ReadAlibabaOptions, readAlibabaTable, withFieldColumn } from './read-table';
import { ALIBABA_TABLES, CONTAINER_METRICS, MACHINE_METRICS } from './schema';

/**
 * Default resampling step, 60 s. The upstream documents give no sampling period for machine_usage or
 * container_usage (schema.txt and trace_2018.md fix only the unit, seconds from the trace start), and
 * users report intervals that vary (alibaba/clusterdata issue #88). A step at or above the usual interval
 * averages several samples instead of forward-filling most steps; 60 s keeps 8 days at 11,520 steps per
 * entity. `stepMs` is a parameter, and loadAlibaba reports the raw modal step so it can be set from data.
 */
export const DEFAULT_ALIBABA_STEP_MS = 60_000;

export type UsageTable = 'machine_usage' | 'container_usage';

export interface UsageSequenceOptions {
  /** resampling step in ms; null keeps the raw records (default DEFAULT_ALIBABA_STEP_MS) */
  stepMs?: number | null;
  /** how samples in one step combine (default 'mean') */
  aggregate?: ResampleAggregate;
  /** how empty steps are filled (default 'previous-then-next') */
  fill?: ResampleFill;
  /** 'sort' (default): rows may come in any time order, as the real files are not guaranteed sorted */
  order?: 'strict' | 'sort';
  /** a second row of an entity at the same time: 'first' (default, file order) keeps the earlier row */
  duplicates?: DuplicatePolicy;
  domainOf?: (entity: string) => string;
  /** keep only rows whose machine_id this accepts (both usage tables carry machine_id) */
  keepMachine?: (machineId: string) => boolean;
  read?: ReadAlibabaOptions;
}

export interface UsageSequences {
  /** one per machine or container, in natural order of the ids */
  sequences: Sequence[];
  /** data rows in the file */
  rows: number;
  /** rows of the kept machines */
  keptRows: number;
  /** kept rows dropped as a second record at the same time (duplicates policy) */
  duplicatesDropped: number;
  /** the most common step between consecutive raw records, ms */
  rawStepMs: number | undefined;
}

/**
 * Metric sequences of machine_usage (entity machine_id, 7 features) or container_usage (entity
 * container_id, 8 features), features in file order (schema.txt §2, §4), times in ms from the trace start.
 * Empty fields and −1/101 in the [0, 100] columns are NaN before resampling and so are left out of step
 * means. Each sequence is resampled onto multiples of the step counted from the trace start, so all
 * entities share one grid.
 */
export async function readUsageSequences(
  table: UsageTable,
  input: TextInput,
  options: UsageSequenceOptions = {},
): Promise<UsageSequences> {
  const entity = table === 'machine_usage' ? 'machine_id' : 'container_id';
  const kind = table === 'machine_usage' ? 'machine' : 'container';
  const features = [...(table === 'machine_usage' ? MACHINE_METRICS : CONTAINER_METRICS)];
  const names = ALIBABA_TABLES[table].map((c) => c.name);
  const counts = { rows: 0, kept: 0 };
  const keepMachine = options.keepMachine;
  async function* counted(): AsyncGenerator<RecordBatch> {
    for await (const batch of readAlibabaTable(table, input, options.read)) {
      counts.rows += batch.numRows;
      let kept = batch;
      if (keepMachine) {
        const machine = textColumn(batch, 'machine_id');
        kept = selectRows(batch, (r) => {
          const id = machine(r);
          return id !== null && keepMachine(id);
        });
      }
      counts.kept += kept.numRows;
      yield kept;
    }
  }
  let raw: Sequence[];
  try {
    raw = await sequencesFromBatches(counted(), {
      entity,
      timestamp: 'time_stamp',
      features,
      file: inputName(input),
      order: options.order ?? 'sort',
      duplicates: options.duplicates ?? 'first',
      idOf: (e) => `alibaba-v2018/${kind}/${e}`,
      domainOf: options.domainOf ?? ((e) => e),
    });
  } catch (error) {
    const field =
      error instanceof Error && error.message.includes('an entity id')
        ? names.indexOf(entity)
        : names.indexOf('time_stamp');
    throw await withFieldColumn(error, input, field);
  }
  raw.sort((a, b) => compareNatural(a.entity, b.entity));
  const records = raw.reduce((s, q) => s + q.length, 0);
  const stepMs = options.stepMs === undefined ? DEFAULT_ALIBABA_STEP_MS : options.stepMs;
  const sequences =
    stepMs === null
      ? raw
      : raw.map((seq) =>
          resampleSequence(seq, {
            stepMs,
            aggregate: options.aggregate ?? 'mean',
            fill: options.fill ?? 'previous-then-next',
          }),
        );
  return {
    sequences,
    rows: counts.rows,
    keptRows: counts.kept,
    duplicatesDropped: counts.kept - records,
    rawStepMs: modalStepMs(raw),
  };
}

/** The most common difference between consecutive timestamps over all sequences (smallest on ties). */
export function modalStepMs(sequences: readonly Sequence[]): number | undefined {
  const steps = new Map<number, number>();
  for (const seq of sequences) {
    if (!seq.timestamps) continue;
    for (let t = 1; t < seq.length; t++) {
      const step = Number(seq.timestamps[t] - seq.timestamps[t - 1]);
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [step, n] of steps) if (n > bestCount || (n === bestCount && step < best!)) [best, bestCount] = [step, n];
  return best;
}
