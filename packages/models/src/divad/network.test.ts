import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import { divadLossTerms, divadParamSpecs, initialValues, type DivadArchitecture } from './network';

/**
 * Trainable parameters of Dense DIVAD, counted from docs/divad.md §3.1: two encoders (W·D → h → 2L), p(zd|d)
 * (n_d → h_d → 2L), decoder (2L → h → 2·W·D), classifier (L → n_d), and for GM K logits + K·L means +
 * K·L raw scales.
 */
function paramCount(a: {
  W: number;
  D: number;
  h: number;
  L: number;
  hd: number;
  nd: number;
  K: number;
  gm: boolean;
}): number {
  const dense = (i: number, o: number) => i * o + o;
  const encoder = dense(a.W * a.D, a.h) + dense(a.h, 2 * a.L);
  const prior = dense(a.nd, a.hd) + dense(a.hd, 2 * a.L);
  const decoder = dense(2 * a.L, a.h) + dense(a.h, 2 * a.W * a.D);
  const classifier = dense(a.L, a.nd);
  return 2 * encoder + prior + decoder + classifier + (a.gm ? a.K + 2 * a.K * a.L : 0);
}

const sizeOf = (a: DivadArchitecture) => divadParamSpecs(a).reduce((s, p) => s + p.shape.reduce((x, y) => x * y, 1), 0);

/**
 * Trainable parameters of Rec DIVAD with one Conv1D(f, k) and one GRU(u) per encoder (docs/divad.md §3.1, Keras
 * layouts): Conv1D k·C·f + f; GRU (reset_after) 3u·(in + u) + 2·3u; decoder GRU over the 2L code, then
 * Conv1DTranspose(2D, k) k·u·2D + 2D.
 */
function recParamCount(a: {
  D: number;
  f: number;
  k: number;
  u: number;
  L: number;
  hd: number;
  nd: number;
  K: number;
  gm: boolean;
}): number {
  const dense = (i: number, o: number) => i * o + o;
  const gru = (i: number, u: number) => 3 * u * (i + u) + 2 * 3 * u;
  const encoder = a.k * a.D * a.f + a.f + gru(a.f, a.u) + dense(a.u, 2 * a.L);
  const prior = dense(a.nd, a.hd) + dense(a.hd, 2 * a.L);
  const decoder = gru(2 * a.L, a.u) + a.k * a.u * 2 * a.D + 2 * a.D;
  return 2 * encoder + prior + decoder + dense(a.L, a.nd) + (a.gm ? a.K + 2 * a.K * a.L : 0);
}

describe('Rec DIVAD parameters', () => {
  it("the ASD configuration has docs/divad.md §3.6's 35,273 trainable parameters, counted by hand and built", () => {
    const asd = { D: 19, f: 32, k: 5, u: 32, L: 16, hd: 32, nd: 11, K: 8, gm: true };
    expect(recParamCount(asd)).toBe(35_273);
    const rec = { convFilters: [32], kernelSize: 5, stride: 1, gruUnits: [32] };
    const arch: DivadArchitecture = {
      variant: 'GM',
      windowLength: 20,
      featureCount: 19,
      hidden: [],
      rec,
      latentDim: 16,
      priorHidden: 32,
      domains: 11,
      components: 8,
    };
    expect(sizeOf(arch)).toBe(35_273);
    expect(sizeOf({ ...arch, variant: 'G' })).toBe(recParamCount({ ...asd, gm: false }));
    // another shape: the hand count follows it
    const other = {
      ...arch,
      featureCount: 7,
      domains: 3,
      latentDim: 4,
      rec: { ...rec, convFilters: [6], kernelSize: 3, gruUnits: [5] },
    };
    expect(sizeOf(other)).toBe(recParamCount({ D: 7, f: 6, k: 3, u: 5, L: 4, hd: 32, nd: 3, K: 8, gm: true }));
  });
});

