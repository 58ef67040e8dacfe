// npm run bench -- serve [--entities N] [--features F] [--rounds R] [--window W] [--methods a,b] [--state]
//                         [--rec-windows K] [--out DIR]
//
// Live scoring throughput of `driftwatch serve`: a fake Prometheus in a child process (so its work is not counted)
// serves N entities × F gauges on loopback; one ServeLoop (one JS thread) runs R rounds, each asking the newest
// record of every feature (the first round fills the first window), scoring, explaining and publishing. Reports per
// method: the scoring lag per round (from the evaluation time to the published scores: the round's wall time,
// Prometheus's answer included), the serve process's CPU seconds per round, entity-features scored per CPU second
// (what one core sustains), and heap + array buffers per entity after a forced GC (the state of every entity: ring
// of W rows, counter predecessors, smoothing, alarm, 120 points of history). --state also writes the checkpoint
// every round. --rec-windows K times Rec DIVAD-GM's scoreWindows on K windows, to state how many entities one
// round can hold. Default: 1,000 entities × 20 features, 4 rounds (under a minute); the target is
// --entities 10000 (every 15 s, lag < 5 s).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { packedWindowSet } from '@driftwatch/contracts';
import { isDeepMethod, makeDetector, trainOnInput } from '@driftwatch/experiments';
import { initBackend, type DetectorId } from '@driftwatch/models';
import { ServeLoop, loadServeModel } from '@driftwatch/serve';

const INTERVAL_MS = 15_000;

// a GC on demand, so the memory per entity is live state rather than the garbage of the last JSON answer
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveBytes = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const T0 = 113_333_334 * INTERVAL_MS;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const featureName = (f: number) => `f${String(f).padStart(2, '0')}`;

/** x_{e,f}(t) = sin(t/25 + e mod 7 + 0.4 f) + 0.2·sin(1.7 t + f) + 0.05 f: every feature moves with a shared wave. */
const SIGNAL = 'Math.sin(t / 25 + (e % 7) + 0.4 * f) + 0.2 * Math.sin(1.7 * t + f) + 0.05 * f';
const signal = new Function('e', 'f', 't', `return ${SIGNAL};`) as (e: number, f: number, t: number) => number;

