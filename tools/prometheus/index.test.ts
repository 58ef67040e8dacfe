/** The harness's parts that need no binaries: finding them, the local configuration, the skip-or-fail rule. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findExecutable, localPrometheusConfig, MISSING_BINARIES, prometheusAvailableForTests } from './index';

describe('findExecutable', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'driftwatch-path-a-')), mkdtempSync(join(tmpdir(), 'driftwatch-path-b-'))];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  writeFileSync(join(dirs[0], 'node_exporter'), 'not executable');
  writeFileSync(join(dirs[1], 'node_exporter'), '#!/bin/sh\n');
  chmodSync(join(dirs[1], 'node_exporter'), 0o755);
  const path = dirs.join(delimiter);

  it('skips files that are not executable and takes the first name found', () => {
    expect(findExecutable(['prometheus-node-exporter', 'node_exporter'], path)).toBe(join(dirs[1], 'node_exporter'));
    expect(findExecutable(['prometheus'], path)).toBeUndefined();
  });
});

describe('localPrometheusConfig', () => {
  const deploy = `
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  external_labels: { cluster: prod }
alerting:
  alertmanagers: [{ static_configs: [{ targets: ['am:9093'] }] }]
rule_files: [driftwatch-rules.yml]
scrape_configs:
  - job_name: node
    dns_sd_configs: [{ names: [node-exporter.example], type: A, port: 9100 }]
    metric_relabel_configs: [{ source_labels: [__name__], regex: 'go_.*', action: drop }]
  - job_name: driftwatch
    dns_sd_configs: [{ names: [_http._tcp.serve.example] }]
`;
  const extra = { job_name: 'fake', static_configs: [{ targets: ['127.0.0.1:1'] }] };

  it("keeps the node job's relabelling, swaps its discovery for the targets, and drops cluster-only parts", () => {
    const config = localPrometheusConfig(deploy, {
      scrapeInterval: '1s',
      targets: ['127.0.0.1:9100'],
      rulesFiles: ['rules.yml'],
      extraScrapeConfigs: [extra],
    });
    expect(config).toEqual({
      global: {
        scrape_interval: '1s',
        scrape_timeout: '1s',
        evaluation_interval: '1s',
        external_labels: { cluster: 'prod' },
      },
      rule_files: [join(process.cwd(), 'rules.yml')],
      scrape_configs: [
        {
          job_name: 'node',
          metric_relabel_configs: [{ source_labels: ['__name__'], regex: 'go_.*', action: 'drop' }],
          static_configs: [{ targets: ['127.0.0.1:9100'] }],
        },
        extra,
      ],
    });
  });

  it('names the missing job when the deploy file has no node job', () => {
    expect(() => localPrometheusConfig('scrape_configs: []\n', { scrapeInterval: '1s', targets: [] })).toThrow(
      'no scrape job named "node"',
    );
  });
});

describe('prometheusAvailableForTests without the binaries', () => {
  const saved = { PATH: process.env.PATH, CI: process.env.CI };
  beforeEach(() => (process.env.PATH = ''));
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.CI === undefined) delete process.env.CI;
    else process.env.CI = saved.CI;
  });

  it('fails under CI=true, naming what to install', () => {
    process.env.CI = 'true';
    expect(() => prometheusAvailableForTests('suite')).toThrow(`suite: ${MISSING_BINARIES}`);
  });

  it('elsewhere says so in one line and answers false', () => {
    delete process.env.CI;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(prometheusAvailableForTests('suite')).toBe(false);
    expect(warn.mock.calls).toEqual([[`suite: skipped: ${MISSING_BINARIES}`]]);
    warn.mockRestore();
  });
});
