import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@driftwatch/contracts';
import { initBackend } from '../backend';
import {
  conv1d,
  conv1dSpecs,
  conv1dTranspose,
  conv1dTransposeSpecs,
  cropToLength,
  GRU_BATCH_MAJOR_ROWS,
  gru,
  gruRepeated,
  gruSpecs,
  lstm,
  lstmSpecs,
  repeatVector,
} from './layers';
import {
  refConv1d,
  refConv1dTranspose,
  refCrop,
  refGru,
  refGruLayer,
  refLstm,
  refRecDecode,
  refRecEncode,
  refRepeat,
  type RefParams,
  type RefTensor,
} from './layers-reference';
import { initialValues, type NamedParams, type ParamSpec } from './params';
import {
  encodedLength,
  recDecode,
  recDecoderSpecs,
  recEncode,
  recEncodeState,
  recEncoderSpecs,
  type RecArchitecture,
} from './recurrent-net';

/** values uniform in ±scale, rounded to float32 so that tfjs and the float64 reference see the same numbers */
function randomTensor(shape: number[], seed: number, scale = 0.5): RefTensor {
  const u = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => (2 * u() - 1) * scale) };
}

/** random values for every spec (biases included, so that their wiring is checked too) */
function randomParams(specs: readonly ParamSpec[], seed: number): Map<string, RefTensor> {
  return new Map(specs.map((s, i) => [s.name, randomTensor(s.shape, seed + 17 * i)]));
}

function named(p: RefParams): NamedParams {
  return Object.fromEntries([...p].map(([name, v]) => [name, tf.tensor(v.values as Float32Array, [...v.shape])]));
}

/** [B][T][C] sequences from a [B, T, C] RefTensor */
function sequences(x: RefTensor): number[][][] {
  const [B, T, C] = x.shape;
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, t) => Array.from({ length: C }, (_, c) => x.values[(b * T + t) * C + c])),
  );
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    if (!(err <= worst) || at < 0) [worst, at] = [err, i];
  }
  if (!(worst <= tol))
    throw new Error(`${what} differs at ${at}: ${actual[at]} vs ${expected[at]} (relative error ${worst} > ${tol})`);
}

const flat = (a: number[][][] | number[][]): number[] => (a as unknown[]).flat(2) as number[];
/** float32 arithmetic against float64: relative error ≤ 1e-5 */
const TOL = 1e-5;

