/**
 * The tfjs backend loader (docs/architecture.md; issue 8): tries tfjs-node-gpu → tfjs-node → webgpu → wasm →
 * cpu and accepts a candidate only when it loads and passes the smoke test (smoke-test.ts) against the
 * cpu backend; records for every candidate tried why it was or was not used. Candidates are injectable
 * (`new BackendLoader({ candidates })`), so that tests drive the decisions; the functions below use the
 * real ones.
 */
import * as tf from '@tensorflow/tfjs';
import { DriftwatchError, ParameterError } from '@driftwatch/contracts';
import {
  CandidateFailure,
  defaultCandidates,
  firstLine,
  installedVersion,
  type BackendCandidate,
  type BackendReason,
} from './candidates';
import { registerCpuFallbacks } from './cpu-fallback';
import {
  SMOKE_TOLERANCE,
  compareSmoke,
  defaultSmokeProblem,
  runSmokeStep,
  smokeStepFloat64,
  type SmokeProblem,
  type SmokeResult,
} from './smoke-test';

export { tf };

export type BackendPreference = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = [
  'auto',
  'tfjs-node-gpu',
  'tfjs-node',
  'webgpu',
  'wasm',
  'cpu',
];

/** The smoke test's outcome on one backend. */
export interface SmokeSummary {
  /** what it was compared with: the cpu backend, or (for cpu itself) the float64 computation */
  reference: 'cpu' | 'float64';
  maxRelativeError: number;
  /** the quantity with the largest error: 'lossBefore', 'lossAfter', 'step w1', … */
  worst: string;
  tolerance: number;
  /** milliseconds of the step on this backend, reading the results included */
  ms: number;
}

export interface BackendAttempt {
  candidate: string;
  ok: boolean;
  /** 'ok' when accepted, else why not */
  reason: BackendReason;
  /** what was found: the failure's message, or for an accepted candidate its smoke test and fallbacks */
  detail: string;
  /** the failure's message (detail), kept for readers of the first format of this record */
  error?: string;
  smoke?: SmokeSummary;
  /** kernels the backend lacks that run on cpu through the per-op fallback when used */
  cpuFallbacks?: string[];
  ms: number;
}

export interface BackendInfo {
  /** tf.getBackend() after loading */
  name: string;
  requested: BackendPreference | (string & {});
  /** the candidates tried, in order; the last is the accepted one */
  attempts: BackendAttempt[];
  /** tfjs-core, the backend package, node */
  versions: Record<string, string>;
}

/** One candidate's row for `driftwatch doctor`. */
export interface CandidateReport extends BackendAttempt {
  /** chosen: the first accepted; not-tried: its tfjs backend is taken by an accepted earlier candidate */
  status: 'chosen' | 'accepted' | 'rejected' | 'not-tried';
  /** the installed version of each package it needs (null: not installed) */
  packages: Record<string, string | null>;
}

export interface BackendProbe {
  requested: string;
  candidates: CandidateReport[];
  /** the chosen backend, active after the probe; undefined when none passed */
  chosen?: BackendInfo;
}

export interface LoaderOptions {
  /** in the order 'auto' tries them (default: the real ones) */
  candidates?: readonly BackendCandidate[];
  /** register cpu fallbacks for kernels a backend lacks (default true) */
  cpuFallback?: boolean;
  /** where the fallbacks' one-time warnings go (default: stderr) */
  warn?: (line: string) => void;
  tolerance?: number;
  smokeProblem?: SmokeProblem;
}

/** The kernel named by tfjs's "not registered" and "gradient function not found" errors, if the error is one. */
export function missingKernelOf(e: unknown): string | undefined {
  const text = e instanceof Error ? e.message : String(e);
  return (
    /Kernel '([^']+)' not registered for backend/.exec(text)?.[1] ??
    /gradient function not found for (\w+)/.exec(text)?.[1]
  );
}

function formatError(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}

/** "smoke test ok: max relative error 2.4e-7 (lossAfter) vs cpu, ≤ 1e-4" */
function smokeText(s: SmokeSummary, ok: boolean): string {
  return (
    `smoke test ${ok ? 'ok' : 'failed'}: max relative error ${formatError(s.maxRelativeError)} (${s.worst}) ` +
    `vs ${s.reference}, ${ok ? '≤' : '>'} ${formatError(s.tolerance)}`
  );
}

