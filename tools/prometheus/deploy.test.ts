/**
 * deploy/prometheus and deploy/alertmanager against the real tools: promtool and amtool accept them, the rule's
 * labels reach the driftwatch route, and the DriftwatchAnomaly rule fires in a real Prometheus that scrapes a
 * loopback exporter of driftwatch_alarm, reaches a loopback webhook through a real Alertmanager running the
 * deployed routes, then resolves when the alarm clears.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import {
  DEPLOY_ALERTMANAGER_CONFIG,
  alertmanagerBinary,
  startAlertmanager,
  type RunningAlertmanager,
  DEPLOY_PROMETHEUS_CONFIG,
  DEPLOY_RULES,
  amtoolBinary,
  binariesRequired,
  prometheusAvailableForTests,
  promApi,
  promBinaries,
  startPrometheus,
  waitFor,
  type RunningPrometheus,
} from './index';

const available = prometheusAvailableForTests('deploy/ configurations');
const amtool = amtoolBinary();
const alertmanager = alertmanagerBinary();
if (available && !(amtool && alertmanager)) {
  const line = 'amtool or prometheus-alertmanager is not on the PATH (apt-get install prometheus-alertmanager)';
  if (binariesRequired()) throw new Error(line);
  console.warn(`deploy/alertmanager: skipped: ${line}`);
}

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

const rulesText = readFileSync(DEPLOY_RULES, 'utf8');
const anomalyRule = (YAML.parse(rulesText) as RuleFile).groups
  .flatMap((g) => g.rules)
  .find((r) => r.alert === 'DriftwatchAnomaly');

/** The rule file with every alert's `for` replaced, so a test sees firing in seconds rather than minutes. */
function withFor(text: string, duration: string): string {
  const rules = YAML.parse(text) as RuleFile;
  for (const rule of rules.groups.flatMap((g) => g.rules)) if (rule.alert) rule.for = duration;
  return YAML.stringify(rules);
}

