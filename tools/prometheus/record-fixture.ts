/**
 * npm run ts -- tools/prometheus/record-fixture.ts [--seconds 120] [--config FILE] [--out FILE]
 *
 * Records this machine's node-exporter through a real Prometheus (scraped every second) for `--seconds`, then
 * runs one query_range per feature of the serve config (step = its `interval`) and writes them as ONE Prometheus
 * matrix response: each series relabelled to {__name__: <feature>, <entityLabel>: <entity>}, the layout
 * `driftwatch train --input` reads. Every query must give exactly one series per entity; otherwise nothing is
 * written.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { writeFileAtomic } from '@driftwatch/ingest';
import { PrometheusClient, readServeConfig, recordRange } from '@driftwatch/serve';
import { promApi, repositoryRoot, startNodeExporter, startPrometheus, waitFor } from './index';

const FIXTURES = join(repositoryRoot, 'packages', 'serve', 'test', 'fixtures');
const RATE_PRECISION = 6;

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
  const config = await readServeConfig(values.config!);

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
    const client = new PrometheusClient(prometheus.url, { timeoutMs: 10_000 });
    const { data } = await recordRange(client, config, { startMs: start * 1000, endMs: end * 1000 });
    const result = data.result.map((series) => ({ ...series, values: series.values.map(([t, v]) => [t, rounded(v)]) }));
    for (const feature of Object.keys(config.features)) {
      const count = result.filter((series) => series.metric.__name__ === feature).length;
      if (count !== 1) throw new Error(`feature ${feature}: expected one series (this machine), found ${count}`);
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
