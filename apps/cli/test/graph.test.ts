import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Field, Float64, Int32, Schema, Table, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { listTraceFiles, readSpanBatches, spanCallEdges, writeArrowFile } from '@driftwatch/ingest';
import { formatAlibabaRow } from '@driftwatch/ingest/testing';
import { main } from '../src/main';
import { captureOutput } from './fixtures';

const HEADER = 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration';
const GW = 'ts-gateway-service-6f6cfc45b-h5m2n';
const ORDER = 'ts-order-service-5b67c48447-mv5hb';
const USER = 'ts-user-service-687d654649-lrcwv';
// 2023-01-29T09:33:00Z in ms
const MINUTE = 1_674_984_780_000;
const trace = (n: number) => n.toString(16).padStart(32, '0');

/** A span line; start in ms after 09:33:00 UTC, duration in µs. */
function spanLine(
  traceNo: number,
  span: string,
  parent: string,
  pod: string,
  startMs: number,
  durationUs: number | string,
): string {
  const start = BigInt(MINUTE + startMs) * 1_000_000n;
  return [trace(traceNo), span, parent, pod, 'GET', start, start + BigInt(Number(durationUs) * 1000), durationUs].join(
    ',',
  );
}

/**
 * Two trace files of a Nezha-like date. Minute 09:33: gw → order (3,000 µs), order → user twice (1,000 and 2,000 µs),
 * gw → gw (a self-call). Minute 09:34: gw → order (4,000 µs; the child line comes before its parent) and, in the
 * second file, gw → user (7,000 µs) and an order span whose parent is in no file.
 */
const FILES: Record<string, string[]> = {
  '09_34': [
    spanLine(1, 'a1', 'root', GW, 10_000, 5000),
    spanLine(1, 'a2', 'a1', ORDER, 10_001, 3000),
    spanLine(1, 'a3', 'a2', USER, 10_002, 1000),
    spanLine(1, 'a4', 'a2', USER, 10_003, 2000),
    spanLine(1, 'a5', 'a1', GW, 10_004, 10),
    spanLine(2, 'b2', 'b1', ORDER, 65_000, 4000),
    spanLine(2, 'b1', 'root', GW, 64_000, 9000),
  ],
  '09_35': [
    spanLine(3, 'c1', 'root', GW, 90_000, 100),
    spanLine(3, 'c2', 'c1', USER, 90_500, 7000),
    spanLine(3, 'c3', 'cX', ORDER, 91_000, 50),
  ],
};

async function nezhaRoot(files: Record<string, string[]> = FILES): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cli-graph-'));
  const dir = join(root, 'nezha', 'rca_data', '2023-01-29', 'trace');
  await mkdir(dir, { recursive: true });
  for (const [minute, lines] of Object.entries(files))
    await writeFile(join(dir, `${minute}_trace.csv`), `${HEADER}\n${lines.join('\n')}\n`);
  const metric = join(root, 'nezha', 'construct_data', '2022-08-22', 'metric');
  await mkdir(metric, { recursive: true });
  await writeFile(
    join(metric, 'dependency.csv'),
    'Source,Target,Weight\nfrontend,cartservice,1\nfrontend,checkoutservice,1\ncheckoutservice,cartservice,' +
      '1\ncartservice,33.33.33.1,1\ncheckoutservice,33.33.33.1,1\nfrontend,33.33.33.2,1\n',
  );
  return root;
}

interface GraphLine {
  t: number;
  window: number;
  unit: string;
  nodes: string[];
  edges: { src: number; dst: number; kind: string; weight: number; meanUs?: number; p95Us?: number }[];
}

async function readLines(path: string): Promise<GraphLine[]> {
  return (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GraphLine);
}

const named = (records: GraphLine[]) =>
  records.flatMap((r) =>
    r.edges.map(
      (e) =>
        `${r.t}: ${r.nodes[e.src]}→${r.nodes[e.dst]} ${e.kind} ${e.weight}` +
        `${e.meanUs === undefined ? '' : ` ${e.meanUs} ${e.p95Us}`}`,
    ),
  );