describe.each(['wasm', 'cpu'] as const)('sequence layers on %s against plain-JS brute force', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([
    [7, 3, 1],
    [7, 4, 1],
    [7, 5, 2],
    [8, 4, 2],
    [6, 2, 2],
    [7, 5, 3],
    [2, 5, 2],
  ])('conv1d: T = %i, k = %i, stride %i, padding same (⌈T/s⌉ outputs)', (T, k, stride) => {
    const x = randomTensor([2, T, 3], 1);
    const kernel = randomTensor([k, 3, 4], 2);
    const bias = randomTensor([4], 3);
    for (const relu of [false, true]) {
      const y = tf.tidy(() =>
        conv1d(
          named(
            new Map([
              ['c/kernel', kernel],
              ['c/bias', bias],
            ]),
          ),
          'c',
          tf.tensor3d(x.values as Float32Array, [2, T, 3]),
          { stride, activation: relu ? 'relu' : 'linear' },
        ),
      );
      expect(y.shape).toEqual([2, Math.ceil(T / stride), 4]);
      expectClose(y.dataSync(), flat(sequences(x).map((s) => refConv1d(s, kernel, bias, stride, relu))), TOL, 'conv1d');
      y.dispose();
    }
  });

  it(
    'conv1d pads ⌊total/2⌋ before and the rest after (Keras/TF same): a kernel that picks tap 0 reads x[t·s ' +
      '− ⌊total/2⌋]',
    () => {
      // T = 6, k = 4, s = 2: 3 outputs, total padding (3 − 1)·2 + 4 − 6 = 2, one before ⇒ y = (0, x₁, x₃)
      const kernel = tf.tensor3d([1, 0, 0, 0], [4, 1, 1]);
      const y = tf.tidy(() =>
        conv1d({ 'c/kernel': kernel }, 'c', tf.tensor3d([10, 11, 12, 13, 14, 15], [1, 6, 1]), {
          stride: 2,
          bias: false,
        }),
      );
      expect(Array.from(y.dataSync())).toEqual([0, 11, 13]);
      // T = 5, k = 4, s = 1: total 3, one before ⇒ y = (0, x₀, x₁, x₂, x₃)
      const y1 = tf.tidy(() =>
        conv1d({ 'c/kernel': kernel }, 'c', tf.tensor3d([10, 11, 12, 13, 14], [1, 5, 1]), { stride: 1, bias: false }),
      );
      expect(Array.from(y1.dataSync())).toEqual([0, 10, 11, 12, 13]);
      tf.dispose([kernel, y, y1]);
    },
  );

  it.each([
    [4, 3, 1],
    [4, 4, 1],
    [4, 5, 2],
    [3, 4, 2],
    [5, 2, 2],
    [3, 5, 3],
  ])('conv1dTranspose: T = %i, k = %i, stride %i, same (T·s outputs)', (T, k, stride) => {
    const x = randomTensor([2, T, 2], 4);
    const kernel = randomTensor([k, 3, 2], 5);
    const bias = randomTensor([3], 6);
    for (const relu of [false, true]) {
      const y = tf.tidy(() =>
        conv1dTranspose(
          named(
            new Map([
              ['d/kernel', kernel],
              ['d/bias', bias],
            ]),
          ),
          'd',
          tf.tensor3d(x.values as Float32Array, [2, T, 2]),
          { stride, activation: relu ? 'relu' : 'linear' },
        ),
      );
      expect(y.shape).toEqual([2, T * stride, 3]);
      expectClose(
        y.dataSync(),
        flat(sequences(x).map((s) => refConv1dTranspose(s, kernel, bias, stride, relu))),
        TOL,
        'conv1dTranspose',
      );
      y.dispose();
    }
  });

  it.each([
    [3, 1],
    [4, 2],
    [5, 2],
    [5, 3],
  ])(
    'conv1dTranspose (k = %i, stride %i) is the adjoint of conv1d with the same kernel: ⟨conv(u), v⟩ = ⟨u, convᵀ(v)⟩',
    (k, stride) => {
      // Keras's Conv1DTranspose kernel [k, filters, in] is the kernel of the conv it transposes (filters → in)
      const T = 5;
      const kernel = randomTensor([k, 3, 2], 7);
      const u = randomTensor([2, T * stride, 3], 8);
      const v = randomTensor([2, T, 2], 9);
      const [lhs, rhs] = tf.tidy(() => {
        const p: NamedParams = { 'k/kernel': tf.tensor(kernel.values as Float32Array, kernel.shape as number[]) };
        const conv = conv1d(p, 'k', tf.tensor3d(u.values as Float32Array, u.shape as [number, number, number]), {
          stride,
          bias: false,
        });
        const convT = conv1dTranspose(
          p,
          'k',
          tf.tensor3d(v.values as Float32Array, v.shape as [number, number, number]),
          { stride, bias: false },
        );
        return [
          conv
            .mul(tf.tensor(v.values as Float32Array, conv.shape))
            .sum()
            .dataSync()[0],
          convT
            .mul(tf.tensor(u.values as Float32Array, convT.shape))
            .sum()
            .dataSync()[0],
        ];
      });
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(lhs)));
    },
  );

  it(
    'gru (Keras reset_after: gates z, r, h̃; Keras bias row 0 = input_bias, row 1 = recurrent_bias) with and ' +
      'without biases, all states and the last',
    () => {
      const [B, T, I, U] = [2, 5, 3, 4];
      const x = randomTensor([B, T, I], 10);
      const kernel = randomTensor([I, 3 * U], 11);
      const recurrent = randomTensor([U, 3 * U], 12);
      // distinct values: swapping the input and recurrent biases changes h̃ through r ⊙ (h·U_h + c_h)
      const inputBias = randomTensor([3 * U], 13, 1);
      const recurrentBias = randomTensor([3 * U], 14, 1);
      for (const withBias of [true, false]) {
        const p = new Map<string, RefTensor>([
          ['g/kernel', kernel],
          ['g/recurrent_kernel', recurrent],
        ]);
        if (withBias) p.set('g/input_bias', inputBias).set('g/recurrent_bias', recurrentBias);
        const expected = sequences(x).map((s) =>
          withBias ? refGru(s, kernel, recurrent, inputBias, recurrentBias) : refGru(s, kernel, recurrent),
        );
        const [all, last] = tf.tidy(() => {
          const params = named(p);
          const xt = tf.tensor3d(x.values as Float32Array, [B, T, I]);
          return [gru(params, 'g', xt, true), gru(params, 'g', xt, false)];
        });
        expect(all.shape).toEqual([B, T, U]);
        expect(last.shape).toEqual([B, U]);
        expectClose(all.dataSync(), flat(expected), TOL, 'gru states');
        expectClose(
          last.dataSync(),
          expected.flatMap((s) => s[T - 1]),
          TOL,
          'gru last state',
        );
        tf.dispose([all, last]);
      }
    },
  );

  it(
    `gru and gruRepeated from ${GRU_BATCH_MAJOR_ROWS} rows on (batch-major recursion), all states and the ` + `last`,
    () => {
      const [B, T, I, U] = [GRU_BATCH_MAJOR_ROWS + 3, 4, 3, 4];
      const x = randomTensor([B, T, I], 15);
      const p = randomParams(gruSpecs('g', I, U), 16);
      const expected = sequences(x).map((s) => refGruLayer(p, 'g', s));
      const v = randomTensor([B, I], 17);
      const rows = Array.from({ length: B }, (_, b) => Array.from(v.values).slice(b * I, (b + 1) * I));
      const [all, last, repeated] = tf.tidy(() => {
        const params = named(p);
        const xt = tf.tensor3d(x.values as Float32Array, [B, T, I]);
        return [
          gru(params, 'g', xt, true),
          gru(params, 'g', xt, false),
          gruRepeated(params, 'g', tf.tensor2d(v.values as Float32Array, [B, I]), T, true),
        ];
      });
      expect(all.shape).toEqual([B, T, U]);
      expectClose(all.dataSync(), flat(expected), TOL, 'gru states');
      expectClose(
        last.dataSync(),
        expected.flatMap((s) => s[T - 1]),
        TOL,
        'gru last state',
      );
      expectClose(
        repeated.dataSync(),
        rows.flatMap((r) => refGruLayer(p, 'g', refRepeat(r, T)).flat()),
        TOL,
        'gruRepeated states',
      );
      tf.dispose([all, last, repeated]);
    },
  );

  it('lstm (Keras: gates i, f, c̃, o; one bias) all states and the last', () => {
    const [B, T, I, U] = [2, 6, 3, 4];
    const x = randomTensor([B, T, I], 20);
    const kernel = randomTensor([I, 4 * U], 21);
    const recurrent = randomTensor([U, 4 * U], 22);
    const bias = randomTensor([4 * U], 23, 1);
    const p = new Map<string, RefTensor>([
      ['l/kernel', kernel],
      ['l/recurrent_kernel', recurrent],
      ['l/bias', bias],
    ]);
    const expected = sequences(x).map((s) => refLstm(s, kernel, recurrent, bias));
    const [all, last] = tf.tidy(() => {
      const params = named(p);
      const xt = tf.tensor3d(x.values as Float32Array, [B, T, I]);
      return [lstm(params, 'l', xt, true), lstm(params, 'l', xt, false)];
    });
    expect(all.shape).toEqual([B, T, U]);
    expectClose(all.dataSync(), flat(expected), TOL, 'lstm states');
    expectClose(
      last.dataSync(),
      expected.flatMap((s) => s[T - 1]),
      TOL,
      'lstm last state',
    );
    tf.dispose([all, last]);
  });

  it('repeatVector and cropToLength (⌊excess/2⌋ dropped at the start, ⌈excess/2⌉ at the end)', () => {
    const v = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const r = tf.tidy(() => repeatVector(tf.tensor2d(v), 4));
    expect(r.shape).toEqual([2, 4, 3]);
    expect(Array.from(r.dataSync())).toEqual(v.flatMap((row) => refRepeat(row, 4).flat()));
    const seq = Array.from({ length: 8 }, (_, t) => [t, 10 + t]);
    const x = tf.tensor3d([seq]);
    for (const [length, kept] of [
      [8, [0, 1, 2, 3, 4, 5, 6, 7]],
      [7, [0, 1, 2, 3, 4, 5, 6]],
      [5, [1, 2, 3, 4, 5]],
      [4, [2, 3, 4, 5]],
      [1, [3]],
    ] as const) {
      const c = cropToLength(x, length);
      expect(Array.from(c.dataSync())).toEqual(kept.flatMap((t) => [t, 10 + t]));
      expect(kept.map((t) => seq[t])).toEqual(refCrop(seq, length));
      if (c !== x) c.dispose();
    }
    expect(() => cropToLength(x, 9)).toThrow(RangeError);
    tf.dispose([r, x]);
  });

  it(
    'recEncode / recDecode equal the brute-force Figure 16 networks: two stride-2 convs, two GRUs, W = 9 ' +
      'cropped from 12',
    () => {
      const a: RecArchitecture = { convFilters: [5, 4], kernelSize: 3, stride: 2, gruUnits: [4, 3] };
      const [B, W, D, L, C] = [3, 9, 2, 2, 3];
      // 9 → 5 → 3 positions; the decoder makes 3 → 6 → 12 and crops one at the start, two at the end
      expect(encodedLength(W, a)).toBe(3);
      const specs = [...recEncoderSpecs('enc', a, D, L), ...recDecoderSpecs('dec', a, L, C)];
      const p = randomParams(specs, 30);
      const x = randomTensor([B, W * D], 31, 1);
      const windows = Array.from({ length: B }, (_, b) => Array.from(x.values).slice(b * W * D, (b + 1) * W * D));
      const codes = windows.map((w) => refRecEncode(p, 'enc', a, W, w, true));
      const [code, linearCode, decoded] = tf.tidy(() => {
        const params = named(p);
        const xt = tf.tensor2d(x.values as Float32Array, [B, W * D]);
        return [
          recEncode(params, 'enc', a, W, xt, true),
          recEncode(params, 'enc', a, W, xt, false),
          recDecode(params, 'dec', a, W, tf.tensor2d(codes), {}),
        ];
      });
      expect(code.shape).toEqual([B, L]);
      expectClose(code.dataSync(), codes.flat(), TOL, 'recEncode (ReLU head)');
      expectClose(
        linearCode.dataSync(),
        windows.flatMap((w) => refRecEncode(p, 'enc', a, W, w, false)),
        TOL,
        'recEncode (linear head)',
      );
      expect(decoded.shape).toEqual([B, W, C]);
      expectClose(
        decoded.dataSync(),
        codes.flatMap((c) => refRecDecode(p, 'dec', a, W, c).flat()),
        TOL,
        'recDecode',
      );
      tf.dispose([code, linearCode, decoded]);
    },
  );

  it('recEncodeState and recDecode without biases (Rec DSVDD) use no bias tensor', () => {
    const a: RecArchitecture = { convFilters: [3], kernelSize: 3, stride: 2, gruUnits: [4] };
    const [B, W, D] = [2, 5, 2];
    const specs = [
      ...recEncoderSpecs('enc', a, D, 2, { bias: false, headBias: false }),
      ...recDecoderSpecs('dec', a, 2, D, { bias: false }),
    ];
    expect(specs.filter((s) => s.name.endsWith('bias'))).toEqual([]);
    const p = randomParams(specs, 40);
    const x = randomTensor([B, W * D], 41, 1);
    const windows = Array.from({ length: B }, (_, b) => Array.from(x.values).slice(b * W * D, (b + 1) * W * D));
    const [state, decoded] = tf.tidy(() => {
      const params = named(p);
      const s = recEncodeState(params, 'enc', a, W, tf.tensor2d(x.values as Float32Array, [B, W * D]), { bias: false });
      return [
        s,
        recDecode(
          params,
          'dec',
          a,
          W,
          tf.tensor2d([
            [0.3, -0.7],
            [1.1, 0.2],
          ]),
          { bias: false },
        ),
      ];
    });
    // the state is the head's input: the reference head with an identity kernel gives it back
    const identity = new Map(p);
    identity.set('enc/head/kernel', { shape: [4, 4], values: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
    expectClose(
      state.dataSync(),
      windows.flatMap((w) => refRecEncode(identity, 'enc', a, W, w, false)),
      TOL,
      'recEncodeState',
    );
    expect(decoded.shape).toEqual([B, W, D]);
    expectClose(
      decoded.dataSync(),
      [
        [0.3, -0.7],
        [1.1, 0.2],
      ].flatMap((c) => refRecDecode(p, 'dec', a, W, c).flat()),
      TOL,
      'recDecode without bias',
    );
    tf.dispose([state, decoded]);
  });
});

