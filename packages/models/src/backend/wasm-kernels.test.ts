import { mulberry32, normalSampler } from '@driftwatch/contracts';
import { initBackend, tf } from './loader';
import { registerWasmKernelFixes } from './wasm-kernels';

const normal = normalSampler(mulberry32(11));
const randn = (n: number) => Float32Array.from({ length: n }, () => normal());

/** runs f on a backend and returns the values of its result(s) */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-3 * maxAbs, 1e-12);
    if (!(err <= rel)) throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (relative error ${err})`);
  }
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('wasm kernel fixes', () => {
  it('are registered once (a second registration does not wrap the wrapper)', () => {
    const before = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    registerWasmKernelFixes();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(before);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('Einsum', 'wasm')).toBeDefined();
  });

  it('UnsortedSegmentSum matches cpu and a direct sum (ids outside the range are skipped)', async () => {
    const n = 60;
    const x = randn(n * 3 * 4);
    const rand = mulberry32(3);
    const ids = Int32Array.from({ length: n }, () => Math.floor(rand() * 10) - 1); // −1 … 8, numSegments 8
    const f = () => tf.unsortedSegmentSum(tf.tensor3d(x, [n, 3, 4]), tf.tensor1d(ids, 'int32'), 8);
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    const direct = new Float64Array(8 * 12);
    for (let i = 0; i < n; i++)
      if (ids[i] >= 0 && ids[i] < 8) for (let j = 0; j < 12; j++) direct[ids[i] * 12 + j] += x[i * 12 + j];
    expectClose(wasm, cpu);
    expectClose(wasm, direct);
  });

  it('GatherV2 copies whole rows on wasm exactly as cpu gathers, and leaves other axes to the original', async () => {
    expect(tf.getKernel('GatherV2', 'wasm')).toBeDefined();
    // its own draws: the shared sampler's sequence is what the other tests' tolerances were set on
    const draw = normalSampler(mulberry32(29));
    const x = Float32Array.from({ length: 7 * 3 * 4 }, () => draw());
    const rows = Int32Array.from([6, 0, 0, 3, 5, 1]);
    const cases = () => [
      tf.gather(tf.tensor3d(x, [7, 3, 4]), tf.tensor2d(rows, [2, 3], 'int32')),
      tf.gather(tf.tensor2d(x, [7, 12]), tf.tensor1d(rows, 'int32')),
      tf.gather(tf.tensor3d(x, [7, 3, 4]), tf.tensor1d([2, 0], 'int32'), 1),
      tf.gather(tf.tensor2d(x, [7, 12]), tf.tensor1d(rows, 'int32'), -2),
    ];
    const wasm = await on('wasm', cases);
    const cpu = await on('cpu', cases);
    wasm.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(cpu[k])));
    // by hand: row 6 of the 7 × 12 matrix comes first
    expect(Array.from(wasm[1].subarray(0, 12))).toEqual(Array.from(x.subarray(72, 84)));
    await initBackend('wasm');
    expect(() => tf.gather(tf.tensor2d(x, [7, 12]), tf.tensor1d([7], 'int32'))).toThrow(/index value 7 is not in/);
  });

  it('the gradient of tf.gather trains on wasm and matches cpu', async () => {
    const table = randn(7 * 5);
    const idx = Int32Array.from([0, 3, 3, 6, 1, 3]);
    const w = randn(6 * 5);
    const f = () =>
      tf.grad((t: tf.Tensor) =>
        tf
          .gather(t, tf.tensor1d(idx, 'int32'))
          .mul(tf.tensor2d(w, [6, 5]))
          .sum(),
      )(tf.tensor2d(table, [7, 5]));
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    expectClose(wasm, cpu);
  });

  it.each([
    { name: 'conv1d-like, same padding', x: [3, 1, 20, 5], filter: [1, 5, 5, 6], strides: 1, pad: 'same' as const },
    {
      name: '2-D kernel, stride 2, valid padding',
      x: [2, 9, 8, 3],
      filter: [3, 2, 3, 4],
      strides: 2,
      pad: 'valid' as const,
    },
    {
      name: 'explicit stride [2, 1], same padding',
      x: [2, 7, 6, 2],
      filter: [3, 3, 2, 3],
      strides: [2, 1] as [number, number],
      pad: 'same' as const,
    },
  ])('Conv2DBackpropFilter matches cpu ($name)', async ({ x, filter, strides, pad }) => {
    const xs = randn(x.reduce((a, b) => a * b, 1));
    const fs = randn(filter.reduce((a, b) => a * b, 1));
    const x4 = x as [number, number, number, number];
    const f4 = filter as [number, number, number, number];
    const yShape = tf.tidy(
      () => tf.conv2d(tf.zeros(x4) as tf.Tensor4D, tf.zeros(f4) as tf.Tensor4D, strides, pad).shape,
    );
    const dy = randn(yShape.reduce((a, b) => a * b, 1));
    // the filter gradient of Σ conv2d(x, f)·dy is exactly Conv2DBackpropFilter(x, dy)
    const f = () =>
      tf.grad((k: tf.Tensor) =>
        tf
          .conv2d(tf.tensor4d(xs, x4), k as tf.Tensor4D, strides, pad)
          .mul(tf.tensor(dy, yShape))
          .sum(),
      )(tf.tensor4d(fs, f4));
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    expectClose(wasm, cpu);
  });

  it('conv1d trains on wasm (filter gradient through the registered kernel) and matches cpu', async () => {
    const xs = randn(4 * 20 * 3);
    const ks = randn(5 * 3 * 8);
    const f = () =>
      tf.grad((k: tf.Tensor) =>
        tf
          .conv1d(tf.tensor3d(xs, [4, 20, 3]), k as tf.Tensor3D, 1, 'same')
          .square()
          .sum(),
      )(tf.tensor3d(ks, [5, 3, 8]));
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    expectClose(wasm, cpu);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('BatchMatMul with transposeA=%s, transposeB=%s matches cpu (rank 2 and batched rank 3)', async (ta, tb) => {
    const [m, k, n] = [7, 5, 6];
    const a2 = randn(m * k);
    const b2 = randn(k * n);
    const a3 = randn(3 * m * k);
    const b3 = randn(3 * k * n);
    const f = () => [
      tf.matMul(tf.tensor2d(a2, ta ? [k, m] : [m, k]), tf.tensor2d(b2, tb ? [n, k] : [k, n]), ta, tb),
      tf.matMul(tf.tensor3d(a3, ta ? [3, k, m] : [3, m, k]), tf.tensor3d(b3, tb ? [3, n, k] : [3, k, n]), ta, tb),
    ];
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expectClose(wasm[0], cpu[0]);
    expectClose(wasm[1], cpu[1]);
  });

  it.each([
    [true, false],
    [false, true],
    [true, true],
  ])('_FusedMatMul (bias + relu) with transposeA=%s, transposeB=%s matches cpu', async (ta, tb) => {
    const [m, k, n] = [9, 4, 5];
    const a = randn(m * k);
    const b = randn(k * n);
    const bias = randn(n);
    const f = () =>
      tf.fused.matMul({
        a: tf.tensor2d(a, ta ? [k, m] : [m, k]),
        b: tf.tensor2d(b, tb ? [n, k] : [k, n]),
        transposeA: ta,
        transposeB: tb,
        bias: tf.tensor1d(bias),
        activation: 'relu',
      });
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    expectClose(wasm, cpu);
  });

  it('gradients of a dense layer (which use transposed matMuls) match cpu', async () => {
    const x = randn(16 * 12);
    const w = randn(12 * 8);
    const f = () => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.fused
          .matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, activation: 'relu' })
          .square()
          .sum(),
      );
      return g([tf.tensor2d(x, [16, 12]), tf.tensor2d(w, [12, 8])]);
    };
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expectClose(wasm[0], cpu[0]);
    expectClose(wasm[1], cpu[1]);
  });

  describe('Einsum', () => {
    /** distinct sizes per label, so a wrong axis order cannot go unnoticed */
    const SIZES: Record<string, number> = { b: 3, h: 2, q: 5, k: 4, d: 2, i: 5, j: 4, l: 3, m: 2 };
    const shapeOf = (term: string) => [...term].map((l) => SIZES[l]);

    /**
     * out[o] = Σ over all other labels of Π_t x_t[…]: every assignment of every label, in float64; also
     * Σ |Π_t x_t[…]| per output, the scale of float32 rounding in any summation order
     */
    function bruteEinsum(equation: string, xs: Float32Array[]): { sum: Float64Array; absSum: Float64Array } {
      const [lhs, rhs] = equation.split('->');
      const terms = lhs.split(',');
      const labels = [...new Set([...rhs, ...terms.join('')])];
      const strides = (term: string) => {
        const shape = shapeOf(term);
        const st = shape.map(() => 1);
        for (let a = shape.length - 2; a >= 0; a--) st[a] = st[a + 1] * shape[a + 1];
        return [...term].map((l, a) => [labels.indexOf(l), st[a]]);
      };
      const termStrides = terms.map(strides);
      const outStrides = strides(rhs);
      const out = new Float64Array(shapeOf(rhs).reduce((p, s) => p * s, 1));
      const absSum = new Float64Array(out.length);
      const idx = labels.map(() => 0);
      const total = labels.reduce((p, l) => p * SIZES[l], 1);
      for (let step = 0; step < total; step++) {
        let r = step;
        for (let a = labels.length - 1; a >= 0; a--) {
          idx[a] = r % SIZES[labels[a]];
          r = Math.floor(r / SIZES[labels[a]]);
        }
        let prod = 1;
        termStrides.forEach((st, t) => {
          let off = 0;
          for (const [a, s] of st) off += idx[a] * s;
          prod *= xs[t][off];
        });
        let o = 0;
        for (const [a, s] of outStrides) o += idx[a] * s;
        out[o] += prod;
        absSum[o] += Math.abs(prod);
      }
      return { sum: out, absSum };
    }

    /**
     * |actual − expected| ≤ rel · Σ|terms| per element: relative to the magnitude of the summed products,
     * because an output where they cancel has float32 rounding far above rel · |value| in any order
     */
    function expectEinsumClose(
      actual: ArrayLike<number>,
      expected: ArrayLike<number>,
      absSum: Float64Array,
      rel = 1e-5,
    ): void {
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        const err = Math.abs(actual[i] - expected[i]) / Math.max(absSum[i], 1e-30);
        if (!(err <= rel))
          throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (error ${err} of Σ|terms| ${absSum[i]})`);
      }
    }

    const inputsOf = (equation: string) =>
      equation
        .split('->')[0]
        .split(',')
        .map((t) => randn(shapeOf(t).reduce((p, s) => p * s, 1)));
    const run = (equation: string, xs: Float32Array[]) => () =>
      tf.einsum(
        equation,
        ...equation
          .split('->')[0]
          .split(',')
          .map((t, i) => tf.tensor(xs[i], shapeOf(t))),
      );

    it.each([
      'ij,jk->ik',
      'bij,bjk->bik',
      'bhqd,bhkd->bhqk',
      'ij->ji',
      'ij->i',
      'i,i->',
      'ij,ij->i',
      'bi,bj->bij',
      'ij,jk->ki',
      'ij->ij',
      'bij->bj',
      'ij->',
      'ij,jk->i',
      'ij,kl->ljki',
      'bhqk,bhkd->bqhd',
      'ij,ij->ij',
    ])('%s matches cpu and a brute-force sum', async (equation) => {
      const xs = inputsOf(equation);
      const [cpu] = await on('cpu', run(equation, xs));
      const [wasm] = await on('wasm', run(equation, xs));
      const { sum, absSum } = bruteEinsum(equation, xs);
      expectEinsumClose(wasm, cpu, absSum);
      expectEinsumClose(wasm, sum, absSum);
    });

    it.each(['ij,jk,kl->il', 'bi,bj,b->bij', 'ij,jk,ki->'])(
      '%s (three operands, which cpu does not support) matches a brute-force sum',
      async (equation) => {
        const xs = inputsOf(equation);
        const [wasm] = await on('wasm', run(equation, xs));
        const { sum, absSum } = bruteEinsum(equation, xs);
        expectEinsumClose(wasm, sum, absSum);
      },
    );

    it.each([
      ['ii->i', [[3, 3]], /'ii->i'.*label 'i' repeats/],
      [
        'ij,jk',
        [
          [2, 3],
          [3, 4],
        ],
        /'ij,jk'.*exactly one '->'/,
      ],
      ['...ij->...ji', [[2, 3]], /ellipsis/],
      [
        'ij,jk->ik',
        [
          [2, 3],
          [4, 5],
        ],
        /'ij,jk->ik'.*label 'j' has size 3 and 4/,
      ],
      ['ij->k', [[2, 3]], /output label 'k' appears in no operand/],
      ['ijk->i', [[2, 3]], /rank 2 but 3 label/],
    ] as [string, number[][], RegExp][])(
      'rejects %s with an error naming the equation',
      async (equation, shapes, message) => {
        await initBackend('wasm');
        const before = tf.memory().numTensors;
        expect(() => tf.tidy(() => tf.einsum(equation, ...shapes.map((s) => tf.ones(s))))).toThrow(message);
        expect(tf.memory().numTensors).toBe(before);
      },
    );

    it.each([
      ['ij,jk->ik', [2, 0], [0, 3]],
      ['ij,ij->i', [3, 0], [3, 0]],
      ['ij,jk->ik', [0, 2], [2, 3]],
    ])('%s with an empty axis (%j, %j) gives zeros like cpu', async (equation, sa, sb) => {
      const f = () => tf.einsum(equation, tf.fill(sa, 7), tf.fill(sb, 7));
      const [cpu] = await on('cpu', f);
      const [wasm] = await on('wasm', f);
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
      expect(Array.from(wasm).every((v) => v === 0)).toBe(true);
    });

    it('sums an operand with an empty axis to zeros', async () => {
      const [wasm] = await on('wasm', () => tf.einsum('ij->i', tf.fill([2, 0], 7)));
      expect(Array.from(wasm)).toEqual([0, 0]);
    });

    it('rejects int32 operands (the wasm BatchMatMul is float32 only)', async () => {
      await initBackend('wasm');
      expect(() => tf.tidy(() => tf.einsum('ij,jk->ik', tf.ones([2, 2], 'int32'), tf.ones([2, 2], 'int32')))).toThrow(
        /'ij,jk->ik'.*int32/,
      );
    });

    it(
      'leaves no tensors or wasm buffers behind (contractions, ' + 'sums, and a result that aliases its input)',
      async () => {
        await initBackend('wasm');
        const backend = tf.backend() as unknown as { numDataIds(): number };
        const before = tf.memory().numTensors;
        const dataIds = backend.numDataIds();
        const x = tf.tensor(randn(3 * 2 * 5 * 2), [3, 2, 5, 2]);
        const y = tf.tensor(randn(3 * 2 * 4 * 2), [3, 2, 4, 2]);
        const kept = tf.einsum('bhqd->bhqd', x);
        for (const eq of ['bhqd,bhkd->bhqk', 'bhqd,bhkd->', 'bhqd,bhkd->kqhb']) tf.einsum(eq, x, y).dispose();
        tf.einsum('bhqd,bhqd->bhq', x, x).dispose();
        tf.einsum('bhqd->dq', x).dispose();
        tf.einsum('bhqd,bhkd,bhkd->bq', x, y, y).dispose();
        x.dispose();
        // the aliasing result keeps its data after the input is gone
        expectClose(kept.dataSync(), kept.dataSync().slice());
        expect(kept.shape).toEqual([3, 2, 5, 2]);
        kept.dispose();
        expect(tf.memory().numTensors).toBe(before + 1);
        y.dispose();
        expect(tf.memory().numTensors).toBe(before);
        expect(backend.numDataIds()).toBe(dataIds);
      },
    );
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const a = randn(6 * 4);
    tf.tidy(() => {
      const t = tf.tensor2d(a, [6, 4]);
      tf.matMul(t, t, true, false).dataSync();
      tf.grad((k: tf.Tensor) => tf.conv1d(tf.ones([2, 6, 4]) as tf.Tensor3D, k as tf.Tensor3D, 1, 'same').sum())(
        tf.ones([3, 4, 2]),
      ).dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataIds);
  });
});

