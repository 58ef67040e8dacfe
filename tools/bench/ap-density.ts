/**
 * What fitting DIVAD-GM's aggregated-posterior (AP) mixture to a subsample costs and changes (docs/divad.md §3.5).
 *
 *   npm run bench -- ap-density [--server omi-1] [--method dense-divad-gm] [--epochs 2] [--sizes 2500,5000,10000,20000]
 *     [--seeds 0,1,2] [--tol 1e-3,1e-4] [--means FILE] [--full FILE] [--fold-points all|N]
 *
 * Trains one ASD leave-one-server-out fold, its AP fitted to --fold-points posterior means (all: the old
 * behaviour), timing the fit and its density phase; then, on the posterior means of the training and validation
 * windows, holds out a fifth (seeded) and fits the mixture to the rest and to seeded subsamples of it. Per size: EM
 * seconds, the mean log-likelihood of the held-out points, and how the held-out log-densities differ from the full
 * fit's (Spearman ρ, max |Δ|). Only training-side points are used: no test data, no labels. --seeds: subsample (and
 * k-means) seeds; --tol: EM's stopping threshold; --means, --full: keep the trained fold's posterior means
 * (the full fit's held-out log-densities) in FILE and read them from there next time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveDataRoot } from '@driftwatch/ingest';
import { loadProtocolData, methodParams, makeDetector, trainingWindows } from '@driftwatch/experiments';
import {
  fitGaussianMixture,
  gaussianMixtureScore,
  initBackend,
  seededSubsample,
  type Divad,
  type DetectorId,
} from '@driftwatch/models';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'omi-1' },
    method: { type: 'string', default: 'dense-divad-gm' },
    epochs: { type: 'string', default: '2' },
    sizes: { type: 'string', default: '2500,5000,10000,20000' },
    backend: { type: 'string', default: 'auto' },
    seeds: { type: 'string', default: '0' },
    means: { type: 'string' },
    full: { type: 'string' },
    'fold-points': { type: 'string', default: 'all' },
    tol: { type: 'string', default: '1e-3' },
  },
});

/** ranks 1 … n, ties sharing their mean rank */
function ranks(x: Float64Array): Float64Array {
  const order = Array.from(x.keys()).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman ρ = Pearson correlation of the ranks */
function spearman(a: Float64Array, b: Float64Array): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) ** 2;
    sbb += (rb[i] - mean) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** The posterior means of one trained fold: read from --means when that file exists, else trained and written there. */
async function posteriorMeans(): Promise<{ all: Float64Array; L: number; K: number }> {
  if (values.means && existsSync(values.means)) {
    const saved = JSON.parse(readFileSync(values.means, 'utf8')) as { L: number; K: number; means: number[] };
    console.log(`posterior means from ${values.means}`);
    return { all: Float64Array.from(saved.means), L: saved.L, K: saved.K };
  }
  const backend = await initBackend(values.backend as 'auto');
  const dataRoot = resolveDataRoot({ env: process.env.DRIFTWATCH_DATA }).path;
  const data = await loadProtocolData({ protocol: 'loso', dataRoot, dataset: 'asd' });
  const fold = data.fold(values.server!);
  const method = values.method as DetectorId;
  const foldPoints = values['fold-points'] === 'all' ? Infinity : Number(values['fold-points']);
  const params = { ...methodParams(method, 'asd', {}, Number(values.epochs)), apFitPoints: foldPoints };
  const detector = makeDetector(method, params) as unknown as Divad;
  const windows = trainingWindows(fold.data, detector.windowLength);
  let densityStart = NaN;
  const t0 = performance.now();
  const report = await detector.fit(windows.train, {
    seed: 0,
    validation: windows.validation,
    onProgress: (p) => {
      if (p.phase === 'fit-density' && Number.isNaN(densityStart)) densityStart = performance.now();
    },
  });
  const foldSeconds = (performance.now() - t0) / 1000;
  const densitySeconds = (performance.now() - densityStart) / 1000;
  const L = detector.config.latentDim;
  const K = detector.config.apComponents;
  const parts = [await detector.posteriorMeans(windows.train), await detector.posteriorMeans(windows.validation)];
  const all = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  all.set(parts[0]);
  all.set(parts[1], parts[0].length);
  const n = all.length / L;
  console.log(`${backend.name}, ${method} on ASD without ${values.server}, ${report.epochs} epochs, ${n} means`);
  const share = `${((100 * densitySeconds) / foldSeconds).toFixed(1)} %`;
  console.log(
    `fold fit ${foldSeconds.toFixed(1)} s (AP fitted to ${values['fold-points']} means), of which the density ` +
      `phase (posterior means + EM) ${densitySeconds.toFixed(1)} s = ${share}`,
  );
  detector.dispose();
  if (values.means) writeFileSync(values.means, JSON.stringify({ L, K, means: Array.from(all) }));
  return { all, L, K };
}

