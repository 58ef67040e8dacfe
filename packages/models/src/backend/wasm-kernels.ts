/**
 * Kernel fixes for the tfjs wasm backend (docs/toolchain.md, "Missing kernels on wasm" and "wasm matMul
 * defect"). Each works directly on the wasm heap through the backend's own buffers, so no data leaves
 * the backend and the engine's tensor bookkeeping stays untouched.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: BackendWasm; attrs: Record<string, unknown> };
type WasmKernelFunc = (args: KernelArgs) => tf.TensorInfo;
/** a kernel with several outputs (Unpack, SplitV) */
type WasmMultiKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

const BACKEND = 'wasm';
/** kernel functions installed here, so that a second registration never wraps a wrapper */
const installed = new WeakSet<object>();

function kernelFuncOf(name: string): WasmKernelFunc | undefined {
  return tf.getKernel(name, BACKEND)?.kernelFunc as unknown as WasmKernelFunc | undefined;
}

function replaceKernel(name: string, kernelFunc: WasmKernelFunc | WasmMultiKernelFunc): void {
  const previous = tf.getKernel(name, BACKEND);
  if (previous) tf.unregisterKernel(name, BACKEND);
  // keep setupFunc: a wrapped kernel still needs the original's wasm function bindings
  tf.registerKernel({
    ...(previous ?? {}),
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  });
  installed.add(kernelFunc);
}

/**
 * out[segmentIds[i], …] += x[i, …]: one pass over x. Registered because wasm lacks the kernel, which
 * the gradient of tf.gather needs; ids outside [0, numSegments) are skipped like TensorFlow does.
 */
export const unsortedSegmentSumKernel: WasmKernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x;
  const ids = inputs.segmentIds;
  const k = attrs.numSegments as number;
  const n = tf.util.sizeFromShape(ids.shape);
  const m = n === 0 ? 0 : tf.util.sizeFromShape(x.shape) / n;
  // makeOutput may grow the heap, which detaches views taken earlier: take them afterwards
  const out = backend.makeOutput([k, ...x.shape.slice(ids.shape.length)], x.dtype);
  const o = backend.typedArrayFromHeap(out);
  const v = backend.typedArrayFromHeap(x);
  const s = backend.typedArrayFromHeap(ids);
  o.fill(0);
  for (let i = 0; i < n; i++) {
    const seg = s[i];
    if (seg < 0 || seg >= k) continue;
    const src = i * m;
    const dst = seg * m;
    for (let j = 0; j < m; j++) o[dst + j] += v[src + j];
  }
  return out;
};

/**
 * out[i, …] = x[indices[i], …] for gathers of whole rows (axis 0, no batch dimensions), one block copy per index;
 * other gathers go to the original kernel. wasm's GatherV2 copies element by element: 110 ms for 32,768 rows of 32
 * floats, which made it the largest cost of st-dda's top-k step; the copy takes a few ms.
 */
export function withRowGather(original: WasmKernelFunc): WasmKernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x;
    const indices = inputs.indices;
    const axis = attrs.axis as number;
    const batchDims = (attrs.batchDims as number | undefined) ?? 0;
    if (!(axis === 0 || axis === -x.shape.length) || batchDims !== 0 || x.shape.length === 0) return original(args);
    const rows = x.shape[0];
    const m = tf.util.sizeFromShape(x.shape.slice(1));
    const n = tf.util.sizeFromShape(indices.shape);
    // makeOutput may grow the heap, which detaches views taken earlier: take them afterwards
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const o = backend.typedArrayFromHeap(out);
    const v = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < n; i++) {
      const row = ids[i];
      if (!(row >= 0 && row < rows)) {
        backend.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
      }
      o.set(v.subarray(row * m, (row + 1) * m), i * m);
    }
    return out;
  };
}

/**
 * dW[fh, fw, c, f] = Σ_{b, oh, ow} x[b, oh·sh − top + fh·dh, ow·sw − left + fw·dw, c] · dy[b, oh, ow, f]:
 * the transposed im2col matrix A (fh·fw·c rows, b·oh·ow columns) times dy (b·oh·ow × f) on the wasm
 * BatchMatMul kernel, which is 20× faster than a JS loop.
 */
