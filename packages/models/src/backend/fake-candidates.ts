/**
 * Backend candidates for tests of the loader's decisions (test code only; not exported from the package
 * entry). Each fails or passes through the same code paths as a real candidate: a package that is not
 * there, a package whose native binary does not load, a Dawn binding that finds no adapter, and tfjs
 * backends built from the cpu backend's kernels with one left out or giving wrong numbers.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createTfjsNodeCandidate, createWebGpuCandidate, type BackendCandidate } from './candidates';

/** Writes `files` (relative path → content) into a fresh temporary folder and returns it. */
export function writeTempTree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'driftwatch-backend-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export interface CpuLikeOptions {
  /** kernels left out */
  omit?: readonly string[];
  /** kernels whose float32 outputs are multiplied by (1 + relative error) */
  perturb?: Readonly<Record<string, number>>;
  /** kernels whose calls are counted into `calls` */
  calls?: Record<string, number>;
}

/**
 * Registers a tfjs backend `name` that is a fresh cpu backend with the cpu kernels copied, except the
 * omitted ones and with the perturbed ones altered.
 */
export function registerCpuLikeBackend(name: string, opts: CpuLikeOptions = {}): void {
  const CpuBackend = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
  tf.registerBackend(name, () => new CpuBackend());
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (opts.omit?.includes(k.kernelName)) continue;
    const factor = opts.perturb?.[k.kernelName];
    const counts = opts.calls && k.kernelName in opts.calls ? opts.calls : undefined;
    const kernelFunc: tf.KernelFunc = (args) => {
      if (counts) counts[k.kernelName] += 1;
      const out = k.kernelFunc(args) as tf.TensorInfo;
      if (factor === undefined) return out;
      const b = args.backend as tf.KernelBackend & {
        makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
      };
      const values = Float32Array.from(b.readSync(out.dataId) as Float32Array, (v) => v * (1 + factor));
      b.disposeData(out.dataId);
      return b.makeTensorInfo(out.shape, out.dtype, values);
    };
    tf.registerKernel({ ...k, backendName: name, kernelFunc });
  }
}

/** A candidate that activates the registered tfjs backend `backendName`. */
export function activatingCandidate(name: string, backendName = name): BackendCandidate {
  return {
    name,
    backendName,
    packages: [],
    async activate() {
      if (!(await tf.setBackend(backendName))) throw new Error(`tf.setBackend('${backendName}') returned false`);
      return { backendName, versions: { [name]: '0.0.0-test' } };
    },
  };
}

/** A tfjs-node-like candidate whose package is not installed anywhere. */
export function notInstalledCandidate(name: string): BackendCandidate {
  return createTfjsNodeCandidate(name, `@driftwatch/${name}-is-not-installed`);
}

/** A tfjs-node-like candidate whose package resolves but whose native addon is not a loadable binary. */
export function brokenAddonCandidate(name: string): BackendCandidate {
  const root = writeTempTree({
    'index.js': "module.exports = require('./build/binding.node');\n",
    'package.json': JSON.stringify({ name: 'broken-addon', version: '1.0.0', main: 'index.js' }),
    // not an ELF file: the dynamic loader refuses it like a binary built for another system
    'build/binding.node': new Uint8Array(512).fill(0x2a),
  });
  return createTfjsNodeCandidate(name, root);
}

/**
 * A webgpu-like candidate on a stand-in for Dawn's binding: an ES module whose `requestAdapter()`
 * returns null after writing `stderr` (what Dawn prints) to the process's stderr.
 */
export function noAdapterCandidate(name: string, stderr: string): BackendCandidate {
  const root = writeTempTree({
    'package.json': JSON.stringify({ name: 'dawn-stand-in', version: '1.0.0', type: 'module', main: 'index.js' }),
    'index.js': [
      `export function create() {`,
      `  return { requestAdapter: async () => { process.stderr.write(${JSON.stringify(stderr)}); return null; } };`,
      `}`,
      `export const globals = {};`,
      '',
    ].join('\n'),
  });
  return createWebGpuCandidate({ name, dawnPackage: root, tfjsPackage: root });
}
