import { basename } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { InputError, type Sequence } from '@driftwatch/contracts';
import { type TextInput, inputName } from '../../stream/chunks';
import { type CsvColumn, readCsvBatches } from '../../stream/csv-batches';
import { sequencesFromBatches } from '../../stream/assemble';
import { TIME_MS_COLUMN, fieldsWithColumns, headerOf, lineOf, withGoTimes } from './csv-text';
import { type CallEdge, columnOfEdge, edgeOfColumn, serviceOfPod } from './names';

/** The 19 numeric columns of a pod metric file, in file order (datasets README, Nezha, "Pod metric files"). */
export const POD_METRIC_FEATURES = [
  'CpuUsage(m)',
  'CpuUsageRate(%)',
  'MemoryUsage(Mi)',
  'MemoryUsageRate(%)',
  'SyscallRead',
  'SyscallWrite',
  'NetworkReceiveBytes',
  'NetworkTransmitBytes',
  'PodClientLatencyP90(s)',
  'PodServerLatencyP90(s)',
  'PodClientLatencyP95(s)',
  'PodServerLatencyP95(s)',
  'PodClientLatencyP99(s)',
  'PodServerLatencyP99(s)',
  'PodWorkload(Ops)',
  'PodSuccessRate(%)',
  'NodeCpuUsageRate(%)',
  'NodeMemoryUsageRate(%)',
  'NodeNetworkReceiveBytes',
] as const;

/** The numeric columns of front_service.csv (datasets README, Nezha, "front_service.csv"). */
export const FRONT_FEATURES = [
  'SuccessRate(%)',
  'LatencyP50(s)',
  'LatencyP90(s)',
  'LatencyP95(s)',
  'LatencyP99(s)',
] as const;

/** Missing values are empty fields or the text `NaN` (datasets README, Nezha); both become NaN. */
export const NEZHA_NULL_TOKENS = ['', 'NaN'];

/**
 * Rows per batch: a metric file has about 1,200 rows, so small batches spare allocating (and collecting) 65,536-row
 * buffers per file.
 */
const METRIC_BATCH_ROWS = 2048;

/** One pod metric file read as a sequence (entity = the pod). */
export interface PodMetrics {
  pod: string;
  service: string;
  file: string;
  sequence: Sequence;
  /**
   * rows whose `TimeStamp` differs from `Time` by more than a minute (adservice of 2022-08-22: all, by 200,000,000 s)
   */
  timeStampMismatches: number;
}

/** The pod a metric file belongs to: its name without `_metric.csv`. */
export function podOfMetricFile(file: string): string | undefined {
  const name = basename(file);
  return name.endsWith('_metric.csv') ? name.slice(0, -'_metric.csv'.length) : undefined;
}

/**
 * A pod metric file `<pod>_metric.csv` → one sequence: the 19 metric columns as float32 features (NaN cells
 * stay NaN), times from the Go `Time` text; `TimeStamp` is only compared with it (it is 200,000,000 s off
 * in one file, datasets README "Data remarks"). Every row's `PodName` must be the file's pod.
 */
export async function readPodMetrics(input: TextInput, ids: { idPrefix: string; domain: string }): Promise<PodMetrics> {
  const file = inputName(input);
  const pod = podOfMetricFile(file);
  const service = pod === undefined ? undefined : serviceOfPod(pod);
  if (pod === undefined || service === undefined)
    throw new InputError({ file }, 'a file named <service>-<replica-set hash>-<pod suffix>_metric.csv');
  const header = await headerOf(input);
  const timeField = requireField(header, 'Time', file);
  const columns: CsvColumn[] = [
    { name: 'Time', type: 'utf8', nullable: false },
    { name: 'TimeStamp', type: 'float64' },
    { name: 'PodName', type: 'dictionary', nullable: false },
    ...POD_METRIC_FEATURES.map((name): CsvColumn => ({ name, type: 'float32' })),
  ];
  const batches = withGoTimes(
    readCsvBatches(input, { columns, header: true, nullTokens: NEZHA_NULL_TOKENS, batchRows: METRIC_BATCH_ROWS }),
    {
      input,
      timeColumn: 'Time',
      timeField,
      constant: { column: 'PodName', field: requireField(header, 'PodName', file), value: pod },
    },
  );
  let timeStampMismatches = 0;
  const counted = countTimeStampMismatches(batches, (n) => (timeStampMismatches += n));
  const [sequence] = await sequencesFromBatches(counted, {
    entity: 'PodName',
    timestamp: TIME_MS_COLUMN,
    features: [...POD_METRIC_FEATURES],
    file,
    idOf: (entity) => `${ids.idPrefix}/${entity}`,
    domainOf: () => ids.domain,
  });
  return { pod, service, file, sequence, timeStampMismatches };
}

