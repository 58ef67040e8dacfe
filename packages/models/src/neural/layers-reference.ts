/**
 * Plain-JS brute-force versions of the sequence layers and the Figure 16 networks, written from the Keras
 * definitions (one loop per sum, float64, no tfjs), for tests to check layers.ts, recurrent-net.ts and the
 * detectors built on them. A sequence is number[][] indexed [time][channel]; parameters use the Keras layouts.
 */

export interface RefTensor {
  shape: readonly number[];
  values: ArrayLike<number>;
}

export type RefParams = ReadonlyMap<string, RefTensor>;

export interface RefArchitecture {
  convFilters: number[];
  kernelSize: number;
  stride: number;
  gruUnits: number[];
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const act = (v: number, relu: boolean) => (relu ? Math.max(0, v) : v);

/** Keras/TF 'same': ⌈T/s⌉ outputs, total padding max(0, (out − 1)·s + k − T), ⌊total/2⌋ of it before. */
export function samePadding(length: number, kernelSize: number, stride: number): { out: number; before: number } {
  const out = Math.ceil(length / stride);
  const total = Math.max(0, (out - 1) * stride + kernelSize - length);
  return { out, before: Math.floor(total / 2) };
}

/**
 * y[t][f] = act(b[f] + Σ_{j,c} x[t·s + j − before][c]·K[j, c, f]), out-of-range positions are zeros; K [k, in, filters]
 */
export function refConv1d(
  x: number[][],
  kernel: RefTensor,
  bias: RefTensor | undefined,
  stride: number,
  relu: boolean,
): number[][] {
  const [k, cin, filters] = kernel.shape;
  const { out, before } = samePadding(x.length, k, stride);
  const y: number[][] = [];
  for (let t = 0; t < out; t++) {
    const row: number[] = [];
    for (let f = 0; f < filters; f++) {
      let s = bias ? bias.values[f] : 0;
      for (let j = 0; j < k; j++) {
        const src = t * stride + j - before;
        if (src < 0 || src >= x.length) continue;
        for (let c = 0; c < cin; c++) s += x[src][c] * kernel.values[(j * cin + c) * filters + f];
      }
      row.push(act(s, relu));
    }
    y.push(row);
  }
  return y;
}

/**
 * The transpose of refConv1d on an output of T·s positions (TF conv1d_transpose 'same'): every input
 * position t scatters x[t]·K[j] to t·s + j − before, with before = ⌊max(0, k − s)/2⌋ (the forward conv's
 * padding for T·s → T); K [k, filters, in].
 */
export function refConv1dTranspose(
  x: number[][],
  kernel: RefTensor,
  bias: RefTensor | undefined,
  stride: number,
  relu: boolean,
): number[][] {
  const [k, filters, cin] = kernel.shape;
  const length = x.length * stride;
  const { before } = samePadding(length, k, stride);
  const y = Array.from({ length }, () => Array.from({ length: filters }, (_, f) => (bias ? bias.values[f] : 0)));
  for (let t = 0; t < x.length; t++) {
    for (let j = 0; j < k; j++) {
      const dst = t * stride + j - before;
      if (dst < 0 || dst >= length) continue;
      for (let f = 0; f < filters; f++)
        for (let c = 0; c < cin; c++) y[dst][f] += x[t][c] * kernel.values[(j * filters + f) * cin + c];
    }
  }
  return y.map((row) => row.map((v) => act(v, relu)));
}

/** Σ_i v[i]·M[i, col] for a row-major matrix M with `cols` columns */
function dotColumn(v: ArrayLike<number>, m: ArrayLike<number>, cols: number, col: number): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * m[i * cols + col];
  return s;
}

/**
 * Keras GRU(reset_after = true) from h = 0, gates in column blocks z, r, h̃ of the kernels; b is the input
 * bias (Keras bias row 0), c the recurrent bias (row 1): z = σ(x·W_z + b_z + h·U_z + c_z), r likewise,
 * h̃ = tanh(x·W_h + b_h + r ⊙ (h·U_h + c_h)), h′ = z ⊙ h + (1 − z) ⊙ h̃. Returns every state.
 */
export function refGru(
  x: number[][],
  kernel: RefTensor,
  recurrent: RefTensor,
  inputBias?: RefTensor,
  recurrentBias?: RefTensor,
): number[][] {
  const units = recurrent.shape[0];
  const cols = 3 * units;
  let h: number[] = new Array(units).fill(0);
  const states: number[][] = [];
  for (const xt of x) {
    const next: number[] = [];
    for (let j = 0; j < units; j++) {
      const pre = (gate: number) => {
        const col = gate * units + j;
        const xIn = dotColumn(xt, kernel.values, cols, col) + (inputBias ? inputBias.values[col] : 0);
        const hIn = dotColumn(h, recurrent.values, cols, col) + (recurrentBias ? recurrentBias.values[col] : 0);
        return [xIn, hIn];
      };
      const [xz, hz] = pre(0);
      const [xr, hr] = pre(1);
      const [xh, hh] = pre(2);
      const z = sigmoid(xz + hz);
      const r = sigmoid(xr + hr);
      const candidate = Math.tanh(xh + r * hh);
      next.push(z * h[j] + (1 - z) * candidate);
    }
    h = next;
    states.push(h);
  }
  return states;
}

