/**
 * The tfjs backend loader (architecture.md: tfjs-node-gpu → tfjs-node → wasm → cpu). The native
 * packages are optional dependencies that cannot install everywhere (toolchain.md), so they are
 * required at run time behind a guard; bundles and tests work without them.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { DriftwatchError, ParameterError } from '@driftwatch/contracts';
import { registerWasmKernelFixes } from './wasm-kernels';

export { tf };

export type BackendPreference = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
type Candidate = Exclude<BackendPreference, 'auto'>;
const AUTO_ORDER: readonly Candidate[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface BackendAttempt {
  candidate: string;
  ok: boolean;
  error?: string;
}

export interface BackendInfo {
  /** tf.getBackend() after loading */
  name: string;
  requested: BackendPreference;
  attempts: BackendAttempt[];
  /** tfjs-core, the backend package, node */
  versions: Record<string, string>;
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

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim();
}

async function tryNative(pkg: 'tfjs-node-gpu' | 'tfjs-node'): Promise<Record<string, string>> {
  const mod = optionalRequire(`@tensorflow/${pkg}`) as { version?: Record<string, string> };
  // both packages register the backend 'tensorflow'; it is missing when the package resolved another
  // copy of @tensorflow/tfjs-core than this module uses
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Error(`@tensorflow/${pkg} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core (duplicate installs?)`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`tf.setBackend('tensorflow') returned false`);
  const v = mod.version?.[pkg] ?? mod.version?.['tfjs-node'];
  return v ? { [pkg]: v } : {};
}

async function tryWasm(): Promise<Record<string, string>> {
  registerWasmKernelFixes();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error(
      "tf.setBackend('wasm') returned false: the .wasm binaries of @tensorflow/tfjs-backend-wasm were not found " +
        '(after bundling, copy node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm next to the bundle or call setWasmPaths)',
    );
  }
  return { 'tfjs-backend-wasm': tfWasm.version_wasm };
}

async function tryCpu(): Promise<Record<string, string>> {
  if (!(await tf.setBackend('cpu'))) throw new Error(`tf.setBackend('cpu') returned false`);
  return { 'tfjs-backend-cpu': tf.version['tfjs-backend-cpu'] ?? tf.version_core };
}

function attempt(candidate: Candidate): Promise<Record<string, string>> {
  switch (candidate) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return tryNative(candidate);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

const cache = new Map<BackendPreference, Promise<BackendInfo>>();
let lastInfo: BackendInfo | undefined;

async function load(preference: BackendPreference): Promise<BackendInfo> {
  const candidates = preference === 'auto' ? AUTO_ORDER : [preference];
  const attempts: BackendAttempt[] = [];
  for (const candidate of candidates) {
    try {
      const versions = await attempt(candidate);
      attempts.push({ candidate, ok: true });
      tf.enableProdMode();
      return {
        name: tf.getBackend(),
        requested: preference,
        attempts,
        versions: { 'tfjs-core': tf.version_core, ...versions, node: process.versions.node },
      };
    } catch (e) {
      attempts.push({ candidate, ok: false, error: firstLine(e) });
    }
  }
  const tried = attempts.map((a) => `${a.candidate}: ${a.error}`).join('; ');
  throw new DriftwatchError(`no tfjs backend could be loaded for '${preference}' (${tried})`);
}

/**
 * Selects and initialises a tfjs backend. 'auto' tries tfjs-node-gpu, tfjs-node, wasm, cpu in that
 * order; a named preference tries only that one and throws a DriftwatchError with the reason when it
 * fails. A second call with the same preference returns the same info (and re-activates that backend
 * if another call switched away from it in between).
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (!BACKEND_PREFERENCES.includes(preference)) {
    throw new ParameterError(`unknown backend '${String(preference)}'; known: ${BACKEND_PREFERENCES.join(', ')}`);
  }
  let pending = cache.get(preference);
  if (!pending) {
    pending = load(preference);
    cache.set(preference, pending);
    pending.catch(() => cache.delete(preference));
  }
  const info = await pending;
  if (tf.getBackend() !== info.name && !(await tf.setBackend(info.name))) {
    throw new DriftwatchError(`tfjs backend '${info.name}' could not be re-activated`);
  }
  lastInfo = info;
  return info;
}

/** The info of the backend selected last; initialises 'auto' when none was selected yet. */
export async function ensureBackend(): Promise<BackendInfo> {
  if (lastInfo && tf.getBackend() === lastInfo.name) return lastInfo;
  return initBackend(lastInfo?.requested ?? 'auto');
}

/** One line for a CLI: the backend in use, its versions and what was tried before it, with reasons. */
export function describeBackend(info: BackendInfo): string {
  const pkgVersions = Object.entries(info.versions)
    .filter(([k]) => k !== 'node')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const failed = info.attempts.filter((a) => !a.ok).map((a) => `${a.candidate} (${a.error})`);
  const requested = info.requested === 'auto' ? 'auto' : `requested ${info.requested}`;
  return `tfjs backend: ${info.name} [${requested}; ${pkgVersions}; node ${info.versions.node}]${failed.length ? `; unavailable: ${failed.join('; ')}` : ''}`;
}