async function main(): Promise<void> {
  const { all, L, K } = await posteriorMeans();
  const n = all.length / L;

  // a fifth of the means, seeded, never fitted: the yardstick of every size
  const heldRows = seededSubsample(n, Math.floor(n / 5), 1);
  const held = new Set(heldRows);
  const poolRows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !held.has(i));
  const gather = (rows: Int32Array) => {
    const out = new Float64Array(rows.length * L);
    rows.forEach((r, i) => out.set(all.subarray(r * L, r * L + L), i * L));
    return out;
  };
  const pool = gather(poolRows);
  const test = gather(heldRows);
  const fit = (maxPoints: number, seed = 0, tol = 1e-3) => {
    const t = performance.now();
    const gm = fitGaussianMixture(pool, poolRows.length, L, { components: K, seed, maxPoints, tol });
    const seconds = (performance.now() - t) / 1000;
    const logp = Float64Array.from({ length: heldRows.length }, (_, i) => gaussianMixtureScore(gm, test, i * L));
    return { gm, seconds, logp, meanLl: logp.reduce((s, v) => s + v, 0) / logp.length };
  };
  // the full fit is the slow part: --full keeps what the comparison needs of it
  const full =
    values.full && existsSync(values.full)
      ? (JSON.parse(readFileSync(values.full, 'utf8')) as {
          seconds: number;
          iterations: number;
          meanLl: number;
          logp: number[];
        })
      : (({ seconds, gm, meanLl, logp }) => ({ seconds, iterations: gm.iterations, meanLl, logp: Array.from(logp) }))(
          fit(Infinity),
        );
  if (values.full && !existsSync(values.full)) writeFileSync(values.full, JSON.stringify(full));
  const rows = [[`all ${poolRows.length}`, full.seconds, full.iterations, full.meanLl, 1, 0]];
  const list = (text: string) => text.split(',').map(Number);
  for (const m of list(values.sizes!))
    for (const seed of list(values.seeds!))
      for (const tol of list(values.tol!)) {
        const sub = fit(m, seed, tol);
        let maxAbs = 0;
        for (let i = 0; i < sub.logp.length; i++) maxAbs = Math.max(maxAbs, Math.abs(sub.logp[i] - full.logp[i]));
        const label = `${m}${seed !== 0 ? ` seed ${seed}` : ''}${tol !== 1e-3 ? ` tol ${tol}` : ''}`;
        const rho = spearman(sub.logp, Float64Array.from(full.logp));
        rows.push([label, sub.seconds, sub.gm.iterations, sub.meanLl, rho, maxAbs]);
      }
  console.log(`\nheld out: ${heldRows.length} means; K ${K}, L ${L}`);
  console.log('fitted on               EM s  iterations  held-out mean ln p  Spearman vs all  max |Δ ln p|');
  for (const [label, s, it, ll, rho, d] of rows)
    console.log(
      `${String(label).padEnd(20)}${(s as number).toFixed(2).padStart(8)}${String(it).padStart(12)}` +
        `${(ll as number).toFixed(4).padStart(20)}${(rho as number).toFixed(5).padStart(17)}` +
        `${(d as number).toFixed(3).padStart(14)}`,
    );
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
