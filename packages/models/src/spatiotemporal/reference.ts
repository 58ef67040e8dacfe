/**
 * Test-only plain-JavaScript st-dda, written from the equations of docs/spatiotemporal.md §1 (one loop per
 * sum, float64, no tfjs, one window at a time) so that tests can check network.ts and st-dda.ts against
 * it. Matrices are number[][]; weights come by name in the package's row-vector layout (x·K, K [in, out]).
 */

export type RefWeights = ReadonlyMap<string, { shape: readonly number[]; values: ArrayLike<number> }>;

export interface RefSettings {
  /** K per temporal aggregator */
  scales: readonly number[];
  /** reference of the latent score */
  reference?: 'node' | 'system';
}

export interface RefWindow {
  /** per scale s and entity i: Σ_τ α^s_τ h_i(t − τ) */
  perScale: number[][][];
  hTilde: number[][];
  /** Ã, zero diagonal */
  learned: number[][];
  lambda: number;
  /** A = λ·O + (1 − λ)(Ã + I)/2 */
  combined: number[][];
  z: number[][];
  u: number[][];
  /** dec(u_i): the forecast of the next step */
  forecast: number[][];
}

const relu = (v: number) => Math.max(0, v);

function weight(w: RefWeights, name: string): { shape: readonly number[]; values: ArrayLike<number> } {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no weight ${name}`);
  return t;
}

/** y_o = b_o + Σ_k x_k·K[k, o] (no bias when `bias` is absent) */
export function refLinear(x: readonly number[], w: RefWeights, kernel: string, bias?: string): number[] {
  const K = weight(w, kernel);
  const [rows, cols] = K.shape;
  if (x.length !== rows) throw new Error(`reference: ${kernel} takes ${rows} inputs, got ${x.length}`);
  const b = bias ? weight(w, bias).values : undefined;
  const y: number[] = [];
  for (let o = 0; o < cols; o++) {
    let s = b ? b[o] : 0;
    for (let k = 0; k < rows; k++) s += x[k] * K.values[k * cols + o];
    y.push(s);
  }
  return y;
}

/** a two-layer MLP `prefix/dense_0` (ReLU) → `prefix/head` */
function refMlp(x: readonly number[], w: RefWeights, prefix: string): number[] {
  const hidden = refLinear(x, w, `${prefix}/dense_0/kernel`, `${prefix}/dense_0/bias`).map(relu);
  return refLinear(hidden, w, `${prefix}/head/kernel`, `${prefix}/head/bias`);
}

function softmax(v: readonly number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const z = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / z);
}

/**
 * One window: `x[w][i][f]` for w = 0 … W − 1 (the last is step t), already standardised; `observed` is
 * norm(A_obs + I) or undefined (graph 'none', λ = 0).
 */
export function refWindow(w: RefWeights, settings: RefSettings, x: number[][][], observed?: number[][]): RefWindow {
  const W = x.length;
  const N = x[0].length;
  // 1. h_i(step) = f_θ(x_i(step))
  const h = x.map((step) => step.map((xi) => refMlp(xi, w, 'encoder')));
  const D = h[0][0].length;
  // 2. h̃ˢ_i = Σ_{τ=0..K} softmax(a_s)_τ · h_i(t − τ), then concat·P + p (S > 1)
  const perScale = settings.scales.map((K, s) => {
    const alpha = softmax(Array.from(weight(w, `temporal/scale_${s}/logits`).values));
    if (alpha.length !== K + 1) throw new Error(`reference: scale ${s} has ${alpha.length} logits, K = ${K}`);
    return Array.from({ length: N }, (_, i) =>
      Array.from({ length: D }, (_, d) => alpha.reduce((acc, a, tau) => acc + a * h[W - 1 - tau][i][d], 0)),
    );
  });
  const hTilde =
    perScale.length === 1
      ? perScale[0]
      : Array.from({ length: N }, (_, i) =>
          refLinear(
            perScale.flatMap((ps) => ps[i]),
            w,
            'temporal/projection/head/kernel',
            'temporal/projection/head/bias',
          ),
        );
  // 3. Ã_ij = exp(g_ij)/Σ_{k≠i} exp(g_ik), g_ij = (h̃_i·W_q)·(h̃_j·W_k)/√d
  const q = hTilde.map((v) => refLinear(v, w, 'dependency/query/kernel'));
  const k = hTilde.map((v) => refLinear(v, w, 'dependency/key/kernel'));
  const dk = q[0].length;
  const learned = q.map((qi, i) => {
    const g = k.map((kj) => qi.reduce((s, a, d) => s + a * kj[d], 0) / Math.sqrt(dk));
    const others = g.filter((_, j) => j !== i);
    const m = Math.max(...others);
    const z = others.reduce((s, v) => s + Math.exp(v - m), 0);
    return g.map((v, j) => (j === i ? 0 : Math.exp(v - m) / z));
  });
  // 4. A = λ·O + (1 − λ)(Ã + I)/2, λ = sigmoid(l); z_i = ReLU(Σ_j A_ij·(h̃_j·W_s))
  const lambda = observed ? 1 / (1 + Math.exp(-weight(w, 'mixing/logit').values[0])) : 0;
  const combined = learned.map((row, i) =>
    row.map((a, j) => (observed ? lambda * observed[i][j] : 0) + ((1 - lambda) * (a + (i === j ? 1 : 0))) / 2),
  );
  const V = hTilde.map((v) => refLinear(v, w, 'propagation/kernel'));
  const z = combined.map((row) =>
    Array.from({ length: D }, (_, d) => relu(row.reduce((s, a, j) => s + a * V[j][d], 0))),
  );
  // 5. u_i = h̃_i·W_t + z_i·W_g
  const u = hTilde.map((v, i) => {
    const a = refLinear(v, w, 'joint/temporal/kernel');
    const b = refLinear(z[i], w, 'joint/graph/kernel');
    return a.map((x, d) => x + b[d]);
  });
  return { perScale, hTilde, learned, lambda, combined, z, u, forecast: u.map((ui) => refMlp(ui, w, 'decoder')) };
}

/** s_i = ‖u_i − c_i‖² (node, c from the weights' `centre`) or ‖u_i − mean_j u_j‖² (system) */
export function refLatentScores(w: RefWeights, u: number[][], reference: 'node' | 'system'): number[] {
  const D = u[0].length;
  const centre = weight(w, 'centre').values;
  const mean = Array.from({ length: D }, (_, d) => u.reduce((s, ui) => s + ui[d], 0) / u.length);
  return u.map((ui, i) =>
    ui.reduce((s, v, d) => s + (v - (reference === 'node' ? centre[i * D + d] : mean[d])) ** 2, 0),
  );
}
