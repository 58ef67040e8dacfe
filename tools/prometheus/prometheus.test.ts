/** The harness against the real binaries: node-exporter scraped by Prometheus, reported up by the query API. */
import { existsSync } from 'node:fs';
import {
  prometheusAvailableForTests,
  promApi,
  startNodeExporter,
  startPrometheus,
  waitFor,
  type RunningNodeExporter,
  type RunningPrometheus,
} from './index';

const available = prometheusAvailableForTests('tools/prometheus harness');

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

(available ? describe : describe.skip)('startNodeExporter and startPrometheus', () => {
  let exporter: RunningNodeExporter;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    exporter = await startNodeExporter({ collectors: ['cpu', 'loadavg', 'meminfo'] });
    prometheus = await startPrometheus({ scrapeInterval: '1s', targets: [`127.0.0.1:${exporter.port}`] });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('node-exporter serves the enabled collectors only, on 127.0.0.1', async () => {
    expect(exporter.url).toBe(`http://127.0.0.1:${exporter.port}`);
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(text).toMatch(/^node_cpu_seconds_total\{cpu="0",mode="user"\} /m);
    expect(text).toMatch(/^node_load1 /m);
    expect(text).toMatch(/^node_memory_MemAvailable_bytes /m);
    // a default collector that was not asked for
    expect(text).not.toMatch(/^node_filesystem_size_bytes/m);
  });

  it('Prometheus scrapes the node-exporter target and reports up == 1 for it', async () => {
    const up = await waitFor(
      'up{job="node"} == 1',
      async () => {
        const result = await promApi<{ result: VectorSample[] }>(prometheus.url, '/api/v1/query', {
          query: 'up{job="node"}',
        });
        return result.result.find((s) => s.value[1] === '1');
      },
      15_000,
    );
    expect(up.metric).toEqual({ __name__: 'up', job: 'node', instance: `127.0.0.1:${exporter.port}` });
  });

  it('stop() ends Prometheus and removes its data folder', async () => {
    const second = await startPrometheus({ scrapeInterval: '1s', targets: [] });
    expect(existsSync(second.dataDir)).toBe(true);
    expect(second.port).not.toBe(prometheus.port);
    await second.stop();
    expect(existsSync(second.dataDir)).toBe(false);
    await expect(fetch(`${second.url}/-/ready`)).rejects.toThrow();
  });
});