export const conv2dBackpropFilterKernel: WasmKernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const dataFormat = (attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  const { batchSize: nb, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels } = info;
  const {
    filterHeight: fH,
    filterWidth: fW,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rows = fH * fW * c;
  const cols = nb * outHeight * outWidth;
  const a = backend.makeOutput([1, rows, cols], 'float32');
  const av = backend.typedArrayFromHeap(a);
  const xv = backend.typedArrayFromHeap(x);
  for (let fh = 0; fh < fH; fh++) {
    for (let fw = 0; fw < fW; fw++) {
      for (let ch = 0; ch < c; ch++) {
        const rowBase = ((fh * fW + fw) * c + ch) * cols;
        for (let b = 0; b < nb; b++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * sh - top + fh * dh;
            const colBase = rowBase + (b * outHeight + oh) * outWidth;
            if (ih < 0 || ih >= inHeight) {
              av.fill(0, colBase, colBase + outWidth);
              continue;
            }
            const xRow = (b * inHeight + ih) * inWidth;
            for (let ow = 0; ow < outWidth; ow++) {
              const iw = ow * sw - left + fw * dw;
              av[colBase + ow] = iw >= 0 && iw < inWidth ? xv[(xRow + iw) * c + ch] : 0;
            }
          }
        }
      }
    }
  }
  const matMul = kernelFuncOf('BatchMatMul')!;
  const dy3: tf.TensorInfo = { dataId: dy.dataId, shape: [1, cols, outChannels], dtype: dy.dtype };
  try {
    const out = matMul({ inputs: { a, b: dy3 }, backend, attrs: { transposeA: false, transposeB: false } });
    out.shape = [...filterShape];
    return out;
  } finally {
    backend.disposeData(a.dataId);
  }
};

type HeapArray = Float32Array | Int32Array | Uint8Array;

/**
 * Copies the region begin … begin + size of a row-major array of `shape` starting at `src` to `dst` onward,
 * within one array (the wasm heap): one copyWithin per contiguous run, the run being the innermost axes the region
 * spans whole plus the first one it cuts.
 */
export function copyRegion(
  heap: HeapArray,
  src: number,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: number,
): void {
  const rank = shape.length;
  if (size.some((n) => n === 0)) return;
  const strides = new Array<number>(rank);
  for (let j = rank - 1, s = 1; j >= 0; j--) {
    strides[j] = s;
    s *= shape[j];
  }
  // axes [outerRank, rank) form runs of `run` contiguous elements
  let outerRank = rank;
  let run = 1;
  while (outerRank > 0) {
    outerRank--;
    run *= size[outerRank];
    if (size[outerRank] !== shape[outerRank]) break;
  }
  let from = src;
  for (let j = 0; j < rank; j++) from += begin[j] * strides[j];
  let outer = 1;
  for (let j = 0; j < outerRank; j++) outer *= size[j];
  const index = new Array<number>(outerRank).fill(0);
  for (let n = 0; n < outer; n++, dst += run) {
    heap.copyWithin(dst, from, from + run);
    // odometer over the outer axes: next run's start
    for (let j = outerRank - 1; j >= 0; j--) {
      from += strides[j];
      if (++index[j] < size[j]) break;
      index[j] = 0;
      from -= size[j] * strides[j];
    }
  }
}

/** the whole heap as elements of a view's type, and the view's first element in it */
function heapOf(view: HeapArray): { heap: HeapArray; at: number } {
  const Ctor = view.constructor as new (buffer: ArrayBufferLike) => HeapArray;
  return { heap: new Ctor(view.buffer), at: view.byteOffset / view.BYTES_PER_ELEMENT };
}

/**
 * Cuts pieces of x, each given by its begin and size, into new heap buffers. tfjs-backend-wasm 4.22's Slice
 * copies the whole input out of the heap (readSync) before cutting, for every piece: unstacking a 20-step
 * sequence copied it 20 times, a quarter of a Rec DIVAD step. Here the pieces are copied within the heap.
 * Outputs are made first: making one may grow the heap, which detaches views taken earlier.
 */
function slicesOnHeap(
  x: tf.TensorInfo,
  pieces: readonly { begin: number[]; size: number[] }[],
  backend: BackendWasm,
): tf.TensorInfo[] {
  const outs = pieces.map((p) => backend.makeOutput(p.size, x.dtype));
  const { heap, at: src } = heapOf(backend.typedArrayFromHeap(x));
  pieces.forEach((p, i) => {
    const dst = heapOf(backend.typedArrayFromHeap(outs[i])).at;
    copyRegion(heap, src, x.shape, p.begin, p.size, dst);
  });
  return outs;
}