describe('Dense DIVAD parameters', () => {
  const table = { W: 1, D: 237, h: 200, L: 16, hd: 64, nd: 22, K: 8 };
  const arch = (variant: 'G' | 'GM'): DivadArchitecture => ({
    variant,
    windowLength: 1,
    featureCount: 237,
    hidden: [200],
    latentDim: 16,
    priorHidden: 64,
    domains: 22,
    components: 8,
  });

  it('the count formula reproduces docs/divad.md §3.6: 214,128 (GM) and 213,864 (G)', () => {
    expect(paramCount({ ...table, gm: true })).toBe(214_128);
    expect(paramCount({ ...table, gm: false })).toBe(213_864);
  });

  it('the networks built here have exactly those counts', () => {
    expect(sizeOf(arch('GM'))).toBe(214_128);
    expect(sizeOf(arch('G'))).toBe(213_864);
    // and for the ASD shape (W = 20, D = 19, 11 servers)
    const asd: DivadArchitecture = { ...arch('GM'), windowLength: 20, featureCount: 19, domains: 11, priorHidden: 32 };
    expect(sizeOf(asd)).toBe(paramCount({ W: 20, D: 19, h: 200, L: 16, hd: 32, nd: 11, K: 8, gm: true }));
  });

  it(
    'initial values: Glorot-uniform kernels within ±√(6/(fan_in+fan_out)), zero biases and logits, N(0,1) GM ' +
      'means, seeded',
    () => {
      const specs = divadParamSpecs(arch('GM'));
      const v = initialValues(specs, 3);
      const k = v.get('enc_y/dense_0/kernel')!;
      const limit = Math.sqrt(6 / (237 + 200));
      const largest = k.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
      expect(largest).toBeLessThanOrEqual(limit);
      expect(largest).toBeGreaterThan(0.99 * limit);
      // uniform on ±limit: variance limit²/3
      const variance = k.reduce((s, x) => s + x * x, 0) / k.length;
      expect(variance / ((limit * limit) / 3)).toBeCloseTo(1, 1);
      expect(v.get('enc_y/dense_0/bias')!.every((x) => x === 0)).toBe(true);
      expect(v.get('prior_y/logits')!.every((x) => x === 0)).toBe(true);
      const m = v.get('prior_y/means')!;
      const mean = m.reduce((s, x) => s + x, 0) / m.length;
      expect(Math.abs(mean)).toBeLessThan(0.35);
      expect(initialValues(specs, 3).get('dec/head/kernel')).toEqual(v.get('dec/head/kernel'));
      expect(initialValues(specs, 4).get('dec/head/kernel')).not.toEqual(v.get('dec/head/kernel'));
    },
  );
});

/** Plain-JS Dense DIVAD loss for one example, written from docs/divad.md §3.1–3.2 */
function referenceLoss(
  a: DivadArchitecture,
  w: Map<string, Float32Array>,
  x: number[],
  d: number,
  eps: { zy: number[]; zd: number[]; klY: number[] },
  beta: number,
  alpha: number,
) {
  const L = a.latentDim;
  const layer = (name: string, input: number[], out: number, relu: boolean) => {
    const k = w.get(`${name}/kernel`)!;
    const b = w.get(`${name}/bias`)!;
    const y: number[] = [];
    for (let o = 0; o < out; o++) {
      let s = b[o];
      for (let i = 0; i < input.length; i++) s += input[i] * k[i * out + o];
      y.push(relu ? Math.max(0, s) : s);
    }
    return y;
  };
  const sp = (v: number) => 1e-4 + Math.log(1 + Math.exp(v));
  const head = (prefix: string, input: number[], hidden: number) => {
    const h = layer(`${prefix}/dense_0`, input, hidden, true);
    const o = layer(`${prefix}/head`, h, 2 * L, false);
    return { mu: o.slice(0, L), sigma: o.slice(L).map(sp) };
  };
  const logNormal = (v: number, m: number, s: number) =>
    -0.5 * Math.log(2 * Math.PI) - Math.log(s) - ((v - m) * (v - m)) / (2 * s * s);
  const qy = head('enc_y', x, a.hidden[0]);
  const qd = head('enc_d', x, a.hidden[0]);
  const zy = qy.mu.map((m, j) => m + qy.sigma[j] * eps.zy[j]);
  const zd = qd.mu.map((m, j) => m + qd.sigma[j] * eps.zd[j]);
  const h = layer('dec/dense_0', [...zy, ...zd], a.hidden[0], true);
  const D = a.featureCount;
  const out = layer('dec/head', h, 2 * a.windowLength * D, false);
  let nll = 0;
  for (let t = 0; t < a.windowLength; t++) {
    for (let j = 0; j < D; j++) nll -= logNormal(x[t * D + j], out[t * 2 * D + j], sp(out[t * 2 * D + D + j]));
  }
  const onehot = Array.from({ length: a.domains }, (_, i) => (i === d ? 1 : 0));
  const pd = head('prior_d', onehot, a.priorHidden);
  let klD = 0;
  for (let j = 0; j < L; j++) {
    klD +=
      Math.log(pd.sigma[j] / qd.sigma[j]) +
      (qd.sigma[j] ** 2 + (qd.mu[j] - pd.mu[j]) ** 2) / (2 * pd.sigma[j] ** 2) -
      0.5;
  }
  let klY = 0;
  if (a.variant === 'G') {
    for (let j = 0; j < L; j++) klY += 0.5 * (qy.mu[j] ** 2 + qy.sigma[j] ** 2 - 1 - Math.log(qy.sigma[j] ** 2));
  } else {
    const z2 = qy.mu.map((m, j) => m + qy.sigma[j] * eps.klY[j]);
    let logQ = 0;
    for (let j = 0; j < L; j++) logQ += logNormal(z2[j], qy.mu[j], qy.sigma[j]);
    const logits = Array.from(w.get('prior_y/logits')!);
    const z = logits.reduce((s, v) => s + Math.exp(v), 0);
    let p = 0;
    for (let k = 0; k < a.components; k++) {
      let dens = Math.exp(logits[k]) / z;
      for (let j = 0; j < L; j++)
        dens *= Math.exp(
          logNormal(z2[j], w.get('prior_y/means')![k * L + j], sp(w.get('prior_y/raw_scales')![k * L + j])),
        );
      p += dens;
    }
    klY = logQ - Math.log(p);
  }
  const logits = layer(
    'cls/head',
    zd.map((v) => Math.max(0, v)),
    a.domains,
    false,
  );
  const ce = -logits[d] + Math.log(logits.reduce((s, v) => s + Math.exp(v), 0));
  return { nll, klY, klD, ce, total: nll + beta * (klY + klD) + alpha * ce };
}

