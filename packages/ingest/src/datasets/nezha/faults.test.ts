import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { realDataRoot } from '../../testing/real-data';
import { NEZHA_FAULT_CODES, parseFaultList, parseRootCauses, readFaultList, readRootCauses } from './faults';

const entry = (time: string, pod: string, type: string, stamp = '1674956119') =>
  `{\n      "inject_time": "${time}",\n      "inject_timestamp": "${stamp}",\n      "inject_pod": ` +
  `"${pod}",\n      "inject_type": "${type}"\n    }`;

const list = (hours: Record<string, string[]>) =>
  '{\n' +
  Object.entries(hours)
    .map(([h, entries]) => `  "${h}": [\n    ${entries.join(',\n    ')}\n  ]`)
    .join(',\n') +
  '\n}';

function errorOf(text: string): InputError {
  try {
    parseFaultList(text, 'day-fault_list.json');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('parseFaultList', () => {
  it('reads entries in time order with UTC times, pods, services and codes', () => {
    const text = list({
      '14': [entry('2023-01-29 14:49:57', 'ts-food-service-f5756978c-k8vqf', 'cpu_contention', '1675003797')],
      '09': [entry('2023-01-29 09:34:19', 'ts-food-service-f5756978c-k8vqf', 'return')],
    });
    const faults = parseFaultList(text, 'day-fault_list.json');
    expect(faults.map((f) => [f.injectMs, f.pod, f.service, f.type, f.code, f.hour, f.listedTimestampS])).toEqual([
      [
        Date.UTC(2023, 0, 29, 9, 34, 19),
        'ts-food-service-f5756978c-k8vqf',
        'ts-food-service',
        'return',
        3,
        '09',
        1674956119,
      ],
      [
        Date.UTC(2023, 0, 29, 14, 49, 57),
        'ts-food-service-f5756978c-k8vqf',
        'ts-food-service',
        'cpu_contention',
        1,
        '14',
        1675003797,
      ],
    ]);
    // the 09 entry is the second block of the file: its "{" is on line 11, column 5
    expect(faults[0]).toMatchObject({ line: 11, column: 5 });
  });

  it('names the entry that lacks a field', () => {
    const broken = entry('2023-01-29 09:34:19', 'ts-food-service-f5756978c-k8vqf', 'return').replace(
      /\n\s+"inject_pod": "[^"]+",/,
      '',
    );
    const error = errorOf(
      list({ '09': [entry('2023-01-29 09:30:09', 'ts-food-service-f5756978c-k8vqf', 'return'), broken] }),
    );
    expect(error.location).toEqual({ file: 'day-fault_list.json', line: 9, column: 5 });
    expect(error.message).toContain('day-fault_list.json:9:5');
    expect(error.expected).toContain('"inject_pod"');
  });

  it('names the field with an unknown fault type', () => {
    const error = errorOf(
      list({ '09': [entry('2023-01-29 09:34:19', 'ts-food-service-f5756978c-k8vqf', 'disk_full')] }),
    );
    // "inject_type": "disk_full" is on line 7; its value starts at column 22
    expect(error.location).toEqual({ file: 'day-fault_list.json', line: 7, column: 22 });
    expect(error.message).toContain('"disk_full"');
  });

  it('names a time that is not YYYY-MM-DD HH:MM:SS', () => {
    const error = errorOf(list({ '09': [entry('2023-01-29T09:34:19Z', 'ts-food-service-f5756978c-k8vqf', 'return')] }));
    expect(error.location).toEqual({ file: 'day-fault_list.json', line: 4, column: 22 });
  });

  it('names an entry listed under another hour', () => {
    const error = errorOf(list({ '10': [entry('2023-01-29 09:34:19', 'ts-food-service-f5756978c-k8vqf', 'return')] }));
    expect(error.location.line).toBe(4);
    expect(error.expected).toContain('hour "10"');
  });

  it('names a pod name without replica-set hash and suffix', () => {
    const error = errorOf(list({ '09': [entry('2023-01-29 09:34:19', 'ts', 'return')] }));
    expect(error.location).toEqual({ file: 'day-fault_list.json', line: 6, column: 21 });
  });

  it('names broken JSON by line and column', () => {
    const text = list({ '09': [entry('2023-01-29 09:34:19', 'ts-food-service-f5756978c-k8vqf', 'return')] }).replace(
      '"return"',
      '"return",',
    );
    const error = errorOf(text);
    // the stray comma makes "}" on line 8 (column 5) appear where a key should be
    expect(error.location).toEqual({ file: 'day-fault_list.json', line: 8, column: 5 });
  });

  it('requires an object keyed by hour', () => {
    expect(errorOf('[]').location).toEqual({ file: 'day-fault_list.json', line: 1, column: 1 });
  });
});

describe('parseRootCauses', () => {
  it('splits code regions at "_" and keeps metrics whole', () => {
    const text =
      '{"ts-food-service": {"return": "f.s.FoodServiceImpl#240_f.s.FoodServiceImpl#243", "cpu_contention": ' +
      '"CpuUsageRate(%)"}}';
    expect(parseRootCauses(text, 'rc.json')).toEqual([
      {
        service: 'ts-food-service',
        faultType: 'return',
        rootCause: 'f.s.FoodServiceImpl#240_f.s.FoodServiceImpl#243',
        kind: 'code-region',
        region: { from: 'f.s.FoodServiceImpl#240', to: 'f.s.FoodServiceImpl#243' },
      },
      { service: 'ts-food-service', faultType: 'cpu_contention', rootCause: 'CpuUsageRate(%)', kind: 'metric' },
    ]);
  });

  it('names an unknown fault type', () => {
    expect(() => parseRootCauses('{"a": {\n "oops": "x"}}', 'rc.json')).toThrow('rc.json:2:2');
  });
});

const root = realDataRoot('nezha');
const describeReal = root ? describe : describe.skip;

describeReal('the real fault lists and root-cause files', () => {
  const countTypes = (types: string[]) =>
    Object.fromEntries([...new Set(types)].map((t) => [t, types.filter((x) => x === t).length]));

  it('2022-08-22: 24 faults (cpu_contention 8, network_delay 7, return 3, cpu_consumed 3, exception 3)', async () => {
    const faults = await readFaultList(join(root!, 'nezha/rca_data/2022-08-22/2022-08-22-fault_list.json'));
    expect(faults).toHaveLength(24);
    expect(countTypes(faults.map((f) => f.type))).toEqual({
      cpu_contention: 8,
      network_delay: 7,
      return: 3,
      cpu_consumed: 3,
      exception: 3,
    });
    // README: all inject_timestamp values agree with inject_time except 07:10:43 (−60 s)
    const off = faults.filter((f) => f.listedTimestampS! * 1000 !== f.injectMs);
    expect(off.map((f) => [f.injectTime, f.listedTimestampS! * 1000 - f.injectMs])).toEqual([
      ['2022-08-22 07:10:43', -60_000],
    ]);
  });

  it(
    '2023-01-29: 28 faults (exception 13, return 11, cpu_contention 4); the 4 from 13:31 on have right ' + 'timestamps',
    async () => {
      const faults = await readFaultList(join(root!, 'nezha/rca_data/2023-01-29/2023-01-29-fault_list.json'));
      expect(faults).toHaveLength(28);
      expect(countTypes(faults.map((f) => f.type))).toEqual({ return: 11, exception: 13, cpu_contention: 4 });
      const agree = faults.filter((f) => f.listedTimestampS! * 1000 === f.injectMs).map((f) => f.injectTime.slice(11));
      expect(agree).toEqual(['13:31:54', '14:23:31', '14:49:57', '15:42:00']);
      expect(faults.every((f) => f.code === NEZHA_FAULT_CODES[f.type])).toBe(true);
    },
  );

  it('root causes: 10 hipster services, 11 ts services; code regions split in two', async () => {
    const hipster = await readRootCauses(join(root!, 'nezha/construct_data/root_cause_hipster.json'));
    const ts = await readRootCauses(join(root!, 'nezha/construct_data/root_cause_ts.json'));
    expect(new Set(hipster.map((r) => r.service)).size).toBe(10);
    expect(new Set(ts.map((r) => r.service)).size).toBe(11);
    const charge = hipster.find((r) => r.service === 'checkoutservice' && r.faultType === 'return');
    expect(charge?.region).toEqual({ from: 'Start charge card', to: 'Charge successfully' });
    const contacts = ts.find((r) => r.service === 'ts-contacts-service' && r.faultType === 'return');
    expect(contacts?.region).toEqual({ from: 'c.s.ContactsServiceImpl#31', to: 'c.s.ContactsServiceImpl#34' });
    expect(
      [...hipster, ...ts]
        .filter((r) => r.kind === 'metric')
        .every((r) => ['CpuUsageRate(%)', 'NetworkP90(ms)'].includes(r.rootCause)),
    ).toBe(true);
  });
});