/**
 * Keras LSTM from h = c = 0, gates in column blocks i, f, c̃, o: c′ = σ(f)·c + σ(i)·tanh(c̃), h′ = σ(o)·tanh(c′).
 * Returns every h.
 */
export function refLstm(x: number[][], kernel: RefTensor, recurrent: RefTensor, bias: RefTensor): number[][] {
  const units = recurrent.shape[0];
  const cols = 4 * units;
  let h: number[] = new Array(units).fill(0);
  let c: number[] = new Array(units).fill(0);
  const states: number[][] = [];
  for (const xt of x) {
    const gate = (g: number, j: number) => {
      const col = g * units + j;
      return dotColumn(xt, kernel.values, cols, col) + dotColumn(h, recurrent.values, cols, col) + bias.values[col];
    };
    const nextC = c.map((cj, j) => sigmoid(gate(1, j)) * cj + sigmoid(gate(0, j)) * Math.tanh(gate(2, j)));
    h = nextC.map((cj, j) => sigmoid(gate(3, j)) * Math.tanh(cj));
    c = nextC;
    states.push(h);
  }
  return states;
}

/** y = act(x·K + b); K [in, out] */
export function refDense(
  x: ArrayLike<number>,
  kernel: RefTensor,
  bias: RefTensor | undefined,
  relu: boolean,
): number[] {
  const out = kernel.shape[1];
  return Array.from({ length: out }, (_, o) =>
    act(dotColumn(x, kernel.values, out, o) + (bias ? bias.values[o] : 0), relu),
  );
}

/** n copies of v as a sequence */
export function refRepeat(v: readonly number[], n: number): number[][] {
  return Array.from({ length: n }, () => [...v]);
}

/** keeps `length` positions, ⌊excess/2⌋ dropped at the start and ⌈excess/2⌉ at the end */
export function refCrop(x: number[][], length: number): number[][] {
  const start = Math.floor((x.length - length) / 2);
  return x.slice(start, start + length);
}

function param(p: RefParams, name: string): RefTensor {
  const v = p.get(name);
  if (!v) throw new Error(`reference: no parameter ${name}`);
  return v;
}

/** the GRU layer `name` of a parameter map (biases `name/input_bias`, `name/recurrent_bias` when present) */
export function refGruLayer(p: RefParams, name: string, x: number[][]): number[][] {
  return refGru(
    x,
    param(p, `${name}/kernel`),
    param(p, `${name}/recurrent_kernel`),
    p.get(`${name}/input_bias`),
    p.get(`${name}/recurrent_bias`),
  );
}

/**
 * Figure 16 encoder of one window (record-major W·D values): the convs (ReLU), the GRUs, the head on the last state.
 */
export function refRecEncode(
  p: RefParams,
  prefix: string,
  a: RefArchitecture,
  windowLength: number,
  window: ArrayLike<number>,
  reluHead: boolean,
): number[] {
  const D = window.length / windowLength;
  let h: number[][] = Array.from({ length: windowLength }, (_, t) =>
    Array.from({ length: D }, (_, j) => window[t * D + j]),
  );
  a.convFilters.forEach((_, i) => {
    h = refConv1d(h, param(p, `${prefix}/conv_${i}/kernel`), p.get(`${prefix}/conv_${i}/bias`), a.stride, true);
  });
  a.gruUnits.forEach((_, i) => {
    h = refGruLayer(p, `${prefix}/gru_${i}`, h);
  });
  return refDense(h[h.length - 1], param(p, `${prefix}/head/kernel`), p.get(`${prefix}/head/bias`), reluHead);
}

/**
 * Figure 16 decoder of one code: repeat to W′, the GRUs, the transposed convs (last linear), crop to W; [W][channels]
 */
export function refRecDecode(
  p: RefParams,
  prefix: string,
  a: RefArchitecture,
  windowLength: number,
  code: readonly number[],
): number[][] {
  let encoded = windowLength;
  for (let i = 0; i < a.convFilters.length; i++) encoded = Math.ceil(encoded / a.stride);
  let h = refRepeat(code, encoded);
  a.gruUnits.forEach((_, i) => {
    h = refGruLayer(p, `${prefix}/gru_${i}`, h);
  });
  const convs = a.convFilters.length;
  for (let i = 0; i < convs; i++) {
    h = refConv1dTranspose(
      h,
      param(p, `${prefix}/deconv_${i}/kernel`),
      p.get(`${prefix}/deconv_${i}/bias`),
      a.stride,
      i < convs - 1,
    );
  }
  return refCrop(h, windowLength);
}
