/**
 * DIVAD-GM training steps in driftwatch (wasm backend) against the same steps in PyTorch on one thread.
 *
 *   npm run bench -- reference [--rounds 5] [--steps 10] [--warmup 40] [--cases dense-237x1,dense-19x20,rec-19x20]
 *                              [--python python3] [--out FILE] [--cpu-prof FILE]
 *
 * PyTorch runs tools/bench/reference/divad_step.py, a port of the DIVAD networks, loss and AdamW, as a child
 * process; both sides build every case once, take `--warmup` steps per case (ours run up to 2× slower for about 40
 * steps while V8 optimises tfjs's JavaScript; `node --no-liftoff`, which skips the wasm baseline tier, saved 0–13 %
 * of those steps' CPU time and added 90 ms CPU at start-up), then alternate rounds of `--steps`
 * steps per case (who goes first alternates too), so that a busy machine slows both alike. Reported: the median ms
 * per step over all rounds and ours / PyTorch's, in wall time and in each process's CPU time, which a machine
 * shared with other work moves far less. The bench stops when the two models' parameter counts differ,
 * and skips with a line saying why when python3 or torch is missing. `--cpu-prof` samples this process during the
 * rounds (the driftwatch steps; waiting on PyTorch counts as idle), writes the .cpuprofile and prints its top
 * entries by self time.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { describeBackend, initBackend, registerWasmKernelFixes } from '@driftwatch/models';
import { machineDescription, writeAtomic } from './per-backend';
import { architectureOf, REFERENCE_CASES, type ReferenceCase } from './reference/cases';
import { createDivadStepper, type DivadStepper } from './reference/driftwatch-step';
import { startCpuProfile, topSelfTimes } from './reference/cpu-profile';

const SCRIPT_PATH = join('tools', 'bench', 'reference', 'divad_step.py');
/** the bundle runs from node_modules/.cache/driftwatch-run (tools/run-ts.mjs); npm runs benches at the root */
const SCRIPT = [join(__dirname, '..', '..', '..', SCRIPT_PATH), resolve(SCRIPT_PATH)].find((f) => existsSync(f));