/** The child: query_range for query `fNN` → one series per entity at every step of the range. */
const CHILD = `
const http = require('node:http');
const [N, T0, IV] = process.argv.slice(1).map(Number);
const signal = (e, f, t) => ${SIGNAL};
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const p = new URLSearchParams(body);
    const f = Number(p.get('query').slice(1));
    const times = [];
    const s = Number(p.get('start') ?? p.get('time')) * 1000, end = Number(p.get('end') ?? p.get('time')) * 1000;
    for (let t = s; t <= end; t += IV) times.push(t);
    const parts = [];
    for (let e = 0; e < N; e++) {
      const values = times.map((t) => '[' + t / 1000 + ',"' + signal(e, f, (t - T0) / IV).toFixed(5) + '"]');
      const metric = '{"__name__":"f' + String(f).padStart(2, '0') + '","instance":"host-' + e + ':9100"}';
      parts.push(req.url.includes('query_range')
        ? '{"metric":' + metric + ',"values":[' + values.join(',') + ']}'
        : '{"metric":' + metric + ',"value":' + values[0] + '}');
    }
    const type = req.url.includes('query_range') ? 'matrix' : 'vector';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"success","data":{"resultType":"' + type + '","result":[' + parts.join(',') + ']}}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startChild(entities: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', CHILD, String(entities), String(T0), String(INTERVAL_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) => child.stdout.once('data', (c) => resolve(String(c).trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Trains on 4 entities × 400 records of the same signal plus noise. */
async function train(dir: string, method: DetectorId, F: number, W: number | undefined): Promise<string> {
  let seed = 3;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.1;
  const result = [];
  for (let e = 0; e < 4; e++)
    for (let f = 0; f < F; f++)
      result.push({
        metric: { __name__: featureName(f), instance: `train-${e}` },
        values: Array.from({ length: 400 }, (_, t) => [
          (T0 - (400 - t) * INTERVAL_MS) / 1000,
          String(signal(e, f, t) + noise()),
        ]),
      });
  const input = join(dir, `train-${method}.json`);
  writeFileSync(input, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
  const out = join(dir, method);
  await trainOnInput({
    inputs: [input],
    mapping: {},
    domain: 'none',
    range: { kind: 'all' },
    counters: 'none',
    selector: 'pot-1e-3',
    scorePosition: 'last',
    method,
    params: { ...(isDeepMethod(method) ? { epochs: 2 } : {}), ...(W ? { windowLength: W } : {}) },
    seed: 0,
    out,
  });
  return out;
}

interface Row {
  method: string;
  entities: number;
  features: number;
  windowLength: number;
  rounds: number;
  lagMedianS: number;
  lagMaxS: number;
  cpuPerRoundS: number;
  /** per CPU second of the serve process */
  entityFeaturesPerCpuS: number;
  checkpoint: boolean;
  kbPerEntity: number;
}

interface BenchOptions {
  N: number;
  F: number;
  rounds: number;
  window?: number;
  state: boolean;
  url: string;
}

async function benchMethod(dir: string, method: DetectorId, o: BenchOptions): Promise<Row> {
  const { N, F, rounds, url } = o;
  const model = await loadServeModel(await train(dir, method, F, o.window));
  const W = model.detector.windowLength;
  let now = T0 + (W - 1) * INTERVAL_MS + 500;
  const before = liveBytes();
  const loop = new ServeLoop({
    model,
    prometheus: url,
    clock: () => now,
    ...(o.state ? { statePath: join(dir, `${method}-state.json`) } : {}),
    config: {
      entityLabel: 'instance',
      intervalMs: INTERVAL_MS,
      forMs: 0,
      timeoutMs: 60_000,
      catchUpMs: 300_000,
      features: Object.fromEntries(Array.from({ length: F }, (_, f) => [featureName(f), featureName(f)])),
    },
  });
  const first = await loop.round();
  if (!first.ok) throw new Error(first.error);
  const lags: number[] = [];
  let cpu = 0;
  for (let r = 0; r < rounds; r++) {
    now += INTERVAL_MS;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await loop.round();
    lags.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1e6;
    if (!result.ok || result.scored.length !== N)
      throw new Error(`round ${r}: ${result.error ?? result.scored.length}`);
  }
  const grown = liveBytes() - before;
  model.detector.dispose();
  lags.sort((a, b) => a - b);
  return {
    method,
    entities: N,
    features: F,
    windowLength: W,
    rounds,
    lagMedianS: lags[lags.length >> 1],
    lagMaxS: lags[lags.length - 1],
    cpuPerRoundS: cpu / rounds,
    entityFeaturesPerCpuS: (N * F * rounds) / cpu,
    checkpoint: o.state,
    kbPerEntity: grown / N / 1024,
  };
}

/** Rec DIVAD-GM's window throughput (untrained weights score as fast as trained ones). */
async function recWindowsPerSecond(F: number, K: number): Promise<{ W: number; perS: number }> {
  const det = makeDetector('rec-divad-gm', {});
  const W = det.windowLength;
  const train = packedWindowSet(
    Float32Array.from({ length: 64 * W * F }, (_, i) => Math.sin(i)),
    W,
    F,
  );
  await det.fit(train, { seed: 0, epochs: 1 });
  const set = packedWindowSet(
    Float32Array.from({ length: K * W * F }, (_, i) => Math.sin(i / 7)),
    W,
    F,
  );
  const t0 = performance.now();
  await det.scoreWindows(set);
  const perS = K / ((performance.now() - t0) / 1000);
  det.dispose();
  return { W, perS };
}

async function main() {
  const N = Number(flag('entities', '1000'));
  const F = Number(flag('features', '20'));
  const rounds = Number(flag('rounds', '4'));
  const methods = flag('methods', 'mahalanobis,dense-divad-gm').split(',') as DetectorId[];
  const recWindows = Number(flag('rec-windows', '0'));
  const window = process.argv.includes('--window') ? Number(flag('window', '0')) : undefined;
  const state = process.argv.includes('--state');
  const outDir = flag('out', 'bench-results/serve');
  const backend = await initBackend('auto');
  const dir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
  const child = await startChild(N);
  const rows: Row[] = [];
  try {
    for (const method of methods) {
      const row = await benchMethod(dir, method, { N, F, rounds, window, state, url: child.url });
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    let rec: { W: number; perS: number } | undefined;
    if (recWindows > 0) {
      rec = await recWindowsPerSecond(F, recWindows);
      console.log(
        `rec-divad-gm: ${rec.perS.toFixed(0)} windows/s (W = ${rec.W}, F = ${F}): at most ` +
          `${Math.floor(rec.perS * 15)} entities per 15 s round on scoring alone`,
      );
    }
    console.log(
      `\n${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), node ${process.version}, tfjs ${backend.name}`,
    );
    console.log(
      '| method | entities × features | W | checkpoint | lag median (s) | lag max (s) | CPU s / round | ' +
        'entity-features / CPU s | KiB / entity |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.method} | ${r.entities} × ${r.features} | ${r.windowLength} | ${r.checkpoint ? 'yes' : 'no'} | ` +
          `${r.lagMedianS.toFixed(2)} | ${r.lagMaxS.toFixed(2)} | ${r.cpuPerRoundS.toFixed(2)} | ` +
          `${Math.round(r.entityFeaturesPerCpuS)} | ${r.kbPerEntity.toFixed(1)} |`,
      );
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `serve-${N}x${F}.json`), JSON.stringify({ rows, rec }, null, 2) + '\n');
  } finally {
    child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
