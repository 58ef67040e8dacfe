/**
 * Real Prometheus and node-exporter for tests and scripts: each starts on a free 127.0.0.1 port with a config
 * generated from deploy/prometheus/, is polled until it answers, and is killed (and its files removed) on
 * stop() or when this process exits. The binaries are Debian's (`.ci/run` installs them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import YAML from 'yaml';

/** The folder holding nx.json above this file (which is also where tools/run-ts.mjs's bundles live). */
function findRepositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no nx.json in ${from} or any folder above it`);
  }
}
export const repositoryRoot = findRepositoryRoot(__dirname);
/** The production scrape configuration; local instances reuse its global section and job definitions. */
export const DEPLOY_PROMETHEUS_CONFIG = join(repositoryRoot, 'deploy', 'prometheus', 'prometheus.yml');
export const DEPLOY_RULES = join(repositoryRoot, 'deploy', 'prometheus', 'driftwatch-rules.yml');
export const DEPLOY_ALERTMANAGER_CONFIG = join(repositoryRoot, 'deploy', 'alertmanager', 'alertmanager.yml');
/** The job of deploy/prometheus/prometheus.yml whose discovery `targets` replaces. */
export const NODE_JOB = 'node';

export interface PromBinaries {
  prometheus: string;
  nodeExporter: string;
  promtool: string;
}

export interface RunningNodeExporter {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** scrape and rule evaluation interval, a Prometheus duration such as "1s" */
  scrapeInterval: string;
  /** host:port addresses scraped by the `node` job */
  targets: string[];
  /** rule files, loaded as they are */
  rulesFiles?: string[];
  /** more `scrape_configs` entries, appended as they are */
  extraScrapeConfigs?: unknown[];
  /** host:port of Alertmanagers to send alerts to (none by default) */
  alertmanagers?: string[];
}

export interface RunningAlertmanager {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** the URL every webhook receiver of the deploy configuration posts to instead of its own */
  webhookUrl: string;
  /** group_wait and group_interval of every route, shortened so a test sees notifications in seconds */
  groupWait?: string;
  groupInterval?: string;
}

/** The first of `names` that is an executable file on the PATH, or undefined. */
export function findExecutable(names: readonly string[], path = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of path.split(delimiter).filter((d) => d !== '')) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}

/** Debian names node-exporter `prometheus-node-exporter`; upstream tarballs name it `node_exporter`. */
export function promBinaries(): PromBinaries | null {
  const prometheus = findExecutable(['prometheus']);
  const nodeExporter = findExecutable(['prometheus-node-exporter', 'node_exporter']);
  const promtool = findExecutable(['promtool']);
  return prometheus && nodeExporter && promtool ? { prometheus, nodeExporter, promtool } : null;
}

/** amtool (from Debian's prometheus-alertmanager), which checks Alertmanager configurations. */
export function amtoolBinary(): string | undefined {
  return findExecutable(['amtool']);
}

/** Alertmanager itself: Debian's `prometheus-alertmanager`, upstream's `alertmanager`. */
export function alertmanagerBinary(): string | undefined {
  return findExecutable(['prometheus-alertmanager', 'alertmanager']);
}

/** The line a test prints when it skips for want of the binaries; under CI=true it fails with it instead. */
export const MISSING_BINARIES =
  'prometheus, promtool, prometheus-node-exporter or prometheus-alertmanager is not on the PATH ' +
  '(apt-get install prometheus prometheus-node-exporter prometheus-alertmanager, as .ci/run does)';

/** Whether a test that needs the binaries must fail (CI) rather than skip when they are missing. */
export function binariesRequired(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * For tests: whether the binaries are installed. When they are not, throws under CI (a fresh clone must run these
 * tests) and otherwise prints MISSING_BINARIES once and answers false, so the caller can `describe.skip`.
 */
export function prometheusAvailableForTests(suite: string): boolean {
  if (promBinaries()) return true;
  if (binariesRequired()) throw new Error(`${suite}: ${MISSING_BINARIES}`);
  console.warn(`${suite}: skipped: ${MISSING_BINARIES}`);
  return false;
}

/** A port the kernel reports free on 127.0.0.1 right now (another process may still take it: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? done(port) : fail(new Error('no port from 127.0.0.1:0'))));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
/** SIGKILL whatever is still running when this process exits (a failed test must not leave daemons behind). */
function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lines kept from a child's output for error messages. */
const TAIL_CHARS = 4000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: () => boolean;
}

function startProcess(binary: string, args: string[]): Started {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let gone = false;
  child.once('exit', () => (gone = true));
  child.once('error', (e) => {
    gone = true;
    tail += `\n${e.message}`;
  });
  return { child, output: () => tail, exited: () => gone };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200; fails early with the child's output when the child exits. */
async function waitUntilAnswering(url: string, started: Started, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started.exited()) throw new StartError(`${what} exited before answering ${url}`, started.output());
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await terminate(started.child);
      throw new StartError(`${what} did not answer ${url} within ${timeoutMs} ms`, started.output());
    }
    await sleep(100);
  }
}

class StartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}; its output ends:\n${output.trim()}`);
  }
}