async function inputError(run: () => Promise<unknown>): Promise<InputError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('driftwatch graph build / inspect / drift on Nezha-like spans', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await nezhaRoot();
    dir = await mkdtemp(join(tmpdir(), 'cli-graph-out-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the per-minute call graph worked out by hand', async () => {
    const out = join(dir, 'spans.jsonl');
    const r = await captureOutput(() =>
      main(['graph', 'build', '--nezha', '2023-01-29', '--data-root', root, '--out', out]),
    );
    expect(r.result).toBe(0);
    expect(r.stdout).toContain(
      '3 entities, 2 windows of 1 min (2023-01-29T09:33:00Z … 2023-01-29T09:34:00Z), 4 edges (jsonl)',
    );
    expect(r.stdout).toContain('10 spans, 3 roots; 5 calls between services, 1 calls within a service left out');
    expect(r.stdout).toContain('1 spans whose parent is not in the files');
    const records = await readLines(out);
    expect(records.map((x) => [x.t, x.window, x.unit, x.nodes])).toEqual([
      [MINUTE, 60_000, 'ms', ['ts-gateway-service', 'ts-order-service', 'ts-user-service']],
      [MINUTE + 60_000, 60_000, 'ms', ['ts-gateway-service', 'ts-order-service', 'ts-user-service']],
    ]);
    expect(named(records)).toEqual([
      `${MINUTE}: ts-gateway-service→ts-order-service call 1 3000 3000`,
      // mean of 1,000 and 2,000; p95 = the 2nd of 2
      `${MINUTE}: ts-order-service→ts-user-service call 2 1500 2000`,
      `${MINUTE + 60_000}: ts-gateway-service→ts-order-service call 1 4000 4000`,
      `${MINUTE + 60_000}: ts-gateway-service→ts-user-service call 1 7000 7000`,
    ]);
  });

  it('agrees with ingest’s spanCallEdges (a separate implementation) on counts and means', async () => {
    const files = await listTraceFiles(root, '2023-01-29');
    async function* all() {
      for (const f of files) yield* readSpanBatches(f.trace);
    }
    const reference = await spanCallEdges(all(), { bucketMs: 60_000 });
    const records = await readLines(join(dir, 'spans.jsonl'));
    const ours = records.flatMap((x) => x.edges.map((e) => [x.t, x.nodes[e.src], x.nodes[e.dst], e.weight, e.meanUs]));
    expect(ours).toEqual(reference.edges.map((e) => [e.bucketMs, e.caller, e.callee, e.count, e.meanUs]));
    expect(reference.unmatchedParents).toBe(1);
  });

  it('drift of the two minutes: Jaccard 2/3, weight change 3 (share 0.6), degree change 0 in and 2 out', async () => {
    const r = await captureOutput(() => main(['graph', 'drift', join(dir, 'spans.jsonl'), '--json']));
    const [d] = JSON.parse(r.stdout);
    // E₁ = {gw→order 1, order→user 2}, E₂ = {gw→order 1, gw→user 1}
    expect(d).toMatchObject({
      from: MINUTE,
      to: MINUTE + 60_000,
      edgesBefore: 2,
      edgesAfter: 2,
      added: 1,
      removed: 1,
      kept: 1,
      weightChange: 3,
      inDegreeChange: 0,
      outDegreeChange: 2,
    });
    expect(d.jaccardDistance).toBeCloseTo(2 / 3, 12);
    expect(d.weightChangeNormalised).toBeCloseTo(0.6, 12);
    const table = await captureOutput(() => main(['graph', 'drift', join(dir, 'spans.jsonl')]));
    expect(table.stdout).toMatch(
      /\| 0→1 +\| 2023-01-29T09:33:00Z \| 2023-01-29T09:34:00Z \| +2→2 \| +1 \| +1 \| +0\.667 \| +3 \| +0\.600 \| +0 \| +2 \|/,
    );
  });

  it('inspect summarises the busiest window; Arrow output reads back to the same inspection', async () => {
    const jsonl = join(dir, 'spans.jsonl');
    const arrow = join(dir, 'spans.arrow');
    await captureOutput(() => main(['graph', 'build', '--nezha', '2023-01-29', '--data-root', root, '--out', arrow]));
    const a = JSON.parse((await captureOutput(() => main(['graph', 'inspect', jsonl, '--json']))).stdout);
    const b = JSON.parse((await captureOutput(() => main(['graph', 'inspect', arrow, '--json']))).stdout);
    expect(a.format).toBe('jsonl');
    expect(b.format).toBe('arrow');
    expect({ ...b, file: undefined, format: undefined }).toEqual({ ...a, file: undefined, format: undefined });
    expect(a).toMatchObject({ entities: 3, windows: 2, window: 60_000, unit: 'ms', distinctEdges: 3 });
    // both windows have 2 edges: the first wins; gw has out-degree 1, order 1; order and user in-degree 1
    expect(a.snapshot).toMatchObject({ index: 0, t: MINUTE, edges: 2, nodesWithEdges: 3 });
    expect(a.snapshot.topEdges[0]).toEqual({
      source: 'ts-order-service',
      target: 'ts-user-service',
      kind: 'call',
      weight: 2,
      meanUs: 1500,
      p95Us: 2000,
    });
    const text = await captureOutput(() => main(['graph', 'inspect', jsonl, '--at', '1']));
    expect(text.stdout).toContain('window 1 (2023-01-29T09:34:00Z; --at): 2 edges (call 2) among 3 of 3 entities');
  });

  it('--html writes a page with the snapshot drawn as a heat map', async () => {
    const html = join(dir, 'window.html');
    await captureOutput(() => main(['graph', 'inspect', join(dir, 'spans.jsonl'), '--html', html]));
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page.match(/aria-roledescription="rect mark"/g)?.length).toBe(2);
    expect(page).toContain('ts-order-service</td><td>ts-user-service</td><td>call</td>');
  });

  it('--phase construct finds no traces here; --minutes picks files; a missing minute is named', async () => {
    await expect(
      main([
        'graph',
        'build',
        '--nezha',
        '2023-01-29',
        '--data-root',
        root,
        '--phase',
        'construct',
        '--source',
        'spans',
        '--out',
        join(dir, 'x.jsonl'),
      ]),
    ).rejects.toThrow(/no trace files in the construct phase/);
    const out = join(dir, 'one.jsonl');
    await captureOutput(() =>
      main(['graph', 'build', '--nezha', '2023-01-29', '--data-root', root, '--minutes', '09_35', '--out', out]),
    );
    expect(named(await readLines(out))).toEqual([
      `${MINUTE + 60_000}: ts-gateway-service→ts-user-service call 1 7000 7000`,
    ]);
    await expect(
      main([
        'graph',
        'build',
        '--nezha',
        '2023-01-29',
        '--data-root',
        root,
        '--minutes',
        '10_00',
        '--out',
        join(dir, 'y.jsonl'),
      ]),
    ).rejects.toThrow(/no Nezha trace file for 10_00/);
  });

  it(
    'reads a dependency table when the date has no ' + 'traces: calls plus contention of services on one host',
    async () => {
      const out = join(dir, 'dep.jsonl');
      const r = await captureOutput(() =>
        main(['graph', 'build', '--nezha', '2022-08-22', '--data-root', root, '--out', out]),
      );
      expect(r.stdout).toContain('3 entities, 1 window of 1 min (+0 ms), 5 edges');
      expect(named(await readLines(out))).toEqual([
        '0: checkoutservice→cartservice call 1',
        '0: frontend→cartservice call 1',
        '0: frontend→checkoutservice call 1',
        // cartservice and checkoutservice share 33.33.33.1
        '0: cartservice→checkoutservice contention 1',
        '0: checkoutservice→cartservice contention 1',
      ]);
      const drift = await captureOutput(() => main(['graph', 'drift', out]));
      expect(drift.stdout).toContain('one window, no drift to measure');
      const edges = join(dir, 'edges.csv');
      await writeFile(edges, 'source,target\na,b\nb,c\n');
      await captureOutput(() => main(['graph', 'build', '--edges', edges, '--out', join(dir, 'edges.jsonl')]));
      expect(named(await readLines(join(dir, 'edges.jsonl')))).toEqual(['0: a→b call 1', '0: b→c call 1']);
    },
  );
});

