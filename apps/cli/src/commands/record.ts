import { resolve } from 'node:path';
import { parseTimeBound, writeFileAtomic } from '@driftwatch/ingest';
import { PrometheusClient, parseDuration, readServeConfig, recordRange, type RecordRange } from '@driftwatch/serve';
import { optionalString, requireString, type Command } from '../command';
import { UsageError } from '../cli-error';
import { recordDefinition } from './record.def';

/** `--last D` (ending now) or `--range FROM..TO` (ISO times), as evaluation times on the interval's grid. */
function recordingRange(last: string | undefined, range: string | undefined, intervalMs: number): RecordRange {
  if ((last === undefined) === (range === undefined)) throw new UsageError('give either --last or --range');
  let startMs: number;
  let endMs: number;
  if (last !== undefined) {
    endMs = Date.now();
    startMs = endMs - parseDuration(last, '--last');
  } else {
    const bounds = range!.split('..').map(parseTimeBound);
    if (bounds.length !== 2 || bounds.some((b) => b?.unit !== 'time'))
      throw new UsageError(`--range expects FROM..TO with ISO 8601 times (2026-12-01T00:00Z..2026-12-03T00:00Z)`);
    [startMs, endMs] = bounds.map((b) => b!.value);
  }
  // on the grid, so that training records fall where serve's rounds will evaluate
  startMs = Math.ceil(startMs / intervalMs) * intervalMs;
  endMs = Math.floor(endMs / intervalMs) * intervalMs;
  if (!(endMs > startMs)) throw new UsageError(`the range holds no interval of ${intervalMs / 1000} s`);
  return { startMs, endMs };
}

export const record: Command = {
  ...recordDefinition,
  async run(values) {
    const prometheus = requireString(values, 'prometheus', record);
    const configFile = resolve(requireString(values, 'config', record));
    const out = resolve(requireString(values, 'out', record));
    if (!out.endsWith('.json')) throw new UsageError(`--out ${out}: expected a .json file (Prometheus JSON)`);
    const config = await readServeConfig(configFile);
    const range = recordingRange(optionalString(values, 'last'), optionalString(values, 'range'), config.intervalMs);
    const client = new PrometheusClient(prometheus, {
      timeoutMs: Math.max(config.timeoutMs, 30_000),
      ...(config.lookbackMs !== undefined ? { lookbackMs: config.lookbackMs } : {}),
    });
    const matrix = await recordRange(client, config, range, (p) =>
      process.stderr.write(`[${p.done}/${p.total}] ${p.feature}: ${p.series} series\n`),
    );
    const text = `${JSON.stringify(matrix)}\n`;
    await writeFileAtomic(out, text);
    const entities = new Set(matrix.data.result.map((s) => s.metric[config.entityLabel])).size;
    const map = config.entityLabel === 'instance' ? '' : ` --map entityLabel=${config.entityLabel}`;
    process.stdout.write(
      `wrote ${out}: ${Object.keys(config.features).length} features × ${entities} entities, ` +
        `${new Date(range.startMs).toISOString()} .. ${new Date(range.endMs).toISOString()} every ` +
        `${config.intervalMs / 1000} s\nnext: driftwatch train --input ${out}${map} --method mahalanobis --out model\n`,
    );
    return 0;
  },
};
