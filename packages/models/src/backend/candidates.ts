/**
 * The backends the loader can try, each as a candidate that loads its package and activates its tfjs
 * backend, or throws a CandidateFailure that says why not. The packages of the GPU candidates are
 * optional dependencies that cannot install everywhere (docs/toolchain.md), so they are required at run time
 * behind a guard, and only when their candidate is tried: `--backend wasm` never loads them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernelFixes } from './wasm-kernels';
import { missingVulkanLoader, probeWebGpuAdapter } from './webgpu-probe';

/**
 * Why a candidate was or was not used. `init-failed` covers what the others do not (a package that
 * loads but registers no backend, a device request that fails).
 */
export type BackendReason =
  'ok' | 'not-installed' | 'native-addon-missing' | 'no-adapter' | 'kernel-missing' | 'smoke-failed' | 'init-failed';

export const BACKEND_REASONS: readonly BackendReason[] = [
  'ok',
  'not-installed',
  'native-addon-missing',
  'no-adapter',
  'kernel-missing',
  'smoke-failed',
  'init-failed',
];

/** A candidate that cannot be used, and why. */
export class CandidateFailure extends Error {
  constructor(
    readonly reason: Exclude<BackendReason, 'ok'>,
    detail: string,
  ) {
    super(detail);
    this.name = 'CandidateFailure';
  }
}

/** What an activated candidate reports. */
export interface Activation {
  /** the tfjs backend now active (tf.getBackend()) */
  backendName: string;
  /** versions to record, e.g. { 'tfjs-backend-wasm': '4.22.0' } */
  versions: Record<string, string>;
  /** what was found, e.g. the GPU adapter */
  detail?: string;
}

export interface BackendCandidate {
  /** the name `--backend` takes and attempts record */
  readonly name: string;
  /** the tfjs backend it registers; two candidates with one backend name cannot both load in a process */
  readonly backendName: string;
  /** npm packages it needs, for their installed versions (doctor) */
  readonly packages: readonly string[];
  /** loads what it needs and makes its backend the active one; throws a CandidateFailure (or any error) */
  activate(): Promise<Activation>;
}

/**
 * `require` hidden from bundlers: a literal require of an optional package would make esbuild or
 * webpack try to resolve it at build time, where it is usually absent.
 */
function optionalRequire(name: string): unknown {
  const req = typeof require === 'function' ? require : undefined;
  if (!req) throw new Error('require is not available in this module system');
  return req(name);
}

function optionalResolve(name: string): string | undefined {
  const req = typeof require === 'function' ? require : undefined;
  try {
    return req?.resolve(name);
  } catch {
    return undefined;
  }
}

export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim();
}

/** The installed version of a package (its package.json next to its entry file), or undefined. */
export function installedVersion(pkg: string): string | undefined {
  const entry = optionalResolve(pkg);
  if (!entry) return undefined;
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (json.name === pkg) return json.version;
    } catch {
      // no package.json at this level
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The reason behind an error thrown while requiring a package that resolves: a native binary or one of
 * the shared libraries it links (libtensorflow, libcudart, …) that cannot be loaded, else init-failed.
 */
export function classifyRequireError(e: unknown): Exclude<BackendReason, 'ok'> {
  const code = (e as { code?: unknown })?.code;
  const text = e instanceof Error ? e.message : String(e);
  if (code === 'ERR_DLOPEN_FAILED') return 'native-addon-missing';
  if (
    /native addon|\.node\b|cannot open shared object|invalid ELF header|wrong ELF class|GLIBC|undefined symbol|image not found|Library not loaded/i.test(
      text,
    )
  )
    return 'native-addon-missing';
  return 'init-failed';
}

function requireInstalled(pkg: string): unknown {
  if (!optionalResolve(pkg))
    throw new CandidateFailure(
      'not-installed',
      `Cannot find module '${pkg}' (an optional peer dependency; to use this backend: npm install ${pkg})`,
    );
  try {
    return optionalRequire(pkg);
  } catch (e) {
    throw new CandidateFailure(classifyRequireError(e), firstLine(e));
  }
}

/**
 * tfjs-node-gpu or tfjs-node: both register the backend 'tensorflow' (libtensorflow through a native
 * addon). `pkg` (a package name or a path) defaults to the candidate's own package.
 */
export function createTfjsNodeCandidate(name: string, pkg = `@tensorflow/${name}`): BackendCandidate {
  return {
    name,
    backendName: 'tensorflow',
    packages: [pkg],
    async activate() {
      const mod = requireInstalled(pkg) as { version?: Record<string, string> };
      // missing when the package resolved another copy of @tensorflow/tfjs-core than this module uses
      if (!tf.findBackendFactory('tensorflow')) {
        throw new CandidateFailure(
          'init-failed',
          `${pkg} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core ` +
            `(duplicate installs?)`,
        );
      }
      if (!(await tf.setBackend('tensorflow')))
        throw new CandidateFailure('init-failed', `tf.setBackend('tensorflow') returned false`);
      const v = mod.version?.[name] ?? mod.version?.['tfjs-node'];
      return { backendName: 'tensorflow', versions: v ? { [name]: v } : {} };
    },
  };
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: object): Promise<{ info?: Record<string, string> } | null> };
  globals: Record<string, unknown>;
}

/**
 * Makes Dawn's GPU object `navigator.gpu` and its constants (GPUBufferUsage, …) globals, as tfjs-backend-webgpu
 * expects.
 */