describe('initialisers (params.ts)', () => {
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const draw = (init: ParamSpec['init'], shape: number[], seed = 1) =>
    initialValues([{ name: 'w', shape, init }], seed).get('w')!;

  it.each([[[7, 3]], [[3, 7]], [[5, 5]], [[4, 12]], [[2, 3, 5]], [[1, 6]]])(
    'orthogonal %j: orthonormal columns when tall (QᵀQ = I), orthonormal rows when wide (QQᵀ = I)',
    (shape) => {
      const cols = shape[shape.length - 1];
      const rows = count(shape) / cols;
      const q = draw('orthogonal', shape);
      const m = Math.min(rows, cols);
      // Gram matrix over the short side
      const at = (i: number, j: number) => (rows >= cols ? q[i * cols + j] : q[j * cols + i]);
      const n = Math.max(rows, cols);
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += at(r, a) * at(r, b);
          expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-6);
        }
      }
      // random, not a fixed basis: another seed gives another matrix
      const other = draw('orthogonal', shape, 2);
      expect(Array.from(other)).not.toEqual(Array.from(q));
    },
  );

  it.each([
    ['he-uniform', [5, 3, 8], Math.sqrt(6 / (5 * 3))],
    ['he-uniform', [40, 30], Math.sqrt(6 / 40)],
    ['glorot-uniform', [5, 3, 8], Math.sqrt(6 / (5 * 3 + 5 * 8))],
    ['glorot-uniform', [40, 30], Math.sqrt(6 / 70)],
    ['glorot-uniform', [5, 8, 3], Math.sqrt(6 / (5 * 8 + 5 * 3))],
  ] as const)('%s %j: U(±bound) with bound %f (fans count the conv receptive field)', (init, shape, bound) => {
    const v = draw(init, [...shape]);
    const max = v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    expect(max).toBeLessThanOrEqual(bound);
    // ≥ 120 draws: P(max < 0.9·bound) = 0.9¹²⁰ ≈ 3e-6
    expect(max).toBeGreaterThan(0.9 * bound);
    // variance of U(±b) is b²/3
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    expect(Math.abs(variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.3);
  });

  it(
    'the layer specs use Keras defaults: conv he-uniform, transposed conv glorot, GRU/LSTM orthogonal ' +
      'recurrence, zero biases, LSTM forget bias 1',
    () => {
      const specs = [
        ...conv1dSpecs('c', 5, 3, 8),
        ...conv1dTransposeSpecs('d', 5, 8, 3),
        ...gruSpecs('g', 3, 4),
        ...lstmSpecs('l', 3, 4),
      ];
      expect(Object.fromEntries(specs.map((s) => [s.name, [s.shape, s.init]]))).toEqual({
        'c/kernel': [[5, 3, 8], 'he-uniform'],
        'c/bias': [[8], 'zeros'],
        'd/kernel': [[5, 3, 8], 'glorot-uniform'],
        'd/bias': [[3], 'zeros'],
        'g/kernel': [[3, 12], 'glorot-uniform'],
        'g/recurrent_kernel': [[4, 12], 'orthogonal'],
        'g/input_bias': [[12], 'zeros'],
        'g/recurrent_bias': [[12], 'zeros'],
        'l/kernel': [[3, 16], 'glorot-uniform'],
        'l/recurrent_kernel': [[4, 16], 'orthogonal'],
        'l/bias': [[16], 'unit-forget-bias'],
      });
      const values = initialValues(specs, 3);
      expect(Array.from(values.get('l/bias')!)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect([...values.get('g/input_bias')!, ...values.get('g/recurrent_bias')!].every((v) => v === 0)).toBe(true);
      // seeded: the same seed gives the same values, another seed others
      expect(Array.from(initialValues(specs, 3).get('c/kernel')!)).toEqual(Array.from(values.get('c/kernel')!));
      expect(Array.from(initialValues(specs, 4).get('c/kernel')!)).not.toEqual(Array.from(values.get('c/kernel')!));
    },
  );
});