/** Slice on the heap; strings, which live outside it, go to the original kernel */
export function sliceKernel(original: WasmKernelFunc): WasmKernelFunc {
  return (args) => {
    const x = args.inputs.x;
    if (x.dtype === 'string') return original(args);
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as tf.Tensor,
      args.attrs.begin as number | number[],
      args.attrs.size as number | number[] | undefined,
    );
    return slicesOnHeap(x, [{ begin, size }], args.backend)[0];
  };
}

/** Unpack (tf.unstack) on the heap: piece i is index i along the axis, which the outputs drop */
export function unpackKernel(original: WasmMultiKernelFunc): WasmMultiKernelFunc {
  return (args) => {
    const value = args.inputs.value;
    if (value.dtype === 'string') return original(args);
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, value.shape)[0];
    const pieces = Array.from({ length: value.shape[axis] }, (_, i) => ({
      begin: value.shape.map((_, j) => (j === axis ? i : 0)),
      size: value.shape.map((n, j) => (j === axis ? 1 : n)),
    }));
    const outShape = value.shape.filter((_, j) => j !== axis);
    return slicesOnHeap(value, pieces, args.backend).map((o) => ({ ...o, shape: outShape }));
  };
}

/** SplitV (tf.split) on the heap: consecutive pieces along the axis */
export function splitVKernel(original: WasmMultiKernelFunc): WasmMultiKernelFunc {
  return (args) => {
    const x = args.inputs.x;
    if (x.dtype === 'string') return original(args);
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(
      x as tf.Tensor,
      args.attrs.numOrSizeSplits as number | number[],
      axis,
    );
    let at = 0;
    const pieces = sizes.map((n) => {
      const piece = {
        begin: x.shape.map((_, j) => (j === axis ? at : 0)),
        size: x.shape.map((d, j) => (j === axis ? n : d)),
      };
      at += n;
      return piece;
    });
    return slicesOnHeap(x, pieces, args.backend);
  };
}

/**
 * Identity as a second reference to the same buffer, as the cpu backend does. The engine clones every tensor it
 * saves for the backward pass (saveTensorsForBackwardMode), and the 4.22 wasm kernel copies each one: 5 % of a
 * Rec DIVAD step once slices stopped copying. Sharing is safe because no kernel writes into its inputs; the
 * buffer is freed when the last reference is disposed.
 */