/** why the reference cannot run here, or undefined when python3 imports torch */
function torchMissing(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${python} not found (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `${python} cannot import torch (Debian: python3-torch; --python names another python)`;
  return undefined;
}

/** the PyTorch side: one JSON request per line in, one JSON answer per line out */
class TorchReference {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: AsyncIterator<string>;

  constructor(python: string) {
    if (!SCRIPT) throw new Error(`${SCRIPT_PATH} not found from ${__dirname} or ${process.cwd()}`);
    // one thread for OpenBLAS too: Debian's torch reaches it through the generic BLAS interface, which
    // torch.set_num_threads does not govern
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    this.child = spawn(python, [SCRIPT, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'], env });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async ask<T>(request: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(JSON.stringify(request) + '\n');
    const next = await this.lines.next();
    if (next.done) {
      const code = this.child.exitCode ?? ((await once(this.child, 'exit')) as [number | null])[0];
      throw new Error(`divad_step.py ended (exit ${code}) on ${JSON.stringify(request)}`);
    }
    return JSON.parse(next.value) as T;
  }

  close(): void {
    this.child.stdin.end();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const loadLine = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;

/** one side's step times of one case, a list per round */
interface Rounds {
  wall: number[][];
  cpu: number[][];
}

/** medians of one side: wall and CPU ms per step over all rounds, and the wall median of each round */
interface SideSummary {
  wallMs: number;
  cpuMs: number;
  roundWallMs: number[];
}

const summary = (t: Rounds): SideSummary => ({
  wallMs: median(t.wall.flat()),
  cpuMs: median(t.cpu.flat()),
  roundWallMs: t.wall.map(median),
});

interface Row {
  name: string;
  work: string;
  parameters: number;
  driftwatch: SideSummary;
  torch: SideSummary;
  /** ours / PyTorch's, wall time */
  ratio: number;
  /** ours / PyTorch's, CPU time: on a busy machine it moves far less than wall time */
  cpuRatio: number;
  /** ours / PyTorch's wall time per round: how much the machine's load moved the ratio */
  roundRatios: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      steps: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '40' },
      cases: { type: 'string', default: REFERENCE_CASES.map((c) => c.name).join(',') },
      python: { type: 'string', default: 'python3' },
      out: { type: 'string', default: 'bench-results/reference.json' },
      'cpu-prof': { type: 'string' },
    },
  });
  const counts = { rounds: Number(values.rounds), steps: Number(values.steps), warmup: Number(values.warmup) };
  for (const [k, v] of Object.entries(counts)) {
    if (!Number.isInteger(v) || v < (k === 'warmup' ? 0 : 1))
      throw new Error(`--${k} must be a ${k === 'warmup' ? 'non-negative' : 'positive'} integer, got ${v}`);
  }
  const cases: ReferenceCase[] = values.cases!.split(',').map((name) => {
    const found = REFERENCE_CASES.find((c) => c.name === name.trim());
    if (!found) throw new Error(`unknown case '${name}' (known: ${REFERENCE_CASES.map((c) => c.name).join(', ')})`);
    return found;
  });
  const missing = torchMissing(values.python!);
  if (missing) {
    process.stdout.write(`reference: skipped, ${missing}\n`);
    return;
  }
  const t0 = performance.now();
  const info = await initBackend('wasm');
  registerWasmKernelFixes();
  const torch = new TorchReference(values.python!);
  const steppers = new Map<string, DivadStepper>();
  try {
    const torchInfo = await torch.ask<{ torch: string; threads: number; blas: string }>({ op: 'info' });
    process.stderr.write(
      `driftwatch: ${describeBackend(info)}\nPyTorch ${torchInfo.torch}, ${torchInfo.threads} thread(s), BLAS ` +
        `${torchInfo.blas}\n${loadLine()}\n`,
    );
    const parameters = new Map<string, number>();
    for (const c of cases) {
      const ours = createDivadStepper(architectureOf(c), c, `reference-${c.name}`);
      steppers.set(c.name, ours);
      const theirs = await torch.ask<{ parameters: number; groups: Record<string, number> }>({ op: 'build', case: c });
      if (theirs.parameters !== ours.parameters) {
        throw new Error(
          `${c.name}: PyTorch's model has ${theirs.parameters} parameters (${JSON.stringify(theirs.groups)}), ` +
            `driftwatch's ${ours.parameters}: the port is not the same network`,
        );
      }
      parameters.set(c.name, ours.parameters);
      process.stderr.write(`  ${c.name}: ${ours.parameters.toLocaleString('en-US')} parameters on both sides\n`);
      for (let i = 0; i < counts.warmup; i++) ours.step();
      await torch.ask({ op: 'steps', name: c.name, count: counts.warmup });
    }
    const times = new Map(
      cases.map((c) => [c.name, { ours: { wall: [], cpu: [] } as Rounds, theirs: { wall: [], cpu: [] } as Rounds }]),
    );
    const profiler = values['cpu-prof'] ? await startCpuProfile() : undefined;
    for (let r = 0; r < counts.rounds; r++) {
      for (const c of cases) {
        const t = times.get(c.name)!;
        const runOurs = () => {
          const s = steppers.get(c.name)!;
          const steps = Array.from({ length: counts.steps }, () => s.step());
          t.ours.wall.push(steps.map((x) => x.wallMs));
          t.ours.cpu.push(steps.map((x) => x.cpuMs));
        };
        const runTheirs = async () => {
          const steps = await torch.ask<{ ms: number[]; cpuMs: number[] }>({
            op: 'steps',
            name: c.name,
            count: counts.steps,
          });
          t.theirs.wall.push(steps.ms);
          t.theirs.cpu.push(steps.cpuMs);
        };
        if (r % 2 === 0) {
          runOurs();
          await runTheirs();
        } else {
          await runTheirs();
          runOurs();
        }
        process.stderr.write(
          `  round ${r + 1}/${counts.rounds} ${c.name}: driftwatch ${median(t.ours.wall[r]).toFixed(1)} ms, ` +
            `PyTorch ${median(t.theirs.wall[r]).toFixed(1)} ms\n`,
        );
      }
    }
    if (profiler) {
      const profile = await profiler.stop();
      writeAtomic(resolve(values['cpu-prof']!), JSON.stringify(profile));
      process.stdout.write(`\nCPU profile of the driftwatch steps (${resolve(values['cpu-prof']!)}), self time:\n`);
      for (const t of topSelfTimes(profile, 15))
        process.stdout.write(
          `${(100 * t.share).toFixed(1).padStart(5)} %  ${t.ms.toFixed(0).padStart(6)} ms  ${t.where}\n`,
        );
    }
    const rows: Row[] = cases.map((c) => {
      const t = times.get(c.name)!;
      const ours = summary(t.ours);
      const theirs = summary(t.theirs);
      return {
        name: c.name,
        work: c.work,
        parameters: parameters.get(c.name)!,
        driftwatch: ours,
        torch: theirs,
        ratio: ours.wallMs / theirs.wallMs,
        cpuRatio: ours.cpuMs / theirs.cpuMs,
        roundRatios: ours.roundWallMs.map((o, r) => o / theirs.roundWallMs[r]),
      };
    });
    const range = (v: number[]) => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
    const table = [
      '| work | driftwatch ms | PyTorch ms | ratio | per round | CPU ms, driftwatch / PyTorch | CPU ratio |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.work} | ${r.driftwatch.wallMs.toFixed(1)} | ${r.torch.wallMs.toFixed(1)} | ${r.ratio.toFixed(2)}× ` +
          `| ${range(r.roundRatios)} | ${r.driftwatch.cpuMs.toFixed(1)} / ${r.torch.cpuMs.toFixed(1)} ` +
          `| ${r.cpuRatio.toFixed(2)}× |`,
      ),
    ].join('\n');
    process.stdout.write(
      `\nDIVAD-GM training step, median of ${counts.rounds} alternating rounds × ${counts.steps} steps after ` +
        `${counts.warmup} warm-up steps; driftwatch on ${info.name}, PyTorch ${torchInfo.torch} on ` +
        `${torchInfo.threads} thread; ms are wall time per step unless marked CPU (the process's user + system ` +
        `time over the step)\n\n${table}\n\n${loadLine()}\n`,
    );
    const out = resolve(values.out!);
    writeAtomic(
      out,
      JSON.stringify(
        {
          benchmark: 'reference',
          createdAt: new Date().toISOString(),
          settings: { ...counts, cases },
          machine: machineDescription(),
          node: process.version,
          backend: info,
          torch: torchInfo,
          loadAverageAtEnd: loadavg(),
          rows,
          seconds: (performance.now() - t0) / 1000,
        },
        null,
        2,
      ) + '\n',
    );
    process.stdout.write(`written to ${out}\n`);
  } finally {
    torch.close();
    for (const s of steppers.values()) s.dispose();
  }
}

main().catch((e) => {
  process.stderr.write(`reference: ${(e as Error).message}\n`);
  process.exit(1);
});