/** x[begin … begin + size] of a row-major array, element by element from the multi-index (no runs) */
function referenceSlice(x: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const total = size.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let rest = n;
    let flat = 0;
    for (let j = 0; j < shape.length; j++) {
      const inner = size.slice(j + 1).reduce((a, b) => a * b, 1);
      const i = Math.floor(rest / inner);
      rest -= i * inner;
      flat = flat * shape[j] + begin[j] + i;
    }
    out.push(x[flat]);
  }
  return out;
}

describe('Slice, Unpack, SplitV and Identity on the heap', () => {
  const rand = mulberry32(21);
  const int = (n: number) => Math.floor(rand() * n);
  /** random regions of every rank 1–5: some axes whole, some cut, some of length 1 */
  const regions = Array.from({ length: 40 }, (_, k) => {
    const rank = 1 + (k % 5);
    const shape = Array.from({ length: rank }, () => 1 + int(6));
    const begin = shape.map((n) => (rand() < 0.4 ? 0 : int(n)));
    const size = shape.map((n, j) => (rand() < 0.3 ? n - begin[j] : 1 + int(n - begin[j])));
    return { shape, begin, size };
  });

  it('registers the kernels once', () => {
    const names = ['Slice', 'Unpack', 'SplitV', 'Identity', 'Cast'];
    const before = names.map((k) => tf.getKernel(k, 'wasm')!.kernelFunc);
    registerWasmKernelFixes();
    expect(names.map((k) => tf.getKernel(k, 'wasm')!.kernelFunc)).toEqual(before);
  });

  it('never copies the input out of the heap (readSync), which the 4.22 kernels did for every piece', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
    const spy = jest.spyOn(backend, 'readSync');
    try {
      tf.tidy(() => {
        const x = tf.ones([8, 20, 6]);
        tf.unstack(x, 1);
        tf.split(x, [2, 4], 2);
        x.slice([1, 2, 3], [2, 3, 1]);
      });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('slices of rank 1–5 equal cpu and the element-by-element reference, exactly', async () => {
    const data = regions.map((r) => randn(r.shape.reduce((a, b) => a * b, 1)));
    const f = () => regions.map((r, i) => tf.slice(tf.tensor(data[i], r.shape), r.begin, r.size));
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    regions.forEach((r, i) => {
      const expected = referenceSlice(data[i], r.shape, r.begin, r.size);
      expect(Array.from(wasm[i])).toEqual(expected);
      expect(Array.from(cpu[i])).toEqual(expected);
    });
  });

  it('int32 and bool slices, size −1 and empty slices', async () => {
    await initBackend('wasm');
    const ints = Int32Array.from({ length: 4 * 5 * 3 }, (_, i) => i * 7 - 100);
    const x = tf.tensor3d(ints, [4, 5, 3], 'int32');
    expect(Array.from(tf.slice(x, [1, 2, 1], [2, -1, 2]).dataSync())).toEqual(
      referenceSlice(ints, [4, 5, 3], [1, 2, 1], [2, 3, 2]),
    );
    const flags = [true, false, false, true, true, false];
    const b = tf.tensor2d(flags, [2, 3], 'bool');
    expect(Array.from(tf.slice(b, [0, 1], [2, 2]).dataSync())).toEqual([0, 0, 1, 0]);
    expect(tf.slice(x, [0, 0, 0], [0, 5, 3]).shape).toEqual([0, 5, 3]);
    tf.dispose([x, b]);
  });

  it.each([0, 1, 2])('unstack along axis %i equals cpu and the reference', async (axis) => {
    const shape = [4, 20, 3];
    const data = randn(4 * 20 * 3);
    const f = () => tf.unstack(tf.tensor3d(data, shape as [number, number, number]), axis);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.length).toBe(shape[axis]);
    wasm.forEach((piece, i) => {
      const begin = shape.map((_, j) => (j === axis ? i : 0));
      const size = shape.map((n, j) => (j === axis ? 1 : n));
      expect(Array.from(piece)).toEqual(referenceSlice(data, shape, begin, size));
      expect(Array.from(piece)).toEqual(Array.from(cpu[i]));
    });
    await initBackend('wasm');
    expect(tf.tidy(() => tf.unstack(tf.zeros(shape), axis)[0].shape)).toEqual(shape.filter((_, j) => j !== axis));
  });

  it.each([
    { shape: [6, 9], sizes: 3, axis: 1 },
    { shape: [96, 5], sizes: [64, 32], axis: 0 },
    { shape: [2, 7, 4], sizes: [2, -1, 1], axis: 1 },
    { shape: [3, 4, 8], sizes: 2, axis: -1 },
  ])('split $sizes along axis $axis of $shape equals cpu and the reference', async ({ shape, sizes, axis }) => {
    const data = randn(shape.reduce((a, b) => a * b, 1));
    const f = () => tf.split(tf.tensor(data, shape), sizes, axis);
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    const ax = axis < 0 ? axis + shape.length : axis;
    let at = 0;
    wasm.forEach((piece, i) => {
      const n = piece.length / (shape.reduce((a, b) => a * b, 1) / shape[ax]);
      const begin = shape.map((_, j) => (j === ax ? at : 0));
      const size = shape.map((d, j) => (j === ax ? n : d));
      expect(Array.from(piece)).toEqual(referenceSlice(data, shape, begin, size));
      expect(Array.from(piece)).toEqual(Array.from(cpu[i]));
      at += n;
    });
    expect(at).toBe(shape[ax]);
  });

  it('gradients through unstack, split and slice equal cpu (pieces partly unused)', async () => {
    const data = randn(5 * 6 * 4);
    const w = randn(6 * 4);
    const f = () =>
      tf.grad((x: tf.Tensor) => {
        const steps = tf.unstack(x, 1);
        const [a, b] = tf.split(steps[2], [1, 3], 1);
        return steps[4]
          .mul(tf.tensor2d(w.subarray(0, 20), [5, 4]))
          .sum()
          .add(a.sum())
          .add(b.square().sum())
          .add(x.slice([1, 0, 2], [3, 6, 2]).sum());
      })(tf.tensor3d(data, [5, 6, 4]));
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    expectClose(wasm, cpu);
  });

  it('Identity (tf.clone, tensors saved for gradients) shares the buffer until the last reference goes', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const dataIds = backend.numDataIds();
    const values = randn(12);
    const x = tf.tensor2d(values, [3, 4]);
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(dataIds + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(Array.from(values));
    expect(y.shape).toEqual([3, 4]);
    y.dispose();
    expect(backend.numDataIds()).toBe(dataIds);
    // a gradient that reads saved inputs after the forward tensors are gone
    const w = randn(12);
    const f = () =>
      tf.grad((t: tf.Tensor) =>
        t
          .sigmoid()
          .mul(t)
          .mul(tf.tensor2d(w, [3, 4]))
          .sum(),
      )(tf.tensor2d(values, [3, 4]));
    const [cpu] = await on('cpu', f);
    const [wasm] = await on('wasm', f);
    expectClose(wasm, cpu);
  });

  it('Cast to the same dtype shares the buffer; other casts convert as on cpu', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const dataIds = backend.numDataIds();
    const values = [1.5, -2.25, 0, 3];
    const x = tf.tensor1d(values);
    const same = tf.cast(x, 'float32');
    expect(backend.numDataIds()).toBe(dataIds + 1);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual(values);
    same.dispose();
    expect(backend.numDataIds()).toBe(dataIds);
    const f = () => [tf.cast(tf.tensor1d(values), 'int32'), tf.cast(tf.tensor1d([3, 0, -7], 'int32'), 'float32')];
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.map((v) => Array.from(v))).toEqual(cpu.map((v) => Array.from(v)));
    expect(Array.from(wasm[0])).toEqual([1, -2, 0, 3]);
  });

  it('leaves no tensors or wasm buffers behind', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    tf.tidy(() => {
      const x = tf.ones([3, 4, 5]);
      tf.cast(x, 'float32').dataSync();
      tf.clone(x).dataSync();
      tf.unstack(x, 1).forEach((t) => t.dataSync());
      tf.split(x, [1, 4], 2).forEach((t) => t.dataSync());
      x.slice([1, 1, 1], [1, 2, 3]).dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataIds);
  });
});
