/**
 * npm run ts -- tools/prometheus/record-fixture.ts [--seconds 120] [--config FILE] [--out FILE]
 *
 * Records this machine's node-exporter through a real Prometheus (scraped every second) for `--seconds`, then
 * runs one query_range per feature of the serve config (step = its `interval`) and writes them as ONE Prometheus
 * matrix response: each series relabelled to {__name__: <feature>, <entityLabel>: <entity>}, the layout
 * `driftwatch train --input` reads. Every query must give exactly one series per entity; otherwise nothing is
 * written.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import YAML from 'yaml';
import { writeFileAtomic } from '@driftwatch/ingest';
import { promApi, repositoryRoot, startNodeExporter, startPrometheus, waitFor } from './index';

const FIXTURES = join(repositoryRoot, 'packages', 'serve', 'test', 'fixtures');
const RATE_PRECISION = 6;

interface ServeConfig {
  entityLabel: string;
  interval: string;
  features: Record<string, string>;
}

interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Seconds in a Prometheus duration of one unit ("1s", "15s", "2m"). */
export function durationSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`interval: expected a duration such as "1s" or "15s", found ${JSON.stringify(text)}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function readServeConfig(file: string): ServeConfig {
  const config = YAML.parse(readFileSync(file, 'utf8')) as Partial<ServeConfig> | null;
  if (!config || typeof config.entityLabel !== 'string' || typeof config.interval !== 'string')
    throw new Error(`${file}: expected entityLabel and interval (strings)`);
  const features = config.features;
  if (!features || typeof features !== 'object' || Object.values(features).some((q) => typeof q !== 'string'))
    throw new Error(`${file}: expected features, a map of feature name to PromQL query`);
  return config as ServeConfig;
}

/** Shorter sample strings: rates carry float noise in their last digits that no test needs. */
function rounded(value: string): string {
  const n = Number(value);
  return Number.isFinite(n) && !Number.isInteger(n) ? String(Number(n.toPrecision(RATE_PRECISION))) : value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '120' },
      config: { type: 'string', default: resolve(FIXTURES, 'serve.yaml') },
      out: { type: 'string', default: resolve(FIXTURES, 'node-exporter-range.json') },
    },
  });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 10)
    throw new Error(`--seconds: expected an integer ≥ 10, found ${values.seconds}`);
  const config = readServeConfig(values.config!);
  const step = durationSeconds(config.interval);

  const exporter = await startNodeExporter({ collectors: ['cpu', 'loadavg', 'meminfo', 'netdev'] });
  const prometheus = await startPrometheus({ scrapeInterval: '1s', targets: [`127.0.0.1:${exporter.port}`] });
  try {
    await waitFor(
      'the first scrape of node-exporter',
      async () => {
        const up = await promApi<{ result: unknown[] }>(prometheus.url, '/api/v1/query', { query: 'up == 1' });
        return up.result.length > 0 ? true : undefined;
      },
      30_000,
    );
    const start = Math.ceil(Date.now() / 1000);
    console.log(`recording ${seconds} s from node-exporter ${exporter.url} through Prometheus ${prometheus.url}`);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const end = start + seconds;
    const result: MatrixSeries[] = [];
    for (const [feature, query] of Object.entries(config.features)) {
      const data = await promApi<{ resultType: string; result: MatrixSeries[] }>(
        prometheus.url,
        '/api/v1/query_range',
        {
          query,
          start: String(start),
          end: String(end),
          step: String(step),
        },
      );
      const entities = data.result.map((s) => s.metric[config.entityLabel]);
      if (data.result.length !== 1 || entities[0] === undefined)
        throw new Error(
          `feature ${feature}: expected one series with the label ${config.entityLabel}, ` +
            `found ${data.result.length} (${JSON.stringify(data.result.map((s) => s.metric))}) for ${query}`,
        );
      for (const series of data.result)
        result.push({
          metric: { __name__: feature, [config.entityLabel]: series.metric[config.entityLabel] },
          values: series.values.map(([t, v]) => [t, rounded(v)]),
        });
    }
    // formatted as the repository's prettier config wants it, so that `npm run format:check` accepts the file
    const text = await format(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }), {
      ...(await resolveConfig(values.out!)),
      parser: 'json',
    });
    await writeFileAtomic(values.out!, text);
    const points = result.reduce((n, s) => n + s.values.length, 0);
    console.log(
      `wrote ${values.out}: ${result.length} series, ${points} samples, ${text.length} bytes, ${start}–${end}`,
    );
  } finally {
    await prometheus.stop();
    await exporter.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