const PORT_TAKEN = /address already in use/i;
const START_ATTEMPTS = 4;

/**
 * Starts `args(port)` on a free port and waits for `readyPath`; retries on another port when the chosen one was
 * taken between the probe and the bind.
 */
async function startOnFreePort(
  binary: string,
  args: (port: number) => string[],
  readyPath: string,
  what: string,
  timeoutMs: number,
): Promise<{ started: Started; port: number; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = startProcess(binary, args(port));
    try {
      await waitUntilAnswering(url + readyPath, started, what, timeoutMs);
      return { started, port, url };
    } catch (e) {
      await terminate(started.child);
      if (attempt < START_ATTEMPTS && e instanceof StartError && PORT_TAKEN.test(e.output)) continue;
      throw e;
    }
  }
}

/**
 * Prometheus or Alertmanager in a temporary folder of its own, with `config` written there as YAML; ready once
 * `/-/ready` answers. The folder goes when the server stops or fails to start.
 */
async function startServer(
  binary: string,
  what: string,
  config: Record<string, unknown>,
  args: (dir: string, configFile: string, port: number) => string[],
): Promise<{ url: string; port: number; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `driftwatch-${what}-`));
  const removeFiles = () => rmSync(dir, { recursive: true, force: true });
  try {
    const configFile = join(dir, `${what}.yml`);
    writeFileSync(configFile, YAML.stringify(config));
    const { started, port, url } = await startOnFreePort(
      binary,
      (p) => args(dir, configFile, p),
      '/-/ready',
      what,
      READY_TIMEOUT_MS,
    );
    const stop = async () => {
      await terminate(started.child);
      removeFiles();
    };
    return { url, port, dir, stop };
  } catch (e) {
    removeFiles();
    throw e;
  }
}

