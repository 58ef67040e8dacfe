/**
 * Kernel fixes for the tfjs wasm backend (toolchain.md, "Missing kernels on wasm" and "wasm matMul
 * defect"). Each works directly on the wasm heap through the backend's own buffers, so no data leaves
 * the backend and the engine's tensor bookkeeping stays untouched.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: BackendWasm; attrs: Record<string, unknown> };
type WasmKernelFunc = (args: KernelArgs) => tf.TensorInfo;

const BACKEND = 'wasm';
/** kernel functions installed here, so that a second registration never wraps a wrapper */
const installed = new WeakSet<object>();

function kernelFuncOf(name: string): WasmKernelFunc | undefined {
  return tf.getKernel(name, BACKEND)?.kernelFunc as unknown as WasmKernelFunc | undefined;
}

function replaceKernel(name: string, kernelFunc: WasmKernelFunc): void {
  const previous = tf.getKernel(name, BACKEND);
  if (previous) tf.unregisterKernel(name, BACKEND);
  // keep setupFunc: a wrapped kernel still needs the original's wasm function bindings
  tf.registerKernel({ ...(previous ?? {}), kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
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
  const { filterHeight: fH, filterWidth: fW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
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

/**
 * Registers the fixes on the wasm backend: UnsortedSegmentSum, Conv2DBackpropFilter, and the transpose
 * wrapper around BatchMatMul and _FusedMatMul. Idempotent. Call before `tf.setBackend('wasm')`, or at
 * any time after: the wrapped kernels keep their original setup functions.
 */
export function registerWasmKernelFixes(): void {
  const current = (name: string) => tf.getKernel(name, BACKEND)?.kernelFunc as object | undefined;
  const isOurs = (name: string) => {
    const f = current(name);
    return f !== undefined && installed.has(f);
  };
  if (!isOurs('UnsortedSegmentSum')) replaceKernel('UnsortedSegmentSum', unsortedSegmentSumKernel);
  if (!isOurs('Conv2DBackpropFilter')) replaceKernel('Conv2DBackpropFilter', conv2dBackpropFilterKernel);
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = kernelFuncOf(name);
    if (original && !isOurs(name)) replaceKernel(name, withExplicitTranspose(original));
  }
}