/** The attempt inside a doctor row. */
function attemptOf(r: CandidateReport): BackendAttempt {
  const { candidate, ok, reason, detail, error, smoke, cpuFallbacks, ms } = r;
  return {
    candidate,
    ok,
    reason,
    detail,
    ...(error !== undefined ? { error } : {}),
    ...(smoke ? { smoke } : {}),
    ...(cpuFallbacks ? { cpuFallbacks } : {}),
    ms,
  };
}

export class BackendLoader {
  private readonly candidates: readonly BackendCandidate[];
  private readonly cpuFallback: boolean;
  private readonly warn: (line: string) => void;
  private readonly tolerance: number;
  private readonly problem: SmokeProblem;
  private readonly cache = new Map<string, Promise<BackendInfo>>();
  /** smoke outcomes by tfjs backend name: the test runs once per backend and process */
  private readonly smokes = new Map<string, Promise<SmokeSummary>>();
  private cpuReference?: Promise<SmokeResult>;
  /** loads switch the global active backend, so they run one at a time */
  private queue: Promise<unknown> = Promise.resolve();
  private lastInfo?: BackendInfo;

  constructor(opts: LoaderOptions = {}) {
    this.candidates = opts.candidates ?? defaultCandidates();
    this.cpuFallback = opts.cpuFallback ?? true;
    this.warn = opts.warn ?? ((line) => process.stderr.write(`warning: ${line}\n`));
    this.tolerance = opts.tolerance ?? SMOKE_TOLERANCE;
    this.problem = opts.smokeProblem ?? defaultSmokeProblem();
  }

  /** 'auto' and the candidates' names */
  get preferences(): string[] {
    return ['auto', ...this.candidates.map((c) => c.name)];
  }

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private candidatesFor(preference: string): readonly BackendCandidate[] {
    if (preference === 'auto') return this.candidates;
    const c = this.candidates.find((x) => x.name === preference);
    if (!c) throw new ParameterError(`unknown backend '${preference}'; known: ${this.preferences.join(', ')}`);
    return [c];
  }

  /** The step on cpu, checked against float64 once; every other backend is compared with it. */
  private referenceOnCpu(): Promise<SmokeResult> {
    this.cpuReference ??= (async () => {
      if (!(await tf.setBackend('cpu')))
        throw new CandidateFailure('init-failed', "the cpu backend, the smoke test's reference, did not initialise");
      const result = await runSmokeStep(this.problem);
      const check = compareSmoke(result, smokeStepFloat64(this.problem), this.tolerance);
      if (!check.ok) {
        throw new CandidateFailure(
          'smoke-failed',
          `the cpu backend, the smoke test's reference, differs from the float64 computation ` +
            `by ${formatError(check.maxRelativeError)} (${check.worst})`,
        );
      }
      return result;
    })();
    return this.cpuReference;
  }

  /**
   * Runs the smoke test on the active backend `backendName` (once per backend); throws a CandidateFailure when it
   * fails.
   */
  private smoke(backendName: string): Promise<SmokeSummary> {
    let pending = this.smokes.get(backendName);
    if (!pending) {
      pending = (async () => {
        const isCpu = backendName === 'cpu';
        const reference = isCpu ? smokeStepFloat64(this.problem) : await this.referenceOnCpu();
        if (!(await tf.setBackend(backendName)))
          throw new CandidateFailure(
            'init-failed',
            `tf.setBackend('${backendName}') returned false after the cpu reference ran`,
          );
        const t0 = performance.now();
        let result: SmokeResult;
        try {
          result = await runSmokeStep(this.problem);
        } catch (e) {
          const kernel = missingKernelOf(e);
          if (kernel)
            throw new CandidateFailure('kernel-missing', `the smoke test needs kernel '${kernel}': ${firstLine(e)}`);
          throw new CandidateFailure('smoke-failed', `the smoke test threw: ${firstLine(e)}`);
        }
        const ms = performance.now() - t0;
        const check = compareSmoke(result, reference, this.tolerance);
        const summary: SmokeSummary = {
          reference: isCpu ? 'float64' : 'cpu',
          maxRelativeError: check.maxRelativeError,
          worst: check.worst,
          tolerance: check.tolerance,
          ms,
        };
        if (!check.ok) throw new CandidateFailure('smoke-failed', smokeText(summary, false));
        return summary;
      })();
      this.smokes.set(backendName, pending);
    }
    return pending;
  }