describe.each(['G', 'GM'] as const)(
  'divadLossTerms (%s) equals a plain-JS computation of docs/divad.md §3.2',
  (variant) => {
    beforeAll(async () => {
      await initBackend('cpu');
    });

    it('per example, with the same weights and reparameterisation noise', () => {
      const a: DivadArchitecture = {
        variant,
        windowLength: 2,
        featureCount: 3,
        hidden: [5],
        latentDim: 2,
        priorHidden: 4,
        domains: 3,
        components: 2,
      };
      const specs = divadParamSpecs(a);
      // random weights everywhere, biases included, scaled so that every term stays moderate
      const normal = normalSampler(mulberry32(21));
      const w = new Map(
        specs.map((s) => [
          s.name,
          Float32Array.from({ length: s.shape.reduce((p, q) => p * q, 1) }, () => 0.6 * normal()),
        ]),
      );
      const B = 4;
      const xs = Array.from({ length: B }, () => Array.from({ length: 6 }, () => normal()));
      const ds = [0, 2, 1, 2];
      const noise = {
        zy: xs.map(() => [normal(), normal()]),
        zd: xs.map(() => [normal(), normal()]),
        klY: xs.map(() => [normal(), normal()]),
      };
      const beta = 3;
      const alpha = 7;
      const got = tf.tidy(() => {
        const params = Object.fromEntries(specs.map((s) => [s.name, tf.tensor(w.get(s.name)!, s.shape)]));
        const t = divadLossTerms(
          params,
          a,
          tf.tensor2d(xs),
          tf.oneHot(tf.tensor1d(ds, 'int32'), 3).toFloat() as tf.Tensor2D,
          { zy: tf.tensor2d(noise.zy), zd: tf.tensor2d(noise.zd), klY: tf.tensor2d(noise.klY) },
          beta,
          alpha,
        );
        return [t.total, t.nll, t.klY, t.klD, t.ce].map((v) => Array.from(v.dataSync()));
      });
      for (let i = 0; i < B; i++) {
        const ref = referenceLoss(
          a,
          w,
          xs[i],
          ds[i],
          { zy: noise.zy[i], zd: noise.zd[i], klY: noise.klY[i] },
          beta,
          alpha,
        );
        const expected = [ref.total, ref.nll, ref.klY, ref.klD, ref.ce];
        expected.forEach((e, k) => expect(Math.abs(got[k][i] - e)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e))));
      }
    });
  },
);