function run(binary: string, args: string[]) {
  const r = spawnSync(binary, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const scratch = mkdtempSync(join(tmpdir(), 'driftwatch-deploy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

(available ? describe : describe.skip)('promtool', () => {
  it('accepts deploy/prometheus/prometheus.yml with its rule file', () => {
    const r = run(promBinaries()!.promtool, ['check', 'config', DEPLOY_PROMETHEUS_CONFIG]);
    expect(r.output).toContain('SUCCESS: 1 rule files found');
    expect(r.status).toBe(0);
  });

  it('accepts driftwatch-rules.yml, and rejects it with a broken expression', () => {
    const good = run(promBinaries()!.promtool, ['check', 'rules', DEPLOY_RULES]);
    expect(good.output).toContain('SUCCESS: 2 rules found');
    expect(good.status).toBe(0);
    const broken = join(scratch, 'broken-rules.yml');
    writeFileSync(broken, rulesText.replace('expr: driftwatch_alarm == 1', 'expr: driftwatch_alarm == == 1'));
    expect(run(promBinaries()!.promtool, ['check', 'rules', broken]).status).not.toBe(0);
  });
});

(available && amtool ? describe : describe.skip)('amtool', () => {
  it('accepts deploy/alertmanager/alertmanager.yml', () => {
    const r = run(amtool!, ['check-config', DEPLOY_ALERTMANAGER_CONFIG]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  const receiverOf = (labels: Record<string, string>) =>
    execFileSync(
      amtool!,
      [
        'config',
        'routes',
        'test',
        `--config.file=${DEPLOY_ALERTMANAGER_CONFIG}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();

  it("routes an alert with DriftwatchAnomaly's labels to the driftwatch receiver, other alerts elsewhere", () => {
    expect(anomalyRule?.labels).toBeDefined();
    expect(receiverOf({ alertname: 'DriftwatchAnomaly', entity: 'web-1:9100', ...anomalyRule!.labels })).toBe(
      'driftwatch',
    );
    expect(receiverOf({ alertname: 'HostDown', instance: 'web-1:9100' })).toBe('default');
  });
});

/** driftwatch serve's exported metrics as a replica would expose them, changeable during the test. */
class FakeServeReplica {
  alarmOfA = 1;
  private server: Server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/plain; version=0.0.4');
    response.end(
      [
        `driftwatch_alarm{entity="a"} ${this.alarmOfA}`,
        'driftwatch_alarm{entity="b"} 0',
        'driftwatch_anomaly_score{entity="a"} 4.25',
        'driftwatch_anomaly_score{entity="b"} 0.5',
        'driftwatch_threshold{entity="a"} 1.5',
        'driftwatch_threshold{entity="b"} 1.5',
        'driftwatch_feature_contribution{entity="a",feature="memory_available_bytes"} 0.125',
        'driftwatch_feature_contribution{entity="a",feature="cpu_user"} 3',
        'driftwatch_feature_contribution{entity="a",feature="cpu_system"} 0.75',
        'driftwatch_feature_contribution{entity="a",feature="load1"} 1.25',
        '',
      ].join('\n'),
    );
  });
  listen(): Promise<number> {
    return new Promise((done) =>
      this.server.listen(0, '127.0.0.1', () => done((this.server.address() as { port: number }).port)),
    );
  }
  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

interface Notification {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

/** A loopback webhook receiver that keeps what Alertmanager posts. */
class WebhookSink {
  received: Notification[] = [];
  private server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      this.received.push(JSON.parse(body) as Notification);
      response.end();
    });
  });
  listen(): Promise<number> {
    return new Promise((done) =>
      this.server.listen(0, '127.0.0.1', () => done((this.server.address() as { port: number }).port)),
    );
  }
  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

const fullChain = available && alertmanager !== undefined;
(fullChain ? describe : describe.skip)('DriftwatchAnomaly through a real Prometheus and Alertmanager', () => {
  const replica = new FakeServeReplica();
  const sink = new WebhookSink();
  let port: number;
  let prometheus: RunningPrometheus;
  let alertmanager: RunningAlertmanager;

  beforeAll(async () => {
    port = await replica.listen();
    alertmanager = await startAlertmanager({ webhookUrl: `http://127.0.0.1:${await sink.listen()}/` });
    const rules = join(scratch, 'driftwatch-rules.yml');
    writeFileSync(rules, withFor(rulesText, '2s'));
    prometheus = await startPrometheus({
      scrapeInterval: '1s',
      targets: [],
      rulesFiles: [rules],
      alertmanagers: [`127.0.0.1:${alertmanager.port}`],
      extraScrapeConfigs: [{ job_name: 'driftwatch', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await replica.close();
    await sink.close();
  });

  const alerts = async () => (await promApi<{ alerts: PromAlert[] }>(prometheus.url, '/api/v1/alerts')).alerts;
  const notified = (status: Notification['status']) =>
    waitFor(`a ${status} notification`, async () => sink.received.find((n) => n.status === status), 30_000);

  it('fires for the entity whose alarm is 1, with its score, threshold, top features and link', async () => {
    const firing = await waitFor(
      'DriftwatchAnomaly firing',
      async () => (await alerts()).find((a) => a.state === 'firing' && a.labels.alertname === 'DriftwatchAnomaly'),
      30_000,
    );
    expect(firing.labels).toMatchObject({ entity: 'a', instance: `127.0.0.1:${port}`, ...anomalyRule!.labels });
    expect((await alerts()).filter((a) => a.labels.entity === 'b')).toEqual([]);
    expect(firing.annotations.summary).toContain('a');
    expect(firing.annotations.description).toMatch(/scores 4\.25 against a threshold of 1\.5 /);
    // the three largest contributions, largest first
    expect(firing.annotations.top_features.trim()).toBe('cpu_user=3 load1=1.25 cpu_system=0.75');
    expect(firing.annotations.alerts_url).toBe(`http://127.0.0.1:${port}/api/alerts`);
  });

  it('reaches the driftwatch receiver through the deployed route, annotations and all', async () => {
    const notification = await notified('firing');
    expect(notification.receiver).toBe('driftwatch');
    expect(notification.alerts).toHaveLength(1);
    expect(notification.alerts[0].labels).toMatchObject({ alertname: 'DriftwatchAnomaly', entity: 'a' });
    expect(notification.alerts[0].annotations.top_features.trim()).toBe('cpu_user=3 load1=1.25 cpu_system=0.75');
  });

  it('resolves once the alarm goes back to 0, and the receiver hears so', async () => {
    replica.alarmOfA = 0;
    await waitFor(
      'no DriftwatchAnomaly alert',
      async () => ((await alerts()).some((a) => a.labels.alertname === 'DriftwatchAnomaly') ? undefined : true),
      30_000,
    );
    const resolved = await notified('resolved');
    expect(resolved.receiver).toBe('driftwatch');
    expect(resolved.alerts[0].labels.entity).toBe('a');
  });
});