  /** Activates one candidate and smoke-tests it; never throws, the attempt says what happened. */
  private async attempt(c: BackendCandidate): Promise<{ attempt: BackendAttempt; versions?: Record<string, string> }> {
    const t0 = performance.now();
    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    try {
      const activation = await c.activate();
      if (tf.getBackend() !== activation.backendName) {
        throw new CandidateFailure(
          'init-failed',
          `activated '${activation.backendName}' but the active tfjs backend is '${tf.getBackend()}'`,
        );
      }
      const cpuFallbacks = this.cpuFallback ? registerCpuFallbacks(activation.backendName, this.warn) : [];
      const smoke = await this.smoke(activation.backendName);
      // the cpu reference may have run in between
      if (!(await tf.setBackend(activation.backendName)))
        throw new CandidateFailure('init-failed', `tf.setBackend('${activation.backendName}') returned false`);
      const parts = [
        activation.detail,
        smokeText(smoke, true),
        cpuFallbacks.length > 0 ? `${cpuFallbacks.length} kernel(s) it lacks run on cpu when used` : undefined,
      ];
      const attempt: BackendAttempt = {
        candidate: c.name,
        ok: true,
        reason: 'ok',
        detail: parts.filter(Boolean).join('; '),
        smoke,
        cpuFallbacks,
        ms: ms(),
      };
      return { attempt, versions: activation.versions };
    } catch (e) {
      const reason: Exclude<BackendReason, 'ok'> =
        e instanceof CandidateFailure ? e.reason : missingKernelOf(e) ? 'kernel-missing' : 'init-failed';
      const detail = firstLine(e);
      return { attempt: { candidate: c.name, ok: false, reason, detail, error: detail, ms: ms() } };
    }
  }

  private async load(preference: string): Promise<BackendInfo> {
    // silences tfjs's banner, which the cpu reference would otherwise print
    tf.enableProdMode();
    const attempts: BackendAttempt[] = [];
    for (const c of this.candidatesFor(preference)) {
      const { attempt, versions } = await this.attempt(c);
      attempts.push(attempt);
      if (attempt.ok) {
        return {
          name: tf.getBackend(),
          requested: preference,
          attempts,
          versions: { 'tfjs-core': tf.version_core, ...versions, node: process.versions.node },
        };
      }
    }
    if (preference !== 'auto') {
      const a = attempts[0];
      throw new DriftwatchError(`tfjs backend '${preference}' cannot be used: ${a.reason}: ${a.detail}`);
    }
    throw new DriftwatchError(
      `no tfjs backend passed its checks ` +
        `(${attempts.map((a) => `${a.candidate}: ${a.reason}: ${a.detail}`).join('; ')})`,
    );
  }

  /**
   * Selects and initialises a backend: 'auto' tries the candidates in order and keeps the first that
   * passes; a name tries only that candidate and throws a DriftwatchError naming the reason when it fails.
   * A repeated preference returns the same info (and re-activates its backend if another call switched away).
   */
  async init(preference = 'auto'): Promise<BackendInfo> {
    if (!this.preferences.includes(preference)) {
      throw new ParameterError(`unknown backend '${String(preference)}'; known: ${this.preferences.join(', ')}`);
    }
    return this.exclusive(async () => {
      let pending = this.cache.get(preference);
      if (!pending) {
        pending = this.load(preference);
        this.cache.set(preference, pending);
        pending.catch(() => this.cache.delete(preference));
      }
      const info = await pending;
      if (tf.getBackend() !== info.name && !(await tf.setBackend(info.name))) {
        throw new DriftwatchError(`tfjs backend '${info.name}' could not be re-activated`);
      }
      this.lastInfo = info;
      return info;
    });
  }

