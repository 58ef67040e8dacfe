/**
 * DIVAD-GM training steps in driftwatch (wasm backend) against the same steps in PyTorch on one thread.
 *
 *   npm run bench -- reference [--rounds 5] [--steps 10] [--warmup 10] [--cases dense-237x1,dense-19x20,rec-19x20]
 *                              [--python python3] [--out FILE]
 *
 * PyTorch runs tools/bench/reference/divad_step.py, a port of the DIVAD networks, loss and AdamW, as a child
 * process; both sides build every case once, take `--warmup` steps per case, then alternate rounds of `--steps`
 * steps per case (who goes first alternates too), so that a busy machine slows both alike. Reported: the median ms
 * per step over all rounds and ours / PyTorch's. The bench stops when the two models' parameter counts differ,
 * and skips with a line saying why when python3 or torch is missing.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
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

const SCRIPT_PATH = join('tools', 'bench', 'reference', 'divad_step.py');
/** the bundle runs from node_modules/.cache/driftwatch-run (tools/run-ts.mjs); npm runs benches at the root */
const SCRIPT = [join(__dirname, '..', '..', '..', SCRIPT_PATH), resolve(SCRIPT_PATH)].find((f) => existsSync(f));

/** why the reference cannot run here, or undefined when python3 imports torch */
function torchMissing(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${python} not found (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `${python} cannot import torch (Debian: apt-get install python3-torch)`;
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
    if (next.done) throw new Error(`divad_step.py ended (exit ${this.child.exitCode}) on ${JSON.stringify(request)}`);
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

interface Row {
  name: string;
  work: string;
  parameters: number;
  driftwatchMs: number;
  torchMs: number;
  ratio: number;
  driftwatchRoundMedians: number[];
  torchRoundMedians: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      steps: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '10' },
      cases: { type: 'string', default: REFERENCE_CASES.map((c) => c.name).join(',') },
      python: { type: 'string', default: 'python3' },
      out: { type: 'string', default: 'bench-results/reference.json' },
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
    const times = new Map(cases.map((c) => [c.name, { ours: [] as number[][], theirs: [] as number[][] }]));
    for (let r = 0; r < counts.rounds; r++) {
      for (const c of cases) {
        const t = times.get(c.name)!;
        const runOurs = () => {
          const s = steppers.get(c.name)!;
          t.ours.push(Array.from({ length: counts.steps }, () => s.step()));
        };
        const runTheirs = async () =>
          t.theirs.push((await torch.ask<{ ms: number[] }>({ op: 'steps', name: c.name, count: counts.steps })).ms);
        if (r % 2 === 0) {
          runOurs();
          await runTheirs();
        } else {
          await runTheirs();
          runOurs();
        }
        process.stderr.write(
          `  round ${r + 1}/${counts.rounds} ${c.name}: driftwatch ${median(t.ours[r]).toFixed(1)} ms, ` +
            `PyTorch ${median(t.theirs[r]).toFixed(1)} ms\n`,
        );
      }
    }
    const rows: Row[] = cases.map((c) => {
      const t = times.get(c.name)!;
      const ours = median(t.ours.flat());
      const theirs = median(t.theirs.flat());
      return {
        name: c.name,
        work: c.work,
        parameters: parameters.get(c.name)!,
        driftwatchMs: ours,
        torchMs: theirs,
        ratio: ours / theirs,
        driftwatchRoundMedians: t.ours.map(median),
        torchRoundMedians: t.theirs.map(median),
      };
    });
    const table = [
      '| work | driftwatch ms | PyTorch ms | ratio |',
      '|---|---:|---:|---:|',
      ...rows.map(
        (r) => `| ${r.work} | ${r.driftwatchMs.toFixed(1)} | ${r.torchMs.toFixed(1)} | ${r.ratio.toFixed(2)}× |`,
      ),
    ].join('\n');
    process.stdout.write(
      `\nDIVAD-GM training step, median of ${counts.rounds} alternating rounds × ${counts.steps} steps after ` +
        `${counts.warmup} warm-up steps; driftwatch on ${info.name}, PyTorch ${torchInfo.torch} on ` +
        `${torchInfo.threads} thread\n\n${table}\n\n${loadLine()}\n`,
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