describe('Figure 16 parameter counts (recurrent-net.ts) against hand counts', () => {
  const total = (specs: ParamSpec[]) => specs.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);

  it(
    "Rec DIVAD-GM on ASD (D = 19, L = 16): the per-network counts add up to the paper's 35,273 " +
      '(docs/divad.md §3.6)',
    () => {
      const a: RecArchitecture = { convFilters: [32], kernelSize: 5, stride: 1, gruUnits: [32] };
      // encoder: Conv1D 5·19·32 + 32 = 3072; GRU 32·96 + 32·96 + 2·96 = 6336; head (2L = 32) 32·32 + 32 = 1056
      const encoder = total(recEncoderSpecs('enc', a, 19, 32));
      expect(encoder).toBe(3072 + 6336 + 1056);
      // decoder from 2L = 32: GRU 6336; Conv1DTranspose to 2D = 38: 5·32·38 + 38 = 6118
      const decoder = total(recDecoderSpecs('dec', a, 32, 38));
      expect(decoder).toBe(6336 + 6118);
      // two encoders + decoder + p(zd|d) (11 domains → 32 → 2L: 384 + 1056) + q(d|zd) (16·11 + 11) + GM prior (8 +
      // 2·8·16)
      expect(2 * encoder + decoder + 384 + 1056 + 187 + 264).toBe(35_273);
    },
  );

  it('two convs (stride 2) and two GRUs, with and without biases', () => {
    const a: RecArchitecture = { convFilters: [8, 6], kernelSize: 3, stride: 2, gruUnits: [5, 4] };
    const enc = recEncoderSpecs('enc', a, 3, 4);
    // conv 3·3·8 + 8 = 80, 3·8·6 + 6 = 150; GRU(6 → 5) 6·15 + 5·15 + 30 = 195, GRU(5 → 4) 5·12 + 4·12 + 24 = 132; head
    // 4·4 + 4 = 20
    expect(total(enc)).toBe(80 + 150 + 195 + 132 + 20);
    const dec = recDecoderSpecs('dec', a, 2, 3);
    // GRU(2 → 4) 2·12 + 4·12 + 24 = 96, GRU(4 → 5) 4·15 + 5·15 + 30 = 165; ConvT(5 → 8) 3·5·8 + 8 = 128, ConvT(8 → 3)
    // 3·8·3 + 3 = 75
    expect(total(dec)).toBe(96 + 165 + 128 + 75);
    expect(
      Object.fromEntries(
        dec.filter((s) => s.name.includes('deconv') && s.name.endsWith('kernel')).map((s) => [s.name, s.shape]),
      ),
    ).toEqual({
      'dec/deconv_0/kernel': [3, 8, 5],
      'dec/deconv_1/kernel': [3, 3, 8],
    });
    expect(total(recEncoderSpecs('enc', a, 3, 4, { bias: false, headBias: false }))).toBe(72 + 144 + 165 + 108 + 16);
  });
});