/** Rows whose Unix-seconds `TimeStamp` lies more than 60 s from the Go `Time` (the sampling step, README). */
async function* countTimeStampMismatches(
  batches: AsyncIterable<RecordBatch>,
  add: (n: number) => void,
): AsyncGenerator<RecordBatch> {
  for await (const batch of batches) {
    const stamps = batch.getChild('TimeStamp')!;
    const times = batch.getChild(TIME_MS_COLUMN)!.data[0].values as BigInt64Array;
    let n = 0;
    for (let r = 0; r < batch.numRows; r++) {
      const s = stamps.get(r) as number | null;
      if (s !== null && Math.abs(s * 1000 - Number(times[r])) > 60_000) n++;
    }
    add(n);
    yield batch;
  }
}

/** front_service.csv → the entry-service sequence (success rate and latency percentiles per minute). */
export async function readFrontService(input: TextInput, ids: { id: string; domain: string }): Promise<Sequence> {
  const file = inputName(input);
  const header = await headerOf(input);
  const columns: CsvColumn[] = [
    { name: 'Time', type: 'utf8', nullable: false },
    { name: 'ServiceName', type: 'dictionary', nullable: false },
    ...FRONT_FEATURES.map((name): CsvColumn => ({ name, type: 'float32' })),
  ];
  const batches = withGoTimes(
    readCsvBatches(input, { columns, header: true, nullTokens: NEZHA_NULL_TOKENS, batchRows: METRIC_BATCH_ROWS }),
    {
      input,
      timeColumn: 'Time',
      timeField: requireField(header, 'Time', file),
    },
  );
  const sequences = await sequencesFromBatches(batches, {
    entity: 'ServiceName',
    timestamp: TIME_MS_COLUMN,
    features: [...FRONT_FEATURES],
    file,
    idOf: () => ids.id,
    domainOf: () => ids.domain,
  });
  if (sequences.length !== 1) {
    throw new InputError(
      { file, line: 2 },
      'one ServiceName in every row (the entry service)',
      sequences.map((s) => s.entity).join(', '),
    );
  }
  return sequences[0];
}

/** Per-edge latency of one side: one sequence whose features are the edge columns `<caller>_<callee>`. */
export interface EdgeLatency {
  sequence: Sequence;
  /** the call edge of each feature, in feature order */
  edges: CallEdge[];
}

/**
 * source_50.csv / destination_50.csv → one sequence with a feature per call edge (empty cells missing → NaN).
 * Each column `<caller>_<callee>` must name exactly one call edge of dependency.csv (when given), which keeps
 * the split unambiguous even for service names holding `_`; features follow the call-edge order, so the two
 * files' sequences line up although their column orders differ (datasets README, Nezha).
 */
export async function readEdgeLatency(
  input: TextInput,
  ids: { id: string; domain: string },
  callEdges?: readonly CallEdge[],
): Promise<EdgeLatency> {
  const file = inputName(input);
  const header = await headerOf(input);
  const timeField = requireField(header, 'time', file);
  const headerLine = (await lineOf(input, 1)) ?? '';
  const headerColumns = fieldsWithColumns(headerLine.replace(/^\uFEFF/, ''));
  const edgeColumns: { name: string; edge: CallEdge }[] = [];
  header.forEach((name, index) => {
    if (name === 'time' || name === 'timestamp') return;
    const edge = edgeOfColumn(name, callEdges);
    if (!edge) {
      const expected = callEdges
        ? 'a column <caller>_<callee> naming exactly one call edge of dependency.csv'
        : 'a column <caller>_<callee> with exactly one "_"';
      throw new InputError({ file, line: 1, column: headerColumns[index]?.column }, expected, name);
    }
    edgeColumns.push({ name, edge });
  });
  const order = callEdges
    ? callEdges.map(columnOfEdge).filter((c) => edgeColumns.some((e) => e.name === c))
    : edgeColumns.map((e) => e.name);
  const columns: CsvColumn[] = [
    { name: 'time', type: 'utf8', nullable: false },
    ...order.map((name): CsvColumn => ({ name, type: 'float32' })),
  ];
  const batches = withGoTimes(
    readCsvBatches(input, { columns, header: true, nullTokens: NEZHA_NULL_TOKENS, batchRows: METRIC_BATCH_ROWS }),
    { input, timeColumn: 'time', timeField },
  );
  const [sequence] = await sequencesFromBatches(batches, {
    defaultEntity: basename(file, '.csv'),
    timestamp: TIME_MS_COLUMN,
    features: order,
    file,
    idOf: () => ids.id,
    domainOf: () => ids.domain,
  });
  return { sequence, edges: order.map((name) => edgeColumns.find((e) => e.name === name)!.edge) };
}

/** Index of a header column, or an InputError at line 1 naming it. */
function requireField(header: string[], name: string, file: string): number {
  const index = header.indexOf(name);
  if (index === -1)
    throw new InputError(
      { file, line: 1, column: 1 },
      `a header with a column named ${JSON.stringify(name)}`,
      header.join(',').slice(0, 200),
    );
  return index;
}