export function identityKernel(original: WasmKernelFunc): WasmKernelFunc {
  return (args) => {
    const x = args.inputs.x;
    if (x.dtype === 'string') return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/**
 * Cast to the dtype the tensor already has shares the buffer too (as on cpu); the gradient of every clone is such
 * a cast, 283 of them per Rec DIVAD step, each a copy on the 4.22 kernel. Other casts go to the original.
 */
export function castKernel(original: WasmKernelFunc): WasmKernelFunc {
  return (args) => {
    const x = args.inputs.x;
    if (x.dtype !== args.attrs.dtype || x.dtype === 'string') return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** Swaps the last two axes with the wasm Transpose kernel (a new heap buffer the caller disposes). */
function transposeLastTwo(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return kernelFuncOf('Transpose')!({ inputs: { x }, backend, attrs: { perm } });
}

/**
 * Wraps a matMul kernel so that transposeA/transposeB become explicit transposes followed by the
 * flag-free call: the wasm kernels are 7–40× slower with the flags set, and backward passes set them.
 */
export function withExplicitTranspose(original: WasmKernelFunc): WasmKernelFunc {
  return (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original(args);
    const temps: tf.TensorInfo[] = [];
    const inputs = { ...args.inputs };
    if (transposeA) temps.push((inputs.a = transposeLastTwo(args.inputs.a, args.backend)));
    if (transposeB) temps.push((inputs.b = transposeLastTwo(args.inputs.b, args.backend)));
    try {
      return original({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temps) args.backend.disposeData(t.dataId);
    }
  };
}

/** one operand of an einsum: a tensor and one label per axis */
interface Labelled {
  info: tf.TensorInfo;
  labels: string[];
}

/** an einsum equation split into per-operand labels and the output labels */
export interface EinsumTerms {
  inputs: string[][];
  output: string[];
}

/**
 * Parses an explicit einsum equation ('bhqd,bhkd->bhqk'). Rejects what the wasm kernel cannot compute
 * with matMul, transpose and sum: repeated labels within one operand (diagonals), ellipses and the
 * implicit form without '->'. Every error names the equation.
 */
export function parseEinsumEquation(equation: string, operandCount: number): EinsumTerms {
  const fail = (why: string): never => {
    throw new Error(`Einsum '${equation}' on wasm: ${why}`);
  };
  const eq = equation.replace(/\s/g, '');
  const sides = eq.split('->');
  if (sides.length !== 2) fail("expected exactly one '->' (the implicit form without an output is not supported)");
  if (eq.includes('.')) fail("ellipsis ('...') is not supported");
  const [lhs, rhs] = sides;
  const terms = lhs.split(',');
  if (terms.length !== operandCount)
    fail(`the equation has ${terms.length} operand(s), received ${operandCount} tensor(s)`);
  const labelsOf = (term: string, what: string): string[] => {
    if (!/^[A-Za-z]*$/.test(term)) fail(`labels must be letters, got '${term}' in the ${what}`);
    const labels = [...term];
    const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
    if (repeated !== undefined) {
      fail(
        `label '${repeated}' repeats in the ${what} '${term}' (diagonals and repeated output labels are not supported)`,
      );
    }
    return labels;
  };
  const inputs = terms.map((t, i) => labelsOf(t, `operand ${i}`));
  const output = labelsOf(rhs, 'output');
  for (const l of output)
    if (!inputs.some((labels) => labels.includes(l))) fail(`output label '${l}' appears in no operand`);
  return { inputs, output };
}

/** the permutation that takes axes labelled `from` to the order `to` (same labels) */
function permutationOf(from: string[], to: string[]): number[] {
  return to.map((l) => from.indexOf(l));
}

/**
 * The same transpose on the fewest axes: size-1 axes dropped and runs of axes that stay adjacent in the
 * output merged (bhkd → bhdk is [bh, k, d] → [bh, d, k]). perm is empty when no data moves.
 */
export function compactTranspose(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((a) => shape[a] !== 1);
  const runs: number[][] = [];
  for (const a of kept) {
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1] + 1 === a) run.push(a);
    else runs.push([a]);
  }
  if (runs.length <= 1) return { shape: [], perm: [] };
  // source order of the runs gives the compact input shape; their output order gives the permutation
  const bySource = [...runs].sort((r, q) => r[0] - q[0]);
  return {
    shape: bySource.map((r) => r.reduce((p, a) => p * shape[a], 1)),
    perm: runs.map((r) => bySource.indexOf(r)),
  };
}

/**
 * One einsum evaluation on the wasm heap. Intermediate buffers are recorded and disposed at the end;
 * reshapes are views (same dataId, new shape), never copies.
 */
class WasmEinsum {
  private readonly temps: object[] = [];

  constructor(private readonly backend: BackendWasm) {}

  private own(info: tf.TensorInfo): tf.TensorInfo {
    this.temps.push(info.dataId);
    return info;
  }

  private view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return { dataId: info.dataId, shape, dtype: info.dtype };
  }

  /** reorders the axes to `labels` on the compacted shape; a view when no data moves */
  transpose(x: Labelled, labels: string[]): Labelled {
    const fullPerm = permutationOf(x.labels, labels);
    const shape = fullPerm.map((a) => x.info.shape[a]);
    const compact = compactTranspose(x.info.shape, fullPerm);
    if (compact.perm.length === 0) return { info: this.view(x.info, shape), labels };
    const out = this.own(
      kernelFuncOf('Transpose')!({
        inputs: { x: this.view(x.info, compact.shape) },
        backend: this.backend,
        attrs: { perm: compact.perm },
      }),
    );
    return { info: this.view(out, shape), labels };
  }

  /** sums out the axes with the given labels */
  sum(x: Labelled, drop: string[]): Labelled {
    if (drop.length === 0) return x;
    const axis = drop.map((l) => x.labels.indexOf(l));
    const labels = x.labels.filter((l) => !drop.includes(l));
    const shape = labels.map((l) => x.info.shape[x.labels.indexOf(l)]);
    if (axis.every((a) => x.info.shape[a] === 1)) return { info: this.view(x.info, shape), labels };
    const out = this.own(
      kernelFuncOf('Sum')!({ inputs: { x: x.info }, backend: this.backend, attrs: { axis, keepDims: false } }),
    );
    return { info: this.view(out, shape), labels };
  }

  /**
   * z[batch, m, n] = Σ_k x[batch, m, k] · y[batch, k, n] with the labels grouped as batch (in both and
   * kept), contracted (in both, not kept), and kept labels of one side only; labels of one side that are
   * not kept are summed out first. One BatchMatMul with the flags off (the fast wasm path).
   */
  contract(x: Labelled, y: Labelled, keep: string[]): Labelled {
    const rank = (l: string) => keep.indexOf(l);
    const byKeep = (a: string, b: string) => rank(a) - rank(b);
    x = this.sum(
      x,
      x.labels.filter((l) => !y.labels.includes(l) && !keep.includes(l)),
    );
    y = this.sum(
      y,
      y.labels.filter((l) => !x.labels.includes(l) && !keep.includes(l)),
    );
    const batch = x.labels.filter((l) => y.labels.includes(l) && keep.includes(l)).sort(byKeep);
    const inner = x.labels.filter((l) => y.labels.includes(l) && !keep.includes(l));
    const left = x.labels.filter((l) => !y.labels.includes(l)).sort(byKeep);
    const right = y.labels.filter((l) => !x.labels.includes(l)).sort(byKeep);
    const sizeOf = (z: Labelled, l: string) => z.info.shape[z.labels.indexOf(l)];
    const size = (z: Labelled, ls: string[]) => ls.reduce((p, l) => p * sizeOf(z, l), 1);
    const [nb, m, k, n] = [size(x, batch), size(x, left), size(x, inner), size(y, right)];
    const a = this.transpose(x, [...batch, ...left, ...inner]);
    const b = this.transpose(y, [...batch, ...inner, ...right]);
    const out = this.own(this.batchProduct(a.info, b.info, nb, m, k, n));
    const labels = [...batch, ...left, ...right];
    const shape = [
      ...batch.map((l) => sizeOf(x, l)),
      ...left.map((l) => sizeOf(x, l)),
      ...right.map((l) => sizeOf(y, l)),
    ];
    return { info: this.view(out, shape), labels };
  }

  /**
   * [nb, m, k] × [nb, k, n] → [nb, m, n]. The wasm BatchMatMul pays a fixed cost per batch entry, which
   * dominates for tiny matrices: without a contraction (k = 1, outer and elementwise products) a
   * broadcast Multiply is up to 5× faster, and batched dot products (m = n = 1) are Multiply then Sum.
   */
  private batchProduct(a: tf.TensorInfo, b: tf.TensorInfo, nb: number, m: number, k: number, n: number): tf.TensorInfo {
    const backend = this.backend;
    if (k === 1) {
      return kernelFuncOf('Multiply')!({
        inputs: { a: this.view(a, [nb, m, 1]), b: this.view(b, [nb, 1, n]) },
        backend,
        attrs: {},
      });
    }
    if (m === 1 && n === 1 && nb > 1) {
      const products = kernelFuncOf('Multiply')!({
        inputs: { a: this.view(a, [nb, k]), b: this.view(b, [nb, k]) },
        backend,
        attrs: {},
      });
      try {
        return kernelFuncOf('Sum')!({ inputs: { x: products }, backend, attrs: { axis: [1], keepDims: false } });
      } finally {
        backend.disposeData(products.dataId);
      }
    }
    return kernelFuncOf('BatchMatMul')!({
      inputs: { a: this.view(a, [nb, m, k]), b: this.view(b, [nb, k, n]) },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
  }

  /** disposes every intermediate except the result; a result that aliases an input gets a reference */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    let ownsResult = false;
    for (const id of this.temps) {
      if (id === result.dataId) ownsResult = true;
      else this.backend.disposeData(id);
    }
    if (!ownsResult) this.backend.incRef(result.dataId);
    return result;
  }

  abort(): void {
    for (const id of this.temps) this.backend.disposeData(id);
  }
}

/**
 * Einsum for one or more operands without repeated labels. Unlike the cpu backend, which multiplies the
 * broadcast product over all labels before summing, operands are contracted left to right, each pair as
 * transpose → reshape → one BatchMatMul (labels only one side needs are summed out first; Multiply when
 * nothing is contracted); a single operand is Sum then Transpose. float32 only, as the wasm BatchMatMul.
 * tfjs registers no gradient for Einsum on any backend, so this serves inference and scoring code;
 * trainable code uses matMul, transpose and reshape.
 */
export const einsumKernel: WasmKernelFunc = ({ inputs, backend, attrs }) => {
  const equation = attrs.equation as string;
  const tensors = Array.isArray(inputs) ? (inputs as tf.TensorInfo[]) : Object.values(inputs);
  const terms = parseEinsumEquation(equation, tensors.length);
  const sizes = new Map<string, number>();
  tensors.forEach((t, i) => {
    const labels = terms.inputs[i];
    if (t.dtype !== 'float32')
      throw new Error(`Einsum '${equation}' on wasm: operand ${i} is ${t.dtype}, only float32 is supported`);
    if (labels.length !== t.shape.length) {
      throw new Error(
        `Einsum '${equation}' on wasm: operand ${i} has rank ${t.shape.length} but ${labels.length} label(s)`,
      );
    }
    labels.forEach((l, axis) => {
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== t.shape[axis]) {
        throw new Error(
          `Einsum '${equation}' on wasm: label '${l}' has size ${seen} and ${t.shape[axis]} (operand ${i}, ` +
            `shape [${t.shape}])`,
        );
      }
      sizes.set(l, t.shape[axis]);
    });
  });
  if ([...sizes.values()].includes(0)) {
    // every sum is empty (or so is the output): the wasm Sum and BatchMatMul leave such outputs unwritten
    const out = backend.makeOutput(
      terms.output.map((l) => sizes.get(l)!),
      'float32',
    );
    backend.typedArrayFromHeap(out).fill(0);
    return out;
  }
  const run = new WasmEinsum(backend);
  try {
    let acc: Labelled = { info: tensors[0], labels: terms.inputs[0] };
    for (let i = 1; i < tensors.length; i++) {
      // labels still needed: the output's (in output order, which the result then mostly keeps) and the later operands'
      const keep = [...new Set([...terms.output, ...terms.inputs.slice(i + 1).flat()])];
      acc = run.contract(acc, { info: tensors[i], labels: terms.inputs[i] }, keep);
    }
    acc = run.sum(
      acc,
      acc.labels.filter((l) => !terms.output.includes(l)),
    );
    return run.finish(run.transpose(acc, terms.output).info);
  } catch (e) {
    run.abort();
    throw e;
  }
};

/**
 * Registers the fixes on the wasm backend: UnsortedSegmentSum, Conv2DBackpropFilter, Einsum, Slice, Unpack and
 * SplitV copying within the heap, Identity and same-dtype Cast sharing their input's buffer, the row copy in front
 * of GatherV2, and the transpose wrapper around BatchMatMul and _FusedMatMul. Idempotent. Call before
 * `tf.setBackend('wasm')`, or at any time after: the wrapped kernels keep their original setup functions.
 */
export function registerWasmKernelFixes(): void {
  const current = (name: string) => tf.getKernel(name, BACKEND)?.kernelFunc as object | undefined;
  const isOurs = (name: string) => {
    const f = current(name);
    return f !== undefined && installed.has(f);
  };
  if (!isOurs('UnsortedSegmentSum')) replaceKernel('UnsortedSegmentSum', unsortedSegmentSumKernel);
  if (!isOurs('Conv2DBackpropFilter')) replaceKernel('Conv2DBackpropFilter', conv2dBackpropFilterKernel);
  if (!isOurs('Einsum')) replaceKernel('Einsum', einsumKernel);
  const onHeap: [string, (original: WasmKernelFunc) => WasmMultiKernelFunc][] = [
    ['Slice', sliceKernel],
    ['Unpack', unpackKernel],
    ['SplitV', splitVKernel],
    ['Identity', identityKernel],
    ['Cast', castKernel],
  ];
  for (const [name, kernel] of onHeap) {
    const original = kernelFuncOf(name);
    if (original && !isOurs(name)) replaceKernel(name, kernel(original));
  }
  const gather = kernelFuncOf('GatherV2');
  if (gather && !isOurs('GatherV2')) replaceKernel('GatherV2', withRowGather(gather));
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = kernelFuncOf(name);
    if (original && !isOurs(name)) replaceKernel(name, withExplicitTranspose(original));
  }
}
