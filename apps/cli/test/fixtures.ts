import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { DriftwatchError, mulberry32, normalSampler } from '@driftwatch/contracts';
import { UsageError } from '../src/cli-error';
import type { Command } from '../src/command';
import { DRIFTWATCH } from '../src/commands';
import { runProgram } from '../src/program';

/**
 * A small data root in the OmniAnomaly layout: `servers` ASD-like servers with `features` metrics, a normal
 * train part and a test part with anomalous segments (values shifted by +4σ), plus a matching lock file.
 */
export async function makeAsdLikeRoot(
  opts: { servers?: number; features?: number; train?: number; test?: number; seed?: number } = {},
) {
  const servers = opts.servers ?? 3;
  const F = opts.features ?? 3;
  const trainRows = opts.train ?? 300;
  const testRows = opts.test ?? 200;
  const normal = normalSampler(mulberry32(opts.seed ?? 11));
  const root = await mkdtemp(join(tmpdir(), 'driftwatch-cli-'));
  for (const d of ['train', 'test', 'test_label', 'interpretation_label'])
    await mkdir(join(root, 'asd', d), { recursive: true });
  const fmt = (x: number) => String(Math.round(x * 100) / 100);
  const types: string[] = ['dataset,anomaly_segment,anomaly_type'];
  const segmentsOf: Record<string, [number, number][]> = {};
  for (let s = 1; s <= servers; s++) {
    const name = `omi-${s}`;
    const level = 0.2 * s;
    const row = (shift: number) =>
      Array.from({ length: F }, (_, j) => fmt(level + 0.1 * Math.sin(j) + 0.1 * normal() + shift)).join(',');
    const train = Array.from({ length: trainRows }, () => row(0));
    const segments: [number, number][] = [
      [40, 49],
      [120, 134],
    ];
    segmentsOf[name] = segments;
    const labels = new Array<number>(testRows).fill(0);
    for (const [a, b] of segments) for (let t = a; t <= b; t++) labels[t] = 1;
    const test = labels.map((l) => row(l ? 0.8 : 0));
    await writeFile(join(root, 'asd/train', `${name}.txt`), train.join('\n') + '\n');
    await writeFile(join(root, 'asd/test', `${name}.txt`), test.join('\n') + '\n');
    await writeFile(join(root, 'asd/test_label', `${name}.txt`), labels.join('\n') + '\n');
    await writeFile(
      join(root, 'asd/interpretation_label', `${name}.txt`),
      segments.map(([a, b]) => `${a}-${b}:1,2`).join('\n'),
    );
    for (const [a, b] of segments) types.push(`${name},${a}-${b},metric`);
  }
  await writeFile(join(root, 'asd/anomaly_type.txt'), types.join('\n'));
  return { root, segmentsOf, servers, features: F, trainRows, testRows };
}

export async function writeLockFor(root: string, files: string[]): Promise<string> {
  const entries = [];
  for (const path of files) {
    const bytes = await readFile(join(root, path));
    entries.push({ path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  const lock = {
    format: 1,
    datasets: [
      {
        name: 'asd',
        source: { repository: 'example/asd-like', commit: '0000000000000000000000000000000000000000', paths: ['asd'] },
        licence: 'MIT',
        layout: 'omnianomaly',
        bytes: entries.reduce((s, e) => s + e.bytes, 0),
        files: entries.sort((a, b) => (a.path < b.path ? -1 : 1)),
      },
    ],
  };
  const lockPath = join(root, 'test.lock');
  await writeFile(lockPath, JSON.stringify(lock, null, 2));
  return lockPath;
}

/** Runs `fn` with process.stdout/stderr writes captured. */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const result = await fn();
    return { result, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * Serves `routes` (URL path → file on disk, or bytes) over HTTP on 127.0.0.1 at a free port, for commands that
 * download.
 */
export async function serveFilesLocally(
  routes: Map<string, string | Buffer>,
): Promise<{ origin: string; requested: string[]; close(): Promise<void> }> {
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(path);
    const route = routes.get(path);
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    (typeof route === 'string' ? readFile(route) : Promise.resolve(route)).then((body) =>
      res.writeHead(200, { 'content-length': body.length }).end(body),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requested,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/**
 * Runs one command as `driftwatch <words> <argv>` does: parses the flags, runs it, and turns a DriftwatchError
 * into the exit code and the one line that `run` in src/main.ts prints (2 for a usage error, else 1). `cmd` may
 * be one that is not listed (a command made with fakes).
 */
export async function runCommand(
  cmd: Command,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const only = { ...DRIFTWATCH, commands: [{ definition: cmd, load: async () => cmd }] };
  const { result, stdout, stderr } = await captureOutput(async () => {
    try {
      return await runProgram(only, [...cmd.path, ...argv]);
    } catch (e) {
      if (!(e instanceof DriftwatchError)) throw e;
      process.stderr.write(`driftwatch: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
  });
  return { code: result, stdout, stderr };
}