  /** The info of the backend selected last; initialises 'auto' when none was selected yet. */
  async ensure(): Promise<BackendInfo> {
    if (this.lastInfo && tf.getBackend() === this.lastInfo.name) return this.lastInfo;
    return this.init(this.lastInfo?.requested ?? 'auto');
  }

  /**
   * Tries every candidate of `preference` (all for 'auto'), not stopping at the first that passes, and
   * activates the chosen one, the first that passed. A candidate whose tfjs backend an accepted earlier
   * candidate registered is not tried (tfjs-node after tfjs-node-gpu: both are 'tensorflow').
   */
  async probe(preference = 'auto'): Promise<BackendProbe> {
    const candidates = this.candidatesFor(preference);
    return this.exclusive(async () => {
      tf.enableProdMode();
      const reports: CandidateReport[] = [];
      const taken = new Map<string, string>();
      let chosen: BackendInfo | undefined;
      for (const c of candidates) {
        const packages = Object.fromEntries(c.packages.map((p) => [p, installedVersion(p) ?? null]));
        const holder = taken.get(c.backendName);
        if (holder) {
          const detail =
            `its tfjs backend '${c.backendName}' is the one of ${holder}, accepted above; one process holds ` +
            `one of them`;
          reports.push({
            candidate: c.name,
            ok: false,
            reason: 'init-failed',
            detail,
            status: 'not-tried',
            packages,
            ms: 0,
          });
          continue;
        }
        const { attempt, versions } = await this.attempt(c);
        reports.push({ ...attempt, status: attempt.ok ? (chosen ? 'accepted' : 'chosen') : 'rejected', packages });
        if (!attempt.ok) continue;
        taken.set(c.backendName, c.name);
        if (!chosen) {
          const tried = reports.filter((r) => r.status !== 'not-tried').map(attemptOf);
          chosen = {
            name: c.backendName,
            requested: preference,
            attempts: tried,
            versions: { 'tfjs-core': tf.version_core, ...versions, node: process.versions.node },
          };
        }
      }
      if (chosen) {
        if (!(await tf.setBackend(chosen.name)))
          throw new DriftwatchError(`tfjs backend '${chosen.name}' could not be re-activated`);
        this.lastInfo = chosen;
      }
      return { requested: preference, candidates: reports, chosen };
    });
  }
}

/** The loader of the real candidates that the functions below share. */
const defaultLoader = new BackendLoader();

/**
 * Selects and initialises a tfjs backend. 'auto' tries tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu in
 * that order and keeps the first that loads and passes the smoke test; a named preference tries only that
 * one and throws a DriftwatchError with the reason when it fails. A second call with the same preference
 * returns the same info (and re-activates that backend if another call switched away from it in between).
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  return defaultLoader.init(preference);
}

/** The info of the backend selected last; initialises 'auto' when none was selected yet. */
export function ensureBackend(): Promise<BackendInfo> {
  return defaultLoader.ensure();
}

/** Every real candidate with its status and reason (what `driftwatch doctor` prints); activates the chosen one. */
export function probeBackends(preference: BackendPreference = 'auto'): Promise<BackendProbe> {
  return defaultLoader.probe(preference);
}

/** One line for a CLI: the backend in use, its versions and smoke test, and what was tried before it, with reasons. */
export function describeBackend(info: BackendInfo): string {
  const pkgVersions = Object.entries(info.versions)
    .filter(([k]) => k !== 'node')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const used = info.attempts.find((a) => a.ok);
  const smoke = used?.smoke
    ? `; smoke test max relative error ${formatError(used.smoke.maxRelativeError)} vs ${used.smoke.reference}`
    : '';
  const failed = info.attempts
    .filter((a) => !a.ok)
    .map((a) => `${a.candidate} (${a.reason ? `${a.reason}: ` : ''}${a.detail ?? a.error})`);
  const requested = info.requested === 'auto' ? 'auto' : `requested ${info.requested}`;
  return (
    `tfjs backend: ${info.name} [${requested}; ${pkgVersions}; ` +
    `node ${info.versions.node}${smoke}]${failed.length ? `; unavailable: ${failed.join('; ')}` : ''}`
  );
}
