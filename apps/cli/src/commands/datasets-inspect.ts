import { readOmniAnomaly, summariseSequences, type DatasetInspection } from '@driftwatch/ingest';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { renderTable } from '../table';
import { dataRoot } from '../workspace';
import { INSPECTORS_BEYOND_OMNI } from './inspectors';
import { datasetsInspectDefinition } from './datasets-inspect.def';

/** How each data set is inspected: its adapter, read from the data root. */
export type Inspector = (root: string, positionals: string[]) => Promise<DatasetInspection>;

async function inspectOmni(root: string, dataset: 'asd' | 'smd'): Promise<DatasetInspection> {
  const entities = await readOmniAnomaly(root, dataset);
  const sequences = entities.flatMap((e) => [e.train, e.test]);
  const step = dataset === 'asd' ? '5 minutes' : '1 minute';
  return summariseSequences(dataset, sequences, {
    eventTypes: { 1: 'anomaly' },
    notes: [
      `records are ${step} apart (data set description); the files carry no times`,
      'labels: train parts unlabelled (0), test parts 0/1',
    ],
  });
}

export const INSPECTORS: Record<string, Inspector> = {
  asd: (root) => inspectOmni(root, 'asd'),
  smd: (root) => inspectOmni(root, 'smd'),
  ...INSPECTORS_BEYOND_OMNI,
};

export const datasetsInspect: Command = {
  ...datasetsInspectDefinition,
  async run(values, positionals) {
    const [name, ...rest] = positionals;
    const inspector = name === undefined ? undefined : INSPECTORS[name];
    if (!inspector)
      throw new UsageError(
        `datasets inspect: name one data set of ${Object.keys(INSPECTORS).join(', ')}${name ? `, not "${name}"` : ''}`,
      );
    const report = await inspector(dataRoot(values), rest);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspection(report));
    return 0;
  },
};

function percent(share: number): string {
  return share === 0 ? '0' : share < 0.0001 ? '<0.01%' : `${(share * 100).toFixed(2)}%`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
  [1, 'ms'],
];

/**
 * A duration in ms in the largest unit it reaches: exact when whole (`5 min`), else to 3 significant digits (`60.0 s`).
 */
export function formatStep(ms: number): string {
  const [size, unit] = UNITS.find(([u]) => Math.abs(ms) >= u) ?? UNITS[UNITS.length - 1];
  const value = ms / size;
  return `${Number.isInteger(value) ? value : value.toPrecision(3)} ${unit}`;
}

/** The inspection as text: a header, the column table, label and range counts, other tables, notes. */
export function formatInspection(r: DatasetInspection): string {
  const lines: string[] = [];
  lines.push(
    `${r.dataset}: ${count(r.entities.length)} entities, ${count(r.sequences)} sequences, ${count(r.records)} records`,
  );
  const shown = r.entities.slice(0, 12).join(', ');
  lines.push(`entities: ${shown}${r.entities.length > 12 ? `, … (${r.entities.length - 12} more)` : ''}`);
  if (r.timeSpan) {
    // times before 1973 are offsets from a trace start (Alibaba), not dates
    const iso = (ms: number) =>
      r.timeSpan!.startMs < 1e11 ? `+${formatStep(ms)}` : new Date(ms).toISOString().replace('.000Z', 'Z');
    lines.push(
      `time span: ${iso(r.timeSpan.startMs)} … ${iso(r.timeSpan.endMs)} ` +
        `(${formatStep(r.timeSpan.endMs - r.timeSpan.startMs)})`,
    );
  } else lines.push('time span: no timestamps in the files');
  if (r.samplingStepMs !== undefined)
    lines.push(`sampling step: ${formatStep(r.samplingStepMs)} (the most common gap)`);
  lines.push('');
  const columns = r.columns.map((c) => [c.name, c.type, percent(c.missingShare)]);
  lines.push(`columns (${r.columns.length}):`);
  const limit = 40;
  lines.push(renderTable(['column', 'type', 'missing'], columns.slice(0, limit), ['l', 'l', 'r']));
  if (columns.length > limit) {
    const missingElsewhere = r.columns.slice(limit).filter((c) => c.missingShare > 0).length;
    lines.push(
      `… ${columns.length - limit} more columns (${missingElsewhere} of them with missing values; --json lists all)`,
    );
  }
  lines.push('');
  const labelRows = Object.entries(r.labelCounts).map(([k, n]) => [k, count(n), percent(n / Math.max(1, r.records))]);
  if (labelRows.length > 0) {
    lines.push('records per label:');
    lines.push(renderTable(['label', 'records', 'share'], labelRows, ['l', 'r', 'r']));
  } else lines.push('records per label: no labels');
  const rangeRows = Object.entries(r.rangeCounts).map(([k, n]) => [k, count(n)]);
  if (rangeRows.length > 0) {
    lines.push('labelled ranges per event type:');
    lines.push(renderTable(['event type', 'ranges'], rangeRows, ['l', 'r']));
  }
  const tableRows = Object.entries(r.tables).map(([k, n]) => [k, count(n)]);
  if (tableRows.length > 0) {
    lines.push('other tables:');
    lines.push(renderTable(['table', 'rows'], tableRows, ['l', 'r']));
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
