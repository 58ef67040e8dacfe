import { InputError } from '@driftwatch/contracts';
import { isNodeAddress, readDependencies } from './dependency';
import { POD_METRIC_FEATURES, readEdgeLatency, readFrontService, readPodMetrics } from './metrics';

const HEADER =
  'Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsage(Mi),MemoryUsageRate(%),SyscallRead,' +
  'SyscallWrite,NetworkReceiveBytes,NetworkTransmitBytes,PodClientLatencyP90(s),PodServerLatencyP90(s),' +
  'PodClientLatencyP95(s),PodServerLatencyP95(s),PodClientLatencyP99(s),PodServerLatencyP99(s),' +
  'PodWorkload(Ops),PodSuccessRate(%),NodeCpuUsageRate(%),NodeMemoryUsageRate(%),NodeNetworkReceiveBytes';
const POD = 'ts-food-service-f5756978c-k8vqf';
const FILE = `metric/${POD}_metric.csv`;
/** 19 metric fields: k, k+1, …, with field 10 (PodServerLatencyP90) given by `server` */
const metrics = (k: number, server = String(k + 9)) =>
  Array.from({ length: 19 }, (_, j) => (j === 9 ? server : String(k + j))).join(',');
const row = (time: string, stamp: number, k: number, server?: string, pod = POD) =>
  `${time},${stamp},${pod},${metrics(k, server)}`;