describe('driftwatch graph build on Alibaba batch rows written from schema.txt', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-graph-alibaba-'));
    const write = async (
      table: 'batch_task' | 'batch_instance' | 'container_meta',
      rows: Record<string, string | number | null>[],
    ) => writeFile(join(dir, `${table}.csv`), `${rows.map((r) => formatAlibabaRow(table, r)).join('\n')}\n`);
    const task = (task_name: string, job_name: string, instance_num: number) => ({
      task_name,
      instance_num,
      job_name,
      task_type: '1',
      status: 'Terminated',
      start_time: 0,
      end_time: 200,
      plan_cpu: 100,
      plan_mem: 0.5,
    });
    await write('batch_task', [task('M1', 'j_1', 2), task('R2_1', 'j_1', 1), task('task_Nzg3ODAw', 'j_2', 1)]);
    // times in seconds from the trace start
    const instance = (
      instance_name: string,
      task_name: string,
      job_name: string,
      machine_id: string,
      start_time: number,
      end_time: number,
    ) => ({
      instance_name,
      task_name,
      job_name,
      task_type: '1',
      status: 'Terminated',
      start_time,
      end_time,
      machine_id,
      seq_no: 1,
      total_seq_no: 1,
      cpu_avg: 50,
      cpu_max: 80,
      mem_avg: 0.2,
      mem_max: 0.3,
    });
    await write('batch_instance', [
      instance('ins_1', 'M1', 'j_1', 'm_1', 0, 50),
      instance('ins_2', 'M1', 'j_1', 'm_2', 10, 40),
      instance('ins_3', 'R2_1', 'j_1', 'm_3', 70, 130),
      instance('ins_4', 'task_Nzg3ODAw', 'j_2', 'm_3', 0, 200),
    ]);
    const container = (container_id: string, machine_id: string, time_stamp: number) => ({
      container_id,
      machine_id,
      time_stamp,
      app_du: 'app_1',
      status: 'started',
      cpu_request: 400,
      cpu_limit: 400,
      mem_size: 1.5,
    });
    // c_1 moves from m_3 to m_1 at 100 s; c_2 arrives on m_1 at 20 s
    await write('container_meta', [
      container('c_1', 'm_3', 0),
      container('c_2', 'm_1', 20),
      container('c_1', 'm_1', 100),
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('machine call graph: M1 on m_1 and m_2 feed R2_1 on m_3 while it runs (70–130 s: minutes 1 and 2)', async () => {
    const out = join(dir, 'calls.jsonl');
    const r = await captureOutput(() => main(['graph', 'build', '--alibaba', dir, '--out', out]));
    expect(r.stdout).toContain('3 entities, 4 windows of 1 min (+0 ms … +3 min), 4 edges');
    expect(r.stdout).toContain('DAGs from batch_task: 2 jobs, 1 dependencies');
    expect(named(await readLines(out))).toEqual([
      '60000: m_1→m_3 call 1',
      '60000: m_2→m_3 call 1',
      '120000: m_1→m_3 call 1',
      '120000: m_2→m_3 call 1',
    ]);
  });

  it('contention graph: seconds on a common machine per minute, containers and batch tasks', async () => {
    const out = join(dir, 'contention.jsonl');
    await captureOutput(() => main(['graph', 'build', '--alibaba', dir, '--kind', 'contention', '--out', out]));
    const pairs = named(await readLines(out))
      .map((l) => l.split(' '))
      .filter(([, pair]) => {
        const [a, b] = pair.split('→');
        return a < b;
      })
      .map(([t, pair, , w]) => `${Number(t.replace(':', '')) / 60_000} ${pair} ${w}`)
      .sort();
    // m_3: c_1 [0,100), R2_1 [70,130), task [0,200); m_1: c_1 [100, 200) (open, to the last time 200 s), c_2 [20, 200),
    // M1 [0, 50)
    expect(pairs).toEqual(
      [
        '0 c_1→j_2/task_Nzg3ODAw 60',
        '0 c_2→j_1/M1 30',
        '1 c_1→j_2/task_Nzg3ODAw 40',
        '1 c_1→j_1/R2_1 30',
        '1 j_1/R2_1→j_2/task_Nzg3ODAw 50',
        '1 c_1→c_2 20',
        '2 j_1/R2_1→j_2/task_Nzg3ODAw 10',
        '2 c_1→c_2 60',
        '3 c_1→c_2 20',
      ].sort(),
    );
  });

  it('a folder without batch_instance is named', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cli-graph-empty-'));
    try {
      await expect(main(['graph', 'build', '--alibaba', empty, '--out', join(empty, 'x.jsonl')])).rejects.toThrow(
        /no batch_instance table/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('driftwatch graph: bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-graph-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a negative Duration or a pod name without hashes names file, line and column; no output is left', async () => {
    const badDuration = spanLine(9, 'z1', 'root', GW, 0, -5);
    const root = await nezhaRoot({ '09_34': [spanLine(1, 'a1', 'root', GW, 0, 10), badDuration] });
    const out = join(dir, 'bad.jsonl');
    try {
      const file = join(root, 'nezha', 'rca_data', '2023-01-29', 'trace', '09_34_trace.csv');
      let e = await inputError(() =>
        main(['graph', 'build', '--nezha', '2023-01-29', '--data-root', root, '--out', out]),
      );
      expect(e.location).toEqual({ file, line: 3, column: badDuration.lastIndexOf(',') + 2 });
      expect(e.message).toContain('expected a Duration ≥ 0 (µs), found "-5"');
      expect(existsSync(out)).toBe(false);
      expect((await readdir(dir)).filter((f) => f.includes('bad.jsonl'))).toEqual([]);
      const badPod = spanLine(1, 'a1', 'root', 'gateway', 0, 10);
      await writeFile(file, `${HEADER}\n${badPod}\n`);
      e = await inputError(() => main(['graph', 'build', '--nezha', '2023-01-29', '--data-root', root, '--out', out]));
      expect(e.location).toEqual({ file, line: 2, column: badPod.indexOf('gateway') + 1 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a broken graph file names the line and the column of the bad value', async () => {
    const file = join(dir, 'broken.jsonl');
    const good =
      '{"t":0,"window":60000,"unit":"ms","nodes":["a","b"],"edges":[{"src":0,"dst":1,"kind":"call","weight":1}]}';
    const badIndex =
      '{"t":60000,"window":60000,"unit":"ms","nodes":["a","b"],"edges":[{"src":0,"dst":5,"kind":"call","weight":1}]}';
    await writeFile(file, `${good}\n${badIndex}\n`);
    let e = await inputError(() => main(['graph', 'drift', file]));
    expect(e.location).toEqual({ file, line: 2, column: badIndex.indexOf('"dst":5') + 7 });
    expect(e.message).toMatch(/expected a node index in 0\.\.1 at \$\.edges\[0\]\.dst, found "5"/);
    await writeFile(file, `${good}\n\n{"t": 1,\n`);
    e = await inputError(() => main(['graph', 'inspect', file]));
    expect(e.location.line).toBe(3);
    const offGrid = '{"t":90000,"window":60000,"unit":"ms","nodes":["a"],"edges":[]}';
    await writeFile(file, `${good}\n${offGrid}\n`);
    e = await inputError(() => main(['graph', 'inspect', file]));
    expect(e.location).toEqual({ file, line: 2, column: offGrid.indexOf('90000') + 1 });
    expect(e.expected).toMatch(/window start/);
    await writeFile(file, 'Source,Target\na,b\n');
    e = await inputError(() => main(['graph', 'inspect', file]));
    expect(e.location).toMatchObject({ file, line: 1, column: 1 });
  });

  it(
    'an Arrow file without the graph metadata, or with ' + 'a bad node index, is named with its row and column',
    async () => {
      const plain = join(dir, 'plain.arrow');
      await writeArrowFile(plain, tableFromArrays({ x: Float64Array.from([1, 2]) }));
      let e = await inputError(() => main(['graph', 'inspect', plain]));
      expect(e.expected).toMatch(/"driftwatch\.graph" schema metadata/);
      // a graph table whose second row points at node 7 of 2
      const meta = JSON.stringify({ format: 1, window: 60_000, unit: 'ms', entities: ['a', 'b'], windows: [0] });
      const columns = {
        t: vectorFromArray([0, 0], new Float64()),
        src: vectorFromArray([0, 1], new Int32()),
        dst: vectorFromArray([1, 7], new Int32()),
        kind: vectorFromArray(['call', 'call'], new Utf8()),
        weight: vectorFromArray([1, 2], new Float64()),
        mean_us: vectorFromArray([null, null], new Float64()),
        p95_us: vectorFromArray([null, null], new Float64()),
      };
      const schema = new Schema(
        Object.entries(columns).map(([name, v]) => new Field(name, v.type, true)),
        new Map([['driftwatch.graph', meta]]),
      );
      const bad = join(dir, 'bad.arrow');
      await writeArrowFile(bad, new Table(schema, columns));
      e = await inputError(() => main(['graph', 'drift', bad]));
      // row 2, column 3 (dst)
      expect(e.location).toEqual({ file: bad, line: 2, column: 3 });
      expect(e.expected).toBe('a node index in 0..1');
    },
  );

  it('a bad edge list row, a wrong flag combination, an existing output', async () => {
    const edges = join(dir, 'edges.csv');
    await writeFile(edges, 'Source,Target,Weight\na,b,1\na,c,heavy\n');
    const e = await inputError(() => main(['graph', 'build', '--edges', edges, '--out', join(dir, 'e.jsonl')]));
    expect(e.location).toEqual({ file: edges, line: 3, column: 5 });
    await expect(main(['graph', 'build', '--window', '60'])).rejects.toThrow(/name exactly one input/);
    await expect(main(['graph', 'build', '--edges', edges, '--nezha', '2023-01-29'])).rejects.toThrow(
      /got --nezha, --edges/,
    );
    await expect(main(['graph', 'build', '--edges', edges, '--window', '0'])).rejects.toThrow(
      /--window expects a positive number/,
    );
    await writeFile(edges, 'Source,Target\na,b\n');
    const out = join(dir, 'exists.jsonl');
    await writeFile(out, 'keep');
    await expect(main(['graph', 'build', '--edges', edges, '--out', out])).rejects.toThrow(/exists \(use --force/);
    expect(await readFile(out, 'utf8')).toBe('keep');
    await captureOutput(() => main(['graph', 'build', '--edges', edges, '--out', out, '--force']));
    expect(named(await readLines(out))).toEqual(['0: a→b call 1']);
    await expect(main(['graph', 'inspect', out, '--at', '4'])).rejects.toThrow(/--at expects a window number 0…0/);
    await expect(main(['graph', 'drift', out, '--kinds', 'calls'])).rejects.toThrow(/--kinds expects/);
  });
});

/** The shipped data sets, when present next to the repository (as in CI). */
const realRoot = process.env.DRIFTWATCH_DATA || resolve(__dirname, '..', '..', '..', '..', 'shared', 'datasets');
const withReal = existsSync(join(realRoot, 'nezha', 'rca_data', '2023-01-29', 'trace')) ? it : it.skip;

describe('driftwatch graph on the Nezha data', () => {
  withReal(
    'TrainTicket traces: per-minute edges equal ingest’s spanCallEdges over the same files; OnlineBoutique ' +
      'dependency table',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cli-graph-real-'));
      try {
        const out = join(dir, 'tt.jsonl');
        await captureOutput(() =>
          main(['graph', 'build', '--nezha', '2023-01-29', '--phase', 'rca', '--data-root', realRoot, '--out', out]),
        );
        const files = (await listTraceFiles(realRoot, '2023-01-29')).filter((f) => f.phase === 'rca_data');
        async function* all() {
          for (const f of files) yield* readSpanBatches(f.trace);
        }
        const reference = await spanCallEdges(all(), { bucketMs: 60_000 });
        const records = await readLines(out);
        const ours = new Map(
          records.flatMap((x) => x.edges.map((e) => [`${x.t} ${x.nodes[e.src]} ${x.nodes[e.dst]}`, e] as const)),
        );
        expect(ours.size).toBe(reference.edges.length);
        for (const e of reference.edges) {
          const mine = ours.get(`${e.bucketMs} ${e.caller} ${e.callee}`)!;
          expect(mine.weight).toBe(e.count);
          expect(mine.meanUs).toBeCloseTo(e.meanUs, 6);
        }
        const dep = join(dir, 'ob.jsonl');
        await captureOutput(() =>
          main(['graph', 'build', '--nezha', '2022-08-22', '--data-root', realRoot, '--out', dep]),
        );
        const [snapshot] = await readLines(dep);
        // datasets README: 11 services, 14 call edges; two shared hosts give 4 directed contention edges
        expect(snapshot.nodes.length).toBe(11);
        expect(snapshot.edges.filter((e) => e.kind === 'call').length).toBe(14);
        expect(snapshot.edges.filter((e) => e.kind === 'contention').length).toBe(4);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
