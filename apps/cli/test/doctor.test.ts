import { BACKEND_REASONS, CandidateFailure, tf, type BackendCandidate, type BackendReason } from '@driftwatch/models';
import { createDoctor, doctor, packagesText, type DoctorReport } from '../src/commands/doctor';
import { runCommand } from './fixtures';

function failing(
  name: string,
  reason: Exclude<BackendReason, 'ok'>,
  detail: string,
  packages: string[] = [],
): BackendCandidate {
  return {
    name,
    backendName: name,
    packages,
    activate: async () => {
      throw new CandidateFailure(reason, detail);
    },
  };
}

/** a candidate that is the real cpu backend under another name */
const spareCpu: BackendCandidate = {
  name: 'spare-cpu',
  backendName: 'cpu',
  packages: ['@tensorflow/tfjs-core'],
  activate: async () => {
    await tf.setBackend('cpu');
    return { backendName: 'cpu', versions: {} };
  },
};

const gone = failing('gone-gpu', 'not-installed', "Cannot find module '@example/gone-gpu'", ['@example/gone-gpu']);
const noAdapter = failing('dark-gpu', 'no-adapter', 'requestAdapter() returned null');

/** the --json object's fields and their types, written out from DoctorReport */
function expectDoctorSchema(r: DoctorReport): void {
  expect(Object.keys(r).sort()).toEqual([
    'backend',
    'candidates',
    'chosen',
    'cpu',
    'format',
    'memory',
    'node',
    'requested',
    'smokeTest',
    'wasm',
  ]);
  expect(r.format).toBe(1);
  expect(typeof r.requested).toBe('string');
  expect(r.chosen === null || typeof r.chosen === 'string').toBe(true);
  expect(r.backend === null || typeof r.backend === 'string').toBe(true);
  expect(r.smokeTest).toEqual({ description: expect.any(String), tolerance: 1e-4 });
  for (const c of r.candidates) {
    expect(typeof c.candidate).toBe('string');
    expect(['chosen', 'accepted', 'rejected', 'not-tried']).toContain(c.status);
    expect(BACKEND_REASONS).toContain(c.reason);
    expect(c.ok).toBe(c.reason === 'ok');
    expect(typeof c.detail).toBe('string');
    expect(typeof c.ms).toBe('number');
    for (const v of Object.values(c.packages)) expect(v === null || typeof v === 'string').toBe(true);
    if (c.ok)
      expect(c.smoke).toEqual({
        reference: expect.stringMatching(/^(cpu|float64)$/),
        maxRelativeError: expect.any(Number),
        worst: expect.any(String),
        tolerance: 1e-4,
        ms: expect.any(Number),
      });
  }
  expect(r.candidates.filter((c) => c.status === 'chosen').map((c) => c.candidate)).toEqual(
    r.chosen === null ? [] : [r.chosen],
  );
  expect(r.wasm).toEqual({
    simd: { tfjs: expect.any(Boolean), engine: expect.any(Boolean) },
    threads: {
      tfjs: expect.any(Boolean),
      engine: expect.any(Boolean),
      inUse: r.wasm.threads.inUse === null ? null : expect.any(Number),
    },
  });
  expect(r.node).toEqual({ version: process.versions.node, platform: process.platform, arch: process.arch });
  expect(r.cpu).toEqual({ model: expect.any(String), cores: expect.any(Number) });
  expect(r.cpu.cores).toBeGreaterThanOrEqual(1);
  expect(r.memory.totalBytes).toBeGreaterThanOrEqual(r.memory.freeBytes);
}