async function failure(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('readPodMetrics', () => {
  const ids = { idPrefix: 'nezha/2023-01-29', domain: 'train-ticket/2023-01-29' };

  it('reads the 19 features, NaN and empty cells as NaN, times from the Go Time text', async () => {
    const data = [
      HEADER,
      row('2023-01-29 08:41:09.969234525 +0000 UTC m=+1.045396385', 1674981669, 1, 'NaN'),
      row('2023-01-29 08:42:09.59747603 +0000 UTC m=+60.673637890', 1674981729, 100, ''),
      // TimeStamp 200,000,000 s off, as in adservice of 2022-08-22: the time still comes from Time
      row('2023-01-29 08:43:09.5 +0000 UTC m=+120.500000000', 1874981789, 7),
    ].join('\n');
    const result = await readPodMetrics({ file: FILE, data }, ids);
    expect(result.pod).toBe(POD);
    expect(result.service).toBe('ts-food-service');
    expect(result.timeStampMismatches).toBe(1);
    const seq = result.sequence;
    expect(seq).toMatchObject({
      id: `nezha/2023-01-29/${POD}`,
      entity: POD,
      domain: 'train-ticket/2023-01-29',
      length: 3,
    });
    expect(seq.features).toEqual([...POD_METRIC_FEATURES]);
    expect(Array.from(seq.timestamps!, Number)).toEqual([
      Date.UTC(2023, 0, 29, 8, 41, 9, 969),
      Date.UTC(2023, 0, 29, 8, 42, 9, 597),
      Date.UTC(2023, 0, 29, 8, 43, 9, 500),
    ]);
    expect(Array.from(seq.values.subarray(0, 19))).toEqual([
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      NaN,
      11,
      12,
      13,
      14,
      15,
      16,
      17,
      18,
      19,
    ]);
    expect(seq.values[19 + 9]).toBeNaN();
    expect(seq.values[2 * 19 + 18]).toBe(25);
  });

  it('names file, line and column of a time that is not Go time text', async () => {
    const data = [
      HEADER,
      row('2023-01-29 08:41:09 +0000 UTC', 1674981669, 1),
      row('2023-01-29T08:42:09Z', 1674981729, 2),
    ].join('\n');
    const error = await failure(readPodMetrics({ file: FILE, data }, ids));
    expect(error.location).toEqual({ file: FILE, line: 3, column: 1 });
    expect(error.message).toContain(`${FILE}:3:1`);
    expect(error.message).toContain('2006-01-02 15:04:05.999999999 -0700 MST');
  });

  it('names a row of another pod', async () => {
    const time = '2023-01-29 08:41:09 +0000 UTC';
    const data = [HEADER, row(time, 1674981669, 1, undefined, 'ts-order-service-5b67c48447-mv5hb')].join('\n');
    const error = await failure(readPodMetrics({ file: FILE, data }, ids));
    // PodName is field 3: after "<time>,1674981669,"
    expect(error.location).toEqual({ file: FILE, line: 2, column: time.length + 1 + 10 + 1 + 1 });
  });

  it('names a value that is not a number', async () => {
    const time = '2023-01-29 08:41:09 +0000 UTC';
    const data = [HEADER, `${time},1674981669,${POD},abc,${metrics(2).split(',').slice(1).join(',')}`].join('\n');
    const error = await failure(readPodMetrics({ file: FILE, data }, ids));
    expect(error.location).toEqual({ file: FILE, line: 2, column: `${time},1674981669,${POD},`.length + 1 });
  });

  it('refuses a file name that is not <pod>_metric.csv', async () => {
    await expect(readPodMetrics({ file: 'metric/front.csv', data: HEADER }, ids)).rejects.toThrow('_metric.csv');
  });
});

describe('readFrontService', () => {
  it('reads the entry success rate and latency percentiles', async () => {
    const data = [
      'Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP50(s),LatencyP90(s),LatencyP95(s),LatencyP99(s)',
      '2022-08-22 03:51:19.573905004 +0000 UTC m=+0.079858984,1661140279,Frontend,100,0.25,1.15,1.825,2.365',
      '2022-08-22 03:52:19.552651155 +0000 UTC m=+60.058605135,1661140339,Frontend,49.5,NaN,0.815,0.9825,2.165',
    ].join('\n');
    const seq = await readFrontService(
      { file: 'front_service.csv', data },
      { id: 'front', domain: 'hipster/2022-08-22' },
    );
    expect(seq.entity).toBe('Frontend');
    expect(seq.features).toEqual([
      'SuccessRate(%)',
      'LatencyP50(s)',
      'LatencyP90(s)',
      'LatencyP95(s)',
      'LatencyP99(s)',
    ]);
    expect(Array.from(seq.values.subarray(0, 5))).toEqual([100, 0.25, 1.15, 1.825, 2.365].map(Math.fround));
    expect(seq.values[6]).toBeNaN();
    expect(Array.from(seq.timestamps!, Number)).toEqual([
      Date.UTC(2022, 7, 22, 3, 51, 19, 573),
      Date.UTC(2022, 7, 22, 3, 52, 19, 552),
    ]);
  });
});

describe('readEdgeLatency', () => {
  const edges = [
    { caller: 'front_end', callee: 'cart' },
    { caller: 'cart', callee: 'redis' },
  ];
  const time = '2022-08-22 03:51:20.021338403 +0000 UTC m=+0.527292383';

  it('orders features as the call edges and matches names holding "_" to them', async () => {
    const data = [
      'time,timestamp,cart_redis,front_end_cart',
      `${time},1661140280,0.5,`,
      `2022-08-22 03:52:19 +0000 UTC,1661140339,,0.25`,
    ].join('\n');
    const { sequence, edges: found } = await readEdgeLatency(
      { file: 'source_50.csv', data },
      { id: 'e', domain: 'd' },
      edges,
    );
    expect(sequence.features).toEqual(['front_end_cart', 'cart_redis']);
    expect(found).toEqual(edges);
    expect(Array.from(sequence.values)).toEqual([NaN, 0.5, 0.25, NaN]);
  });

  it('names a column that matches no call edge', async () => {
    const data = ['time,timestamp,cart_redis,front_end_basket', `${time},1661140280,0.5,0.1`].join('\n');
    const error = await failure(readEdgeLatency({ file: 'source_50.csv', data }, { id: 'e', domain: 'd' }, edges));
    expect(error.location).toEqual({ file: 'source_50.csv', line: 1, column: 'time,timestamp,cart_redis,'.length + 1 });
  });

  it('without dependency edges, needs exactly one "_" per column', async () => {
    const data = ['time,timestamp,a_b,a_b_c', `${time},1661140280,0.5,0.1`].join('\n');
    const error = await failure(readEdgeLatency({ file: 'source_50.csv', data }, { id: 'e', domain: 'd' }));
    expect(error.location).toEqual({ file: 'source_50.csv', line: 1, column: 'time,timestamp,a_b,'.length + 1 });
  });
});

describe('readDependencies', () => {
  it('splits call edges from service-to-node edges', async () => {
    const data = 'Source,Target,Weight\nfrontend,cartservice,1\nadservice,33.33.33.76,1\nloadgenerator,33.33.33.79,2\n';
    expect(await readDependencies({ file: 'dependency.csv', data })).toEqual({
      calls: [{ caller: 'frontend', callee: 'cartservice', weight: 1 }],
      placements: [
        { service: 'adservice', node: '33.33.33.76', weight: 1 },
        { service: 'loadgenerator', node: '33.33.33.79', weight: 2 },
      ],
    });
  });

  it('names a repeated edge', async () => {
    const data = 'Source,Target,Weight\nfrontend,cartservice,1\nadservice,33.33.33.76,1\nfrontend,cartservice,1\n';
    const error = await failure(readDependencies({ file: 'dependency.csv', data }));
    expect(error.location).toEqual({ file: 'dependency.csv', line: 4, column: 1 });
  });

  it('knows node addresses', () => {
    expect(isNodeAddress('33.33.33.227')).toBe(true);
    expect(isNodeAddress('33.33.33.256')).toBe(false);
    expect(isNodeAddress('cartservice')).toBe(false);
  });
});