function requireBinaries(): PromBinaries {
  const binaries = promBinaries();
  if (!binaries) throw new Error(MISSING_BINARIES);
  return binaries;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * node-exporter on a free loopback port. `collectors` names the only collectors to enable (e.g. ["cpu",
 * "loadavg"]); without it node-exporter's defaults run.
 */
export async function startNodeExporter(opts: { collectors?: string[] } = {}): Promise<RunningNodeExporter> {
  const { nodeExporter } = requireBinaries();
  const collectorArgs = opts.collectors
    ? ['--collector.disable-defaults', ...opts.collectors.map((c) => `--collector.${c}`)]
    : [];
  const { started, port, url } = await startOnFreePort(
    nodeExporter,
    (p) => [`--web.listen-address=127.0.0.1:${p}`, ...collectorArgs],
    '/metrics',
    'node-exporter',
    READY_TIMEOUT_MS,
  );
  return { url, port, stop: () => terminate(started.child) };
}

type ScrapeConfig = Record<string, unknown> & { job_name?: unknown };

/**
 * The configuration of a local Prometheus: deploy/prometheus/prometheus.yml's global section with the interval
 * replaced, its `node` job with service discovery replaced by `targets` (relabelling kept), `extraScrapeConfigs`
 * after it, and `rulesFiles`. The deploy file's other jobs and its alerting section point into a cluster and
 * are left out.
 */
export function localPrometheusConfig(deployConfig: string, opts: PrometheusOptions): Record<string, unknown> {
  const deploy = YAML.parse(deployConfig) as { global?: Record<string, unknown>; scrape_configs?: ScrapeConfig[] };
  const nodeJob = (deploy.scrape_configs ?? []).find((job) => job.job_name === NODE_JOB);
  if (!nodeJob) throw new Error(`deploy/prometheus/prometheus.yml has no scrape job named "${NODE_JOB}"`);
  const discovery = Object.keys(nodeJob).filter((k) => k.endsWith('_sd_configs') || k === 'static_configs');
  const localNodeJob: ScrapeConfig = Object.fromEntries(
    Object.entries(nodeJob).filter(([k]) => !discovery.includes(k)),
  );
  localNodeJob.static_configs = [{ targets: opts.targets }];
  return {
    global: {
      ...deploy.global,
      scrape_interval: opts.scrapeInterval,
      // a timeout above the interval is a configuration error
      scrape_timeout: opts.scrapeInterval,
      evaluation_interval: opts.scrapeInterval,
    },
    rule_files: (opts.rulesFiles ?? []).map((f) => resolve(f)),
    ...(opts.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers }] }] } }
      : {}),
    scrape_configs: [localNodeJob, ...(opts.extraScrapeConfigs ?? [])],
  };
}

type Route = Record<string, unknown> & { routes?: Route[] };
type Receiver = Record<string, unknown> & { webhook_configs?: Record<string, unknown>[] };

/**
 * deploy/alertmanager/alertmanager.yml with every webhook receiver posting to `webhookUrl` and every route's
 * group_wait and group_interval shortened (default 1s); routes, matchers, grouping and inhibit rules stay as
 * deployed.
 */
export function localAlertmanagerConfig(deployConfig: string, opts: AlertmanagerOptions): Record<string, unknown> {
  const config = YAML.parse(deployConfig) as { route?: Route; receivers?: Receiver[] } & Record<string, unknown>;
  const shorten = (route: Route): Route => ({
    ...route,
    group_wait: opts.groupWait ?? '1s',
    group_interval: opts.groupInterval ?? '1s',
    ...(route.routes ? { routes: route.routes.map(shorten) } : {}),
  });
  return {
    ...config,
    route: config.route && shorten(config.route),
    receivers: (config.receivers ?? []).map((r) =>
      r.webhook_configs ? { ...r, webhook_configs: r.webhook_configs.map((w) => ({ ...w, url: opts.webhookUrl })) } : r,
    ),
  };
}

/** Alertmanager on a free loopback port with clustering off (it would otherwise listen on 0.0.0.0:9094). */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const alertmanager = alertmanagerBinary();
  if (!alertmanager) throw new Error(MISSING_BINARIES);
  const config = localAlertmanagerConfig(readFileSync(DEPLOY_ALERTMANAGER_CONFIG, 'utf8'), opts);
  const { url, port, stop } = await startServer(alertmanager, 'alertmanager', config, (dir, configFile, p) => [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${p}`,
    '--cluster.listen-address=',
  ]);
  return { url, port, stop };
}

/** Prometheus on a free loopback port, its TSDB in a fresh folder under os.tmpdir(), waited for until ready. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const { prometheus } = requireBinaries();
  const config = localPrometheusConfig(readFileSync(DEPLOY_PROMETHEUS_CONFIG, 'utf8'), opts);
  const { url, port, dir, stop } = await startServer(prometheus, 'prometheus', config, (dataDir, configFile, p) => [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${p}`,
    '--storage.tsdb.retention.time=1d',
  ]);
  return { url, port, dataDir: dir, stop };
}

/** The `data` of a Prometheus HTTP API answer (`/api/v1/...`); throws with the API's error otherwise. */
export async function promApi<T>(baseUrl: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const url = `${baseUrl}${path}?${new URLSearchParams(params)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data?: T; error?: string; errorType?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.errorType ?? response.status}: ${body.error}`);
  return body.data as T;
}

/** Calls `probe` every `everyMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}
