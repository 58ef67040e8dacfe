/**
 * `driftwatch record` → `driftwatch train --input`: a tiny Prometheus HTTP API on loopback answers query_range for
 * two queries; record writes the matrix, names the train command to run next, and train reads the file with the
 * config's features and entities. Bad ranges are usage errors, and nothing is written for them.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { record } from '../src/commands/record';
import { train } from '../src/commands/train';
import { runCommand } from './fixtures';

const STEP_S = 60;
let server: Server;
let url: string;
let dir: string;

/** cpu and mem of hosts a and b: a value per evaluation time, a made-up function of time and host. */
function valueOf(query: string, host: string, t: number): number {
  const wave = Math.sin(t / 600 + (host === 'a' ? 0 : 1));
  return query === 'cpu_query' ? 0.5 + 0.2 * wave + 0.01 * ((t / 60) % 7) : 100 + 10 * wave * wave;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-record-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const p = new URLSearchParams(body);
      const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(p.get(k)));
      const result = ['a', 'b'].map((host) => {
        const values: [number, string][] = [];
        for (let t = start; t <= end; t += step) values.push([t, String(valueOf(p.get('query')!, host, t))]);
        return { metric: { host, job: 'node' }, values };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await writeFile(
    join(dir, 'serve.yaml'),
    ['entityLabel: host', `interval: ${STEP_S}s`, 'features:', '  cpu: cpu_query', '  mem: mem_query'].join('\n'),
  );
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  await rm(dir, { recursive: true, force: true });
});

describe('driftwatch record', () => {
  it('records the range with the config queries, and train --input trains on the file', async () => {
    const out = join(dir, 'normal.json');
    const r = await runCommand(record, [
      ...['--prometheus', url, '--config', join(dir, 'serve.yaml'), '--out', out],
      ...['--range', '2026-12-01T00:00:30Z..2026-12-01T08:00:00Z'],
    ]);
    expect(r.code).toBe(0);
    // on the 60 s grid: 00:01 .. 08:00 inclusive = 480 records per host
    expect(r.stdout).toContain('2 features × 2 entities, 2026-12-01T00:01:00.000Z .. 2026-12-01T08:00:00.000Z');
    expect(r.stdout).toContain(`next: driftwatch train --input ${out} --map entityLabel=host`);
    const matrix = JSON.parse(await readFile(out, 'utf8'));
    expect(matrix.data.result.map((s: { metric: unknown }) => s.metric)).toEqual([
      { __name__: 'cpu', host: 'a' },
      { __name__: 'cpu', host: 'b' },
      { __name__: 'mem', host: 'a' },
      { __name__: 'mem', host: 'b' },
    ]);
    const first = Date.parse('2026-12-01T00:01:00Z') / 1000;
    expect(matrix.data.result[1].values.slice(0, 2)).toEqual([
      [first, String(valueOf('cpu_query', 'b', first))],
      [first + 60, String(valueOf('cpu_query', 'b', first + 60))],
    ]);
    expect(matrix.data.result[0].values).toHaveLength(480);

    const model = join(dir, 'model');
    const t = await runCommand(train, [
      ...['--input', out, '--map', 'entityLabel=host', '--method', 'mahalanobis', '--out', model],
    ]);
    expect(t.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'));
    expect(JSON.stringify(manifest)).toContain('"cpu"');
    expect(t.stdout + t.stderr).toMatch(/\b2 entities\b|\ba, b\b/);
  });

  it('refuses no range, two ranges and a range without times, writing nothing', async () => {
    const out = join(dir, 'bad.json');
    const base = ['--prometheus', url, '--config', join(dir, 'serve.yaml'), '--out', out];
    for (const [args, message] of [
      [[], /give either --last or --range/],
      [['--last', '1h', '--range', '2026-12-01T00:00Z..2026-12-01T01:00Z'], /give either --last or --range/],
      [['--range', '3..9'], /--range expects FROM\.\.TO with ISO 8601 times/],
      [['--last', 'soon'], /--last: expected a duration/],
    ] as const) {
      const r = await runCommand(record, [...base, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
  });
});
