import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { realDataRoot } from '../../testing/real-data';
import { parseTraceIds, readSpanBatches, readTraceIds, spanCallEdges } from './spans';

const HEADER = 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration';
const GATEWAY = 'ts-gateway-service-6f6cfc45b-h5m2n';
const TRAVEL = 'ts-travel-service-64469b5b48-25zj6';
const ROUTE = 'ts-route-service-b6c59fb57-zv8dt';
// 2023-01-29 09:33:00 UTC in ns: beyond 2^53, so only exact integer arithmetic keeps the last digits
const M0 = 1674984780000000000n;
const span = (trace: string, id: string, parent: string, pod: string, startNs: bigint, durationUs: number) =>
  [trace, id, parent, pod, 'op', startNs, startNs + BigInt(durationUs) * 1000n, durationUs].join(',');

async function edgesOf(lines: string[], options = {}) {
  return spanCallEdges(
    readSpanBatches({ file: 'trace/09_34_trace.csv', data: [HEADER, ...lines].join('\n') }, { batchRows: 2 }),
    options,
  );
}

describe('spanCallEdges', () => {
  const T1 = 'b020f94a5daa6912593b14ae1203f53f';
  const T2 = '8228fe86e78e6fdfa110b602cc815187';
  const lines = [
    span(T1, 'a', 'root', GATEWAY, M0 + 1_000_000n, 1000),
    span(T1, 'c', 'b', TRAVEL, M0 + 3_000_000n, 100), // child listed before its parent
    span(T1, 'b', 'a', GATEWAY, M0 + 2_000_000n, 900),
    span(T1, 'd', 'b', TRAVEL, M0 + 59_999_999_999n, 300),
    span(T1, 'e', 'c', ROUTE, M0 + 60_000_000_000n, 50),
    span(T2, 'f', 'missing', ROUTE, M0 + 5_000_000n, 70),
  ];

  it('counts calls between services per minute with duration statistics', async () => {
    const result = await edgesOf(lines);
    expect(result).toMatchObject({ spans: 6, traces: 2, unmatchedParents: 1 });
    const minute = Number(M0 / 1_000_000n);
    expect(result.edges).toEqual([
      // c (100 µs) and d (300 µs): nearest-rank p50 = 1st of 2, p90 = 2nd of 2
      {
        bucketMs: minute,
        caller: 'ts-gateway-service',
        callee: 'ts-travel-service',
        count: 2,
        meanUs: 200,
        p50Us: 100,
        p90Us: 300,
        maxUs: 300,
      },
      {
        bucketMs: minute + 60_000,
        caller: 'ts-travel-service',
        callee: 'ts-route-service',
        count: 1,
        meanUs: 50,
        p50Us: 50,
        p90Us: 50,
        maxUs: 50,
      },
    ]);
  });

  it('keeps calls within a service when asked', async () => {
    const result = await edgesOf(lines, { includeSelfCalls: true });
    expect(result.edges.map((e) => `${e.caller}>${e.callee}:${e.count}`)).toEqual([
      'ts-gateway-service>ts-gateway-service:1',
      'ts-gateway-service>ts-travel-service:2',
      'ts-travel-service>ts-route-service:1',
    ]);
  });

  it('names the line of a span whose pod name is no pod name', async () => {
    await expect(edgesOf([span(T1, 'a', 'root', 'gateway', M0, 5)])).rejects.toThrow('trace/09_34_trace.csv:2');
  });

  it('names line and column of a start time that is not an integer', async () => {
    const bad = span(T1, 'a', 'root', GATEWAY, M0, 5).replace(String(M0), '1.6e18');
    const error = await edgesOf([bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toEqual({
      file: 'trace/09_34_trace.csv',
      line: 2,
      column: `${T1},a,root,${GATEWAY},op,`.length + 1,
    });
  });
});

describe('parseTraceIds', () => {
  it('reads one id per line and skips blank lines', () => {
    expect(parseTraceIds('8228fe86e78e6fdfa110b602cc815187\n\n7649acd9c14aec7a6ba13659e61884d7\n', 'ids.csv')).toEqual([
      '8228fe86e78e6fdfa110b602cc815187',
      '7649acd9c14aec7a6ba13659e61884d7',
    ]);
  });

  it('names the line of a bad id', () => {
    expect(() => parseTraceIds('8228fe86e78e6fdfa110b602cc815187\nTraceID\n', 'ids.csv')).toThrow('ids.csv:2:1');
  });
});

const root = realDataRoot('nezha');
const describeReal = root ? describe : describe.skip;

describeReal('the real trace files', () => {
  const dir = (phase: string) => join(root!, 'nezha', phase, '2023-01-29');
  // datasets README, "Chosen faults": trace rows / traces per file; construct_data 08_50: 4,890 spans of 71 traces (66
  // listed)
  const table: [string, string, number, number, number][] = [
    ['construct_data', '08_50', 4890, 71, 66],
    ['rca_data', '09_34', 842, 44, 44],
    ['rca_data', '09_35', 1019, 39, 39],
    ['rca_data', '09_36', 3119, 42, 42],
    ['rca_data', '10_20', 604, 26, 26],
    ['rca_data', '10_21', 2010, 40, 40],
    ['rca_data', '10_22', 1328, 36, 36],
    ['rca_data', '14_49', 3852, 47, 47],
    ['rca_data', '14_50', 5207, 67, 67],
    ['rca_data', '14_51', 3838, 51, 51],
  ];

  it.each(table)('%s %s: %d spans of %d traces, %d trace ids', async (phase, minute, spans, traces, ids) => {
    const file = join(dir(phase), 'trace', `${minute}_trace.csv`);
    let rows = 0;
    const traceIds = new Set<string>();
    let durationsAgree = true;
    for await (const batch of readSpanBatches(file, { batchRows: 1000 })) {
      rows += batch.numRows;
      for (let r = 0; r < batch.numRows; r++) {
        traceIds.add(batch.getChild('TraceID')!.get(r) as string);
        // README: Duration (µs) = (End − Start) div 1000 on every row
        const start = batch.getChild('StartTimeUnixNano')!.get(r) as bigint;
        const end = batch.getChild('EndTimeUnixNano')!.get(r) as bigint;
        if (Number((end - start) / 1000n) !== batch.getChild('Duration')!.get(r)) durationsAgree = false;
      }
    }
    expect([rows, traceIds.size, durationsAgree]).toEqual([spans, traces, true]);
    const listed = await readTraceIds(join(dir(phase), 'traceid', `${minute}_traceid.csv`));
    expect(listed).toHaveLength(ids);
    // README: in the rca files the listed ids are exactly the file's traces
    if (phase === 'rca_data') expect(new Set(listed)).toEqual(traceIds);
  });

  it('09_34: every call edge matches a parent/child pair counted from the raw text', async () => {
    const file = join(dir('rca_data'), 'trace', '09_34_trace.csv');
    const text = (await readFile(file, 'utf8')).trim().split('\n').slice(1);
    const rows = text.map((l) => l.split(','));
    const serviceOf = new Map(rows.map((r) => [`${r[0]}/${r[1]}`, r[3].split('-').slice(0, -2).join('-')]));
    const expected = new Map<string, number>();
    for (const r of rows) {
      if (r[2] === 'root') continue;
      const caller = serviceOf.get(`${r[0]}/${r[2]}`)!;
      const callee = serviceOf.get(`${r[0]}/${r[1]}`)!;
      if (caller === callee) continue;
      const key = `${Math.floor(Number(BigInt(r[5]) / 1_000_000n) / 60_000) * 60_000} ${caller} ${callee}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const result = await spanCallEdges(readSpanBatches(file));
    expect(result.unmatchedParents).toBe(0);
    expect(new Map(result.edges.map((e) => [`${e.bucketMs} ${e.caller} ${e.callee}`, e.count]))).toEqual(expected);
  });
});