function installNavigatorGpu(dawn: DawnModule): ReturnType<DawnModule['create']> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  for (const [k, v] of Object.entries(dawn.globals))
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = dawn.create([]);
  if (g.navigator === undefined)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  return gpu;
}

function adapterText(a: { vendor?: string; architecture?: string; device?: string; description?: string }): string {
  return (
    [a.description, a.vendor, a.architecture, a.device].filter((s) => s && s.length > 0).join(', ') ||
    'an adapter without a description'
  );
}

/**
 * @tensorflow/tfjs-backend-webgpu on Dawn's Node binding (the `webgpu` package). Both packages can be
 * replaced by a name or path, for tests.
 */
export function createWebGpuCandidate(
  opts: { name?: string; dawnPackage?: string; tfjsPackage?: string } = {},
): BackendCandidate {
  const dawnPackage = opts.dawnPackage ?? 'webgpu';
  const tfjsPackage = opts.tfjsPackage ?? '@tensorflow/tfjs-backend-webgpu';
  const packages = [tfjsPackage, dawnPackage];
  return {
    name: opts.name ?? 'webgpu',
    backendName: 'webgpu',
    packages,
    async activate() {
      for (const pkg of packages) {
        if (!optionalResolve(pkg))
          throw new CandidateFailure(
            'not-installed',
            `Cannot find module '${pkg}' (an optional peer dependency; to use this backend: npm install ${pkg})`,
          );
      }
      const probe = await probeWebGpuAdapter(optionalResolve(dawnPackage)!);
      const said = (messages: readonly string[]) => (messages.length > 0 ? `; Dawn: ${messages.join(' | ')}` : '');
      if (!probe.loaded)
        throw new CandidateFailure(
          classifyRequireError(new Error(probe.error)),
          `${probe.error ?? 'dawn.node did not load'}${said(probe.messages)}`,
        );
      if (!probe.adapter) {
        const loader = missingVulkanLoader(probe.messages);
        if (loader) {
          const others = probe.messages.filter((m) => !m.includes(loader));
          throw new CandidateFailure(
            'native-addon-missing',
            `Dawn could not load the Vulkan loader (${loader}: cannot open shared object file), so ` +
              `requestAdapter() returned null${said(others)}`,
          );
        }
        throw new CandidateFailure('no-adapter', `requestAdapter() returned null${said(probe.messages)}`);
      }
      // the adapter exists: the same steps in this process. A real (not bundler-visible) require, because
      // the package is an ES module, which the test runner's require cannot load.
      let dawn: DawnModule;
      try {
        dawn = createRequire(__filename)(dawnPackage) as DawnModule;
      } catch (e) {
        throw new CandidateFailure(classifyRequireError(e), firstLine(e));
      }
      const gpu = installNavigatorGpu(dawn);
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter)
        throw new CandidateFailure(
          'no-adapter',
          `requestAdapter() returned null in this process (the probe found ${adapterText(probe.adapter)})`,
        );
      // registers the backend only when navigator.gpu exists at import time, hence after installNavigatorGpu
      requireInstalled(tfjsPackage);
      if (!tf.findBackendFactory('webgpu')) {
        throw new CandidateFailure(
          'init-failed',
          `${tfjsPackage} registered no 'webgpu' backend (imported before navigator.gpu existed?)`,
        );
      }
      if (!(await tf.setBackend('webgpu')))
        throw new CandidateFailure(
          'init-failed',
          `tf.setBackend('webgpu') returned false: the device request on ${adapterText(probe.adapter)} failed`,
        );
      const versions: Record<string, string> = {};
      for (const pkg of packages) {
        const v = installedVersion(pkg);
        if (v) versions[pkg.replace('@tensorflow/', '')] = v;
      }
      return { backendName: 'webgpu', versions, detail: `adapter: ${adapterText(probe.adapter)}` };
    },
  };
}

const wasmCandidate: BackendCandidate = {
  name: 'wasm',
  backendName: 'wasm',
  packages: ['@tensorflow/tfjs-backend-wasm'],
  async activate() {
    registerWasmKernelFixes();
    if (!(await tf.setBackend('wasm'))) {
      throw new CandidateFailure(
        'native-addon-missing',
        "tf.setBackend('wasm') returned false: the .wasm binaries of @tensorflow/tfjs-backend-wasm were not found " +
          '(after bundling, copy node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm next to the bundle ' +
          'or call setWasmPaths)',
      );
    }
    return { backendName: 'wasm', versions: { 'tfjs-backend-wasm': tfWasm.version_wasm } };
  },
};

const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  backendName: 'cpu',
  packages: ['@tensorflow/tfjs-backend-cpu'],
  async activate() {
    if (!(await tf.setBackend('cpu'))) throw new CandidateFailure('init-failed', `tf.setBackend('cpu') returned false`);
    return { backendName: 'cpu', versions: { 'tfjs-backend-cpu': tf.version['tfjs-backend-cpu'] ?? tf.version_core } };
  },
};

/** The real candidates in the order 'auto' tries them (issue 8): tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu. */
export function defaultCandidates(): BackendCandidate[] {
  return [
    createTfjsNodeCandidate('tfjs-node-gpu'),
    createTfjsNodeCandidate('tfjs-node'),
    createWebGpuCandidate(),
    wasmCandidate,
    cpuCandidate,
  ];
}
