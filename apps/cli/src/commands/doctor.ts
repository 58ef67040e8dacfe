import os from 'node:os';
import { DriftwatchError } from '@driftwatch/contracts';
import {
  BackendLoader,
  SMOKE_TOLERANCE,
  probeBackends,
  wasmFeatures,
  type BackendCandidate,
  type BackendPreference,
  type BackendProbe,
  type CandidateReport,
  type WasmFeatures,
} from '@driftwatch/models';
import { optionalString, type Command } from '../command';
import { renderTable } from '../table';
import { doctorDefinition } from './doctor.def';

/** `driftwatch doctor --json`: one object, format 1. */
export interface DoctorReport {
  format: 1;
  requested: string;
  /** the chosen candidate's name; null when none passed */
  chosen: string | null;
  /** its tfjs backend (tf.getBackend()) */
  backend: string | null;
  smokeTest: { description: string; tolerance: number };
  candidates: CandidateReport[];
  wasm: WasmFeatures;
  node: { version: string; platform: string; arch: string };
  cpu: { model: string; cores: number };
  memory: { totalBytes: number; freeBytes: number };
}

const SMOKE_DESCRIPTION =
  'one SGD step of a 5-6-3 softplus classifier with softmax cross-entropy on 8 fixed examples; ' +
  'the loss before and after and every parameter step must match the cpu backend (cpu itself: a float64 computation)';

/** Gathers the report: probes the candidates (activating the chosen one) and describes the machine. */
export async function doctorReport(probe: BackendProbe): Promise<DoctorReport> {
  const chosen = probe.candidates.find((c) => c.status === 'chosen');
  const cpus = os.cpus();
  return {
    format: 1,
    requested: probe.requested,
    chosen: chosen?.candidate ?? null,
    backend: probe.chosen?.name ?? null,
    smokeTest: { description: SMOKE_DESCRIPTION, tolerance: SMOKE_TOLERANCE },
    candidates: probe.candidates,
    wasm: await wasmFeatures(),
    node: { version: process.versions.node, platform: process.platform, arch: process.arch },
    cpu: { model: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
  };
}

/** 'tfjs-backend-webgpu 4.22.0, webgpu 0.6.2'; '—' for a package that is not installed */
export function packagesText(packages: Record<string, string | null>): string {
  const entries = Object.entries(packages);
  if (entries.length === 0) return '—';
  if (entries.every(([, v]) => v === null)) return '—';
  return entries.map(([name, v]) => `${name.replace(/^@tensorflow\//, '')} ${v ?? '—'}`).join(', ');
}

const yesNo = (b: boolean | undefined) => (b === undefined ? 'unknown' : b ? 'yes' : 'no');

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The text form: the table, each candidate's reason in full, the chosen backend, wasm features, the machine. */
export function renderDoctor(r: DoctorReport): string {
  const rows = r.candidates.map((c) => [c.candidate, packagesText(c.packages), c.status, c.reason]);
  const lines = [
    renderTable(['candidate', 'version', 'status', 'reason'], rows),
    '',
    ...r.candidates.map(
      (c) =>
        `${c.candidate}: ${c.detail}` +
        (c.cpuFallbacks && c.cpuFallbacks.length > 0 ? ` (${c.cpuFallbacks.join(', ')})` : ''),
    ),
    '',
    r.chosen
      ? `chosen: ${r.chosen} (tfjs backend '${r.backend}')`
      : 'chosen: none — no candidate loaded and passed the smoke test',
    `smoke test: ${r.smokeTest.description}, relative error ≤ ${r.smokeTest.tolerance}`,
    `wasm: SIMD ${yesNo(r.wasm.simd.tfjs)} (engine supports it: ${yesNo(r.wasm.simd.engine)}); ` +
      `threads ${yesNo(r.wasm.threads.tfjs)} ` +
      `(engine supports them: ${yesNo(r.wasm.threads.engine)}` +
      (r.wasm.threads.engine && r.wasm.threads.tfjs === false ? '; tfjs-backend-wasm turns them off in Node' : '') +
      '), ' +
      `threads in use: ${r.wasm.threads.inUse ?? 'none (wasm not initialised)'}`,
    `node ${r.node.version} on ${r.node.platform} ${r.node.arch}; CPU ${r.cpu.model}, ${r.cpu.cores} ` +
      `cores; memory ${gib(r.memory.totalBytes)} total, ${gib(r.memory.freeBytes)} free`,
    '',
  ];
  return lines.join('\n');
}

/**
 * The command; `candidates` replaces the real backend candidates (tests drive the command with fakes).
 */
export function createDoctor(candidates?: readonly BackendCandidate[]): Command {
  const loader = candidates ? new BackendLoader({ candidates }) : undefined;
  const cmd: Command = {
    ...doctorDefinition,
    async run(values) {
      const preference = optionalString(values, 'backend') ?? 'auto';
      const probe = loader ? await loader.probe(preference) : await probeBackends(preference as BackendPreference);
      const report = await doctorReport(probe);
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report));
      if (!report.chosen) {
        const why = report.candidates.map((c) => `${c.candidate}: ${c.reason}`).join(', ');
        if (preference !== 'auto')
          throw new DriftwatchError(`tfjs backend '${preference}' did not pass its checks (${why})`);
        throw new DriftwatchError(`no tfjs backend passed its checks (${why}); training cannot run here`);
      }
      return 0;
    },
  };
  return cmd;
}

export const doctor = createDoctor();