describe('driftwatch doctor', () => {
  it('prints the table, each reason in full, the chosen backend and the machine, and exits 0', async () => {
    const { code, stdout, stderr } = await runCommand(createDoctor([gone, noAdapter, spareCpu]), []);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const table = stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(
      table.map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      ),
    ).toEqual([
      ['candidate', 'version', 'status', 'reason'],
      [
        expect.stringMatching(/^-+$/),
        expect.stringMatching(/^-+$/),
        expect.stringMatching(/^-+$/),
        expect.stringMatching(/^-+$/),
      ],
      ['gone-gpu', '—', 'rejected', 'not-installed'],
      ['dark-gpu', '—', 'rejected', 'no-adapter'],
      ['spare-cpu', `tfjs-core ${tf.version_core}`, 'chosen', 'ok'],
    ]);
    expect(stdout).toContain("gone-gpu: Cannot find module '@example/gone-gpu'\n");
    expect(stdout).toContain('dark-gpu: requestAdapter() returned null\n');
    expect(stdout).toMatch(/^spare-cpu: smoke test ok: max relative error \S+ \(\S+( \w+)?\) vs float64, ≤ 1\.0e-4$/m);
    expect(stdout).toContain("chosen: spare-cpu (tfjs backend 'cpu')\n");
    expect(stdout).toMatch(/^wasm: SIMD (yes|no) \(engine supports it: (yes|no)\); threads (yes|no) /m);
    expect(stdout).toContain(`node ${process.versions.node} on ${process.platform} ${process.arch}; CPU `);
    expect(stdout).toMatch(/\d+ cores; memory \d+\.\d GiB total, \d+\.\d GiB free/);
  });

  it('exits 1 with one clear line when no candidate passes, after printing the table', async () => {
    const { code, stdout, stderr } = await runCommand(createDoctor([gone, noAdapter]), []);
    expect(code).toBe(1);
    expect(stdout).toContain('chosen: none — no candidate loaded and passed the smoke test');
    expect(stderr).toBe(
      'driftwatch: no tfjs backend passed its checks (gone-gpu: not-installed, dark-gpu: no-adapter); ' +
        'training cannot run here\n',
    );
  });

  it(
    '--backend checks one candidate: exits 1 naming it when it fails, 0 when it passes; an unknown name is a ' +
      'parameter error',
    async () => {
      const cmd = createDoctor([gone, noAdapter, spareCpu]);
      const one = await runCommand(cmd, ['--backend', 'dark-gpu']);
      expect(one.code).toBe(1);
      expect(one.stdout.split('\n').filter((l) => l.startsWith('| dark') || l.startsWith('| gone'))).toHaveLength(1);
      expect(one.stderr).toBe("driftwatch: tfjs backend 'dark-gpu' did not pass its checks (dark-gpu: no-adapter)\n");
      expect((await runCommand(cmd, ['--backend', 'spare-cpu'])).code).toBe(0);
      const unknown = await runCommand(cmd, ['--backend', 'webgl']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe("driftwatch: unknown backend 'webgl'; known: auto, gone-gpu, dark-gpu, spare-cpu\n");
    },
  );

  it('--json prints one object with the documented fields, also when nothing passes', async () => {
    const ok = await runCommand(createDoctor([gone, spareCpu]), ['--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as DoctorReport;
    expectDoctorSchema(report);
    expect([report.chosen, report.backend]).toEqual(['spare-cpu', 'cpu']);
    expect(report.candidates.map((c) => [c.candidate, c.status, c.reason])).toEqual([
      ['gone-gpu', 'rejected', 'not-installed'],
      ['spare-cpu', 'chosen', 'ok'],
    ]);
    expect(report.candidates[0].packages).toEqual({ '@example/gone-gpu': null });
    const none = await runCommand(createDoctor([gone]), ['--json']);
    expect(none.code).toBe(1);
    const empty = JSON.parse(none.stdout) as DoctorReport;
    expectDoctorSchema(empty);
    expect([empty.chosen, empty.backend]).toEqual([null, null]);
  });

  it(
    'with the real candidates: the chosen one is the first accepted, and the exit code says whether there is ' + 'one',
    async () => {
      const { code, stdout } = await runCommand(doctor, ['--json']);
      const report = JSON.parse(stdout) as DoctorReport;
      expectDoctorSchema(report);
      expect(report.candidates.map((c) => c.candidate)).toEqual([
        'tfjs-node-gpu',
        'tfjs-node',
        'webgpu',
        'wasm',
        'cpu',
      ]);
      const firstAccepted = report.candidates.find((c) => c.ok);
      expect(report.chosen).toBe(firstAccepted?.candidate ?? null);
      expect(code).toBe(report.chosen ? 0 : 1);
      for (const c of report.candidates) if (!c.ok) expect(c.detail).toMatch(/\S/);
    },
  );

  it("packagesText: versions without the '@tensorflow/' scope, '—' for what is not installed", () => {
    expect(packagesText({})).toBe('—');
    expect(packagesText({ '@tensorflow/tfjs-node': null })).toBe('—');
    expect(packagesText({ '@tensorflow/tfjs-backend-webgpu': '4.22.0', webgpu: '0.6.2' })).toBe(
      'tfjs-backend-webgpu 4.22.0, webgpu 0.6.2',
    );
    expect(packagesText({ '@tensorflow/tfjs-backend-webgpu': '4.22.0', webgpu: null })).toBe(
      'tfjs-backend-webgpu 4.22.0, webgpu —',
    );
  });
});