describe('gradients through gru, gruRepeated, lstm, conv1d and conv1dTranspose', () => {
  /** L = Σ c ⊙ y² over the layer's output, so that every output gets a distinct weight */
  type Case = {
    name: string;
    specs: ParamSpec[];
    input: [number, number, number];
    out: (p: NamedParams, x: tf.Tensor3D) => tf.Tensor;
    ref: (p: RefParams, x: number[][]) => number[][];
  };
  const cases: Case[] = [
    {
      name: 'gru',
      specs: gruSpecs('g', 3, 4),
      input: [2, 5, 3],
      out: (p, x) => gru(p, 'g', x, true),
      ref: (p, x) => refGruLayer(p, 'g', x),
    },
    {
      name: 'gruRepeated (the decoder first layer)',
      specs: gruSpecs('g', 3, 4),
      input: [2, 1, 3],
      out: (p, x) => gruRepeated(p, 'g', x.reshape([2, 3]) as tf.Tensor2D, 4, true),
      ref: (p, x) => refGruLayer(p, 'g', refRepeat(x[0], 4)),
    },
    {
      name: `gru, ${GRU_BATCH_MAJOR_ROWS} rows (batch-major recursion)`,
      specs: gruSpecs('g', 2, 2),
      input: [GRU_BATCH_MAJOR_ROWS, 3, 2],
      out: (p, x) => gru(p, 'g', x, true),
      ref: (p, x) => refGruLayer(p, 'g', x),
    },
    {
      name: `gruRepeated, ${GRU_BATCH_MAJOR_ROWS} rows (batch-major recursion)`,
      specs: gruSpecs('g', 2, 2),
      input: [GRU_BATCH_MAJOR_ROWS, 1, 2],
      out: (p, x) => gruRepeated(p, 'g', x.reshape([GRU_BATCH_MAJOR_ROWS, 2]) as tf.Tensor2D, 3, false),
      ref: (p, x) => refGruLayer(p, 'g', refRepeat(x[0], 3)).slice(-1),
    },
    {
      name: 'lstm',
      specs: lstmSpecs('l', 3, 4),
      input: [2, 5, 3],
      out: (p, x) => lstm(p, 'l', x, true),
      ref: (p, x) => refLstm(x, p.get('l/kernel')!, p.get('l/recurrent_kernel')!, p.get('l/bias')!),
    },
    {
      name: 'conv1dTranspose (stride 2)',
      specs: conv1dTransposeSpecs('d', 5, 3, 4),
      input: [2, 4, 3],
      out: (p, x) => conv1dTranspose(p, 'd', x, { stride: 2, activation: 'linear' }),
      ref: (p, x) => refConv1dTranspose(x, p.get('d/kernel')!, p.get('d/bias'), 2, false),
    },
    {
      name: 'conv1d (stride 2)',
      specs: conv1dSpecs('c', 5, 3, 4),
      input: [2, 7, 3],
      out: (p, x) => conv1d(p, 'c', x, { stride: 2, activation: 'linear' }),
      ref: (p, x) => refConv1d(x, p.get('c/kernel')!, p.get('c/bias'), 2, false),
    },
  ];

  /**
   * dL/dθ of the reference by central differences in float64 (h = 1e-6); an input entry only moves its own sequence's
   * term
   */
  function referenceGradients(c: Case, p: Map<string, RefTensor>, weights: Float32Array): Map<string, number[]> {
    const [B, T, C] = c.input;
    const outputsPer = weights.length / B;
    const term = (q: Map<string, RefTensor>, b: number) => {
      const x = q.get('x')!;
      const seq = Array.from({ length: T }, (_, t) =>
        Array.from({ length: C }, (_, ch) => x.values[(b * T + t) * C + ch]),
      );
      let s = 0;
      let k = b * outputsPer;
      for (const row of c.ref(q, seq)) for (const v of row) s += weights[k++] * v * v;
      return s;
    };
    const out = new Map<string, number[]>();
    for (const [name, t] of p) {
      const g: number[] = [];
      for (let i = 0; i < t.values.length; i++) {
        const batches = name === 'x' ? [Math.floor(i / (T * C))] : Array.from({ length: B }, (_, b) => b);
        const shifted = (h: number) => {
          const v = Float64Array.from(t.values);
          v[i] += h;
          const q = new Map(p).set(name, { shape: t.shape, values: v });
          return batches.reduce((s, b) => s + term(q, b), 0);
        };
        g.push((shifted(1e-6) - shifted(-1e-6)) / 2e-6);
      }
      out.set(name, g);
    }
    return out;
  }

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: tf.variableGrads on wasm equals cpu (≤ 1e-4) and central differences of the float64 reference (≤ ' +
      '1e-4 relative)',
    async (_name, c) => {
      const p = randomParams([...c.specs, { name: 'x', shape: c.input, init: 'zeros' }], 50);
      await initBackend('cpu');
      const outputs = tf.tidy(() => c.out(named(p), tf.zeros(c.input) as tf.Tensor3D).size);
      const weights = randomTensor([outputs], 51, 1).values as Float32Array;
      const grads: Record<string, Map<string, Float32Array>> = {};
      for (const backend of ['cpu', 'wasm'] as const) {
        await initBackend(backend);
        const vars = new Map(
          [...p].map(([name, v]) => [
            name,
            tf.variable(tf.tensor(v.values as Float32Array, [...v.shape]), true, `grad-${c.name}-${backend}-${name}`),
          ]),
        );
        const { value, grads: g } = tf.variableGrads(() => {
          const params = Object.fromEntries(vars) as NamedParams;
          const y = c.out(params, params.x as tf.Tensor3D);
          return y.square().mul(tf.tensor(weights, y.shape)).sum() as tf.Scalar;
        }, [...vars.values()]);
        grads[backend] = new Map([...vars].map(([name, v]) => [name, g[v.name].dataSync() as Float32Array]));
        tf.dispose([value, ...Object.values(g), ...vars.values()]);
      }
      const reference = referenceGradients(c, p, weights);
      for (const [name, ref] of reference) {
        const cpu = grads.cpu.get(name)!;
        const wasm = grads.wasm.get(name)!;
        expect(ref.some((v) => Math.abs(v) > 1e-3)).toBe(true);
        expectClose(wasm, cpu, 1e-4, `${c.name} ${name} wasm vs cpu`);
        expectClose(cpu, ref, 1e-4, `${c.name} ${name} cpu vs reference`);
        expectClose(wasm, ref, 1e-4, `${c.name} ${name} wasm vs reference`);
      }
    },
  );
});
