import { mulberry32 } from '@driftwatch/contracts';
import { initBackend, tf } from '../backend';
import { forwardSteps, stDdaParamSpecs, stDdaStateSpecs, type StDdaArchitecture } from './network';
import { densified, sparseDependencyWeights, sparseProduct, topDependencyColumns } from './sparse-dependencies';

/** values U(−scale, scale) from a seed */
function uniform(length: number, seed: number, scale = 1): number[] {
  const u = mulberry32(seed);
  return Array.from({ length }, () => scale * (2 * u() - 1));
}

/**
 * The brute-force reference in float64: for each row the dense logits ℓ_ij = q_i·k_j/√d over j ≠ i, the k largest
 * kept, w = softmax over the kept, o_i = Σ_j w_ij V_j; and, for L = Σ c ⊙ o, the gradients through the masked
 * softmax (dℓ_ij = w_ij (g_ij − Σ_l w_il g_il), g_ij = c_i·V_j).
 */
function reference(q: number[], k: number[], V: number[], c: number[], B: number, N: number, d: number, kept: number) {
  const D = V.length / (B * N);
  const at = (a: number[], b: number, i: number, w: number) => (x: number) => a[(b * N + i) * w + x];
  const columns: number[][] = [];
  const weights: number[][] = [];
  const out = new Float64Array(B * N * D);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dV = new Float64Array(V.length);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < N; i++) {
      const qi = at(q, b, i, d);
      const logits: [number, number][] = [];
      for (let j = 0; j < N; j++) {
        if (j === i) continue;
        const kj = at(k, b, j, d);
        let dot = 0;
        for (let x = 0; x < d; x++) dot += qi(x) * kj(x);
        logits.push([j, dot / Math.sqrt(d)]);
      }
      const top = logits.sort((p, r) => r[1] - p[1]).slice(0, kept);
      const max = top[0][1];
      const e = top.map(([, l]) => Math.exp(l - max));
      const sum = e.reduce((s, v) => s + v, 0);
      const w = e.map((v) => v / sum);
      columns.push(top.map(([j]) => j));
      weights.push(w);
      const ci = at(c, b, i, D);
      const g = top.map(([j]) => {
        const Vj = at(V, b, j, D);
        let s = 0;
        for (let x = 0; x < D; x++) s += ci(x) * Vj(x);
        return s;
      });
      const mean = g.reduce((s, gj, n) => s + w[n] * gj, 0);
      top.forEach(([j], n) => {
        for (let x = 0; x < D; x++) {
          out[(b * N + i) * D + x] += w[n] * V[(b * N + j) * D + x];
          dV[(b * N + j) * D + x] += w[n] * ci(x);
        }
        const dl = (w[n] * (g[n] - mean)) / Math.sqrt(d);
        for (let x = 0; x < d; x++) {
          dq[(b * N + i) * d + x] += dl * k[(b * N + j) * d + x];
          dk[(b * N + j) * d + x] += dl * q[(b * N + i) * d + x];
        }
      });
    }
  }
  return { columns, weights, out, dq, dk, dV };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let n = 0; n < expected.length; n++)
    worst = Math.max(worst, Math.abs(actual[n] - expected[n]) / Math.max(1, Math.abs(expected[n])));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe.each(['wasm', 'cpu'] as const)('top-k sparse dependencies on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  const B = 2;
  const N = 9;
  const d = 4;
  const D = 3;
  const kept = 3;
  const q = uniform(B * N * d, 1, 1.5);
  const k = uniform(B * N * d, 2, 1.5);
  const V = uniform(B * N * D, 3);
  const c = uniform(B * N * D, 4);
  const ref = reference(q, k, V, c, B, N, d, kept);

  it('keeps, per row, the k largest logits over j ≠ i, strongest first, with the softmax over those only', () => {
    tf.tidy(() => {
      const qt = tf.tensor3d(q, [B, N, d]);
      const kt = tf.tensor3d(k, [B, N, d]);
      const columns = topDependencyColumns(qt, kt, kept);
      expect(columns.dtype).toBe('int32');
      expect(columns.shape).toEqual([B, N, kept]);
      const rows = columns.arraySync().flat();
      expect(rows).toEqual(ref.columns);
      expectClose(sparseDependencyWeights(qt, kt, columns).dataSync(), ref.weights.flat());
    });
  });

  it('gives Ã·V and the gradients in q, k and V of the dense softmax masked to the top k (float64 reference)', () => {
    tf.tidy(() => {
      const qt = tf.tensor3d(q, [B, N, d]);
      const kt = tf.tensor3d(k, [B, N, d]);
      const Vt = tf.tensor3d(V, [B, N, D]);
      const ct = tf.tensor3d(c, [B, N, D]);
      const sparse = (qv: tf.Tensor3D, kv: tf.Tensor3D, vv: tf.Tensor3D) => {
        const columns = topDependencyColumns(qv, kv, kept);
        return sparseProduct({ columns, weights: sparseDependencyWeights(qv, kv, columns) }, vv);
      };
      expectClose(sparse(qt, kt, Vt).dataSync(), ref.out);
      const [gq, gk, gV] = tf.grads((qv: tf.Tensor, kv: tf.Tensor, vv: tf.Tensor) =>
        sparse(qv as tf.Tensor3D, kv as tf.Tensor3D, vv as tf.Tensor3D)
          .mul(ct)
          .sum(),
      )([qt, kt, Vt]);
      expectClose(gq.dataSync(), ref.dq);
      expectClose(gk.dataSync(), ref.dk);
      expectClose(gV.dataSync(), ref.dV);

      // the same through tfjs's dense ops: softmax of the N × N logits with everything outside the top k at −1e9
      const mask = tf.tensor3d(
        Array.from({ length: B * N * N }, (_, n) => {
          const row = Math.floor(n / N);
          return ref.columns[row].includes(n % N) ? 0 : -1e9;
        }),
        [B, N, N],
      );
      const dense = (qv: tf.Tensor, kv: tf.Tensor, vv: tf.Tensor) =>
        tf
          .matMul(
            tf.softmax(
              tf
                .matMul(qv as tf.Tensor3D, kv as tf.Tensor3D, false, true)
                .div(Math.sqrt(d))
                .add(mask),
            ),
            vv,
          )
          .mul(ct)
          .sum();
      const denseGrads = tf.grads(dense)([qt, kt, Vt]);
      expectClose(gq.dataSync(), denseGrads[0].dataSync());
      expectClose(gk.dataSync(), denseGrads[1].dataSync());
      expectClose(gV.dataSync(), denseGrads[2].dataSync());
    });
  });

  it('densifies to w_ij at the kept columns and 0 elsewhere, rows summing to 1 with a zero diagonal', () => {
    tf.tidy(() => {
      const qt = tf.tensor3d(q, [B, N, d]);
      const kt = tf.tensor3d(k, [B, N, d]);
      const columns = topDependencyColumns(qt, kt, kept);
      const dense = densified({ columns, weights: sparseDependencyWeights(qt, kt, columns) }).dataSync();
      const expected = new Float64Array(B * N * N);
      ref.columns.forEach((cols, row) => cols.forEach((j, n) => (expected[row * N + j] = ref.weights[row][n])));
      expectClose(dense, expected);
    });
  });

  it('caps k at N − 1, where the top-k network is the dense one', () => {
    const a: StDdaArchitecture = {
      featureCount: 2,
      entityCount: 5,
      windowLength: 3,
      embeddingDim: 4,
      encoderHidden: 5,
      decoderHidden: 3,
      scales: [1, 2],
      attentionDim: 3,
      observed: false,
      dependencyTopK: null,
    };
    const u = mulberry32(7);
    tf.tidy(() => {
      const p = Object.fromEntries(
        [...stDdaParamSpecs(a), ...stDdaStateSpecs(a)].map((s) => [
          s.name,
          tf.tensor(
            Array.from({ length: s.shape.reduce((x, y) => x * y, 1) }, () => 1.8 * u() - 0.9),
            s.shape,
          ),
        ]),
      );
      const Bw = 2;
      const x = tf.tensor2d(uniform((Bw + a.windowLength - 1) * 5 * 2, 8, 2), [(Bw + a.windowLength - 1) * 5, 2]);
      const dense = forwardSteps(p, a, x, Bw).u.dataSync();
      // k = 4 = N − 1 keeps every other node; k = 40 is capped to it
      for (const topK of [4, 40])
        expectClose(forwardSteps(p, { ...a, dependencyTopK: topK }, x, Bw).u.dataSync(), dense);
      // k = 2 drops some: the embeddings differ
      const sparse = forwardSteps(p, { ...a, dependencyTopK: 2 }, x, Bw).u.dataSync();
      expect(Math.max(...Array.from(sparse, (v, n) => Math.abs(v - dense[n])))).toBeGreaterThan(1e-4);
    });
  });

  it('propagates through observed rows of neighbours exactly as through the dense norm(A_obs + I)', () => {
    const Nn = 4;
    const a: StDdaArchitecture = {
      featureCount: 2,
      entityCount: Nn,
      windowLength: 3,
      embeddingDim: 4,
      encoderHidden: 5,
      decoderHidden: 3,
      scales: [2],
      attentionDim: 3,
      observed: true,
      dependencyTopK: 2,
    };
    const u = mulberry32(9);
    // window 0: 0 ↔ 1 and 2 → 3 (row-normalised with self-loops); window 1: only self-loops
    const rows = {
      width: 3,
      columns: Int32Array.from([0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 3, 3, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
      weights: Float32Array.from([0.5, 0.5, 0, 0.5, 0.5, 0, 0.5, 0.5, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]),
    };
    const dense = new Float32Array(2 * Nn * Nn);
    for (let r = 0; r < 2 * Nn; r++)
      for (let e = 0; e < 3; e++) dense[r * Nn + rows.columns[r * 3 + e]] += rows.weights[r * 3 + e];
    tf.tidy(() => {
      const p = Object.fromEntries(
        [...stDdaParamSpecs(a), ...stDdaStateSpecs(a)].map((s) => [
          s.name,
          tf.tensor(
            Array.from({ length: s.shape.reduce((x, y) => x * y, 1) }, () => 1.8 * u() - 0.9),
            s.shape,
          ),
        ]),
      );
      const x = tf.tensor2d(uniform(4 * Nn * 2, 10, 2), [4 * Nn, 2]);
      const viaDense = forwardSteps(p, a, x, 2, tf.tensor3d(dense, [2, Nn, Nn])).u.dataSync();
      const viaRows = forwardSteps(p, a, x, 2, {
        columns: tf.tensor3d(rows.columns, [2, Nn, 3], 'int32'),
        weights: tf.tensor3d(rows.weights, [2, Nn, 3]),
      }).u.dataSync();
      expectClose(viaRows, viaDense);
    });
  });
});
