import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { parseMappingArgs, parseMappingJson, readMappingFile } from './mapping';

describe('parseMappingArgs', () => {
  it('reads --map key=value, --metrics a,b and --format, in both spellings', () => {
    expect(parseMappingArgs(['--map', 'timestamp=ts', '--map', 'entity=host', '--metrics', 'a,b'])).toEqual({
      timestamp: 'ts',
      entity: 'host',
      metrics: ['a', 'b'],
    });
    expect(
      parseMappingArgs(['--format=long-csv', '--map=metric=name', '--map', 'value=v', '--map', 'delimiter=tab']),
    ).toEqual({
      format: 'long-csv',
      metric: 'name',
      value: 'v',
      delimiter: '\t',
    });
    // a value may itself hold "=": only the first one splits
    expect(parseMappingArgs(['--map', 'entity=a=b'])).toEqual({ entity: 'a=b' });
  });

  it('names the flag and the rule it breaks', () => {
    const cases: [string[], string][] = [
      [
        ['--map', 'timestmp=ts'],
        '--map timestmp=ts: unknown mapping key "timestmp" (keys: format, timestamp, timestampUnit, ' +
          'entity, metrics, metric, value, delimiter, entityLabel, metricLabel)',
      ],
      [['--map', 'timestamp'], '--map timestamp: expected key=value'],
      [
        ['--map', 'timestampUnit=hours'],
        '--map timestampUnit=hours: mapping key "timestampUnit" must be one of "s", "ms", "us", "ns", ' +
          '"iso", got "hours"',
      ],
      [
        ['--metrics', 'a,,b'],
        '--metrics a,,b: mapping key "metrics" must be a non-empty list of distinct non-empty names, got "a,,b"',
      ],
      [
        ['--metrics', 'a,a'],
        '--metrics a,a: mapping key "metrics" must be a non-empty list of distinct non-empty names, got "a,a"',
      ],
      [['--map', 'entity=x', '--map', 'entity=y'], '--map entity=y: mapping key "entity" is given twice'],
      [
        ['--format', 'excel'],
        '--format excel: mapping key "format" must be one of "wide-csv", "long-csv", "arrow", "parquet", ' +
          '"prometheus", got "excel"',
      ],
      [
        ['--format', 'wide-csv', '--map', 'metric=m'],
        'mapping flags: mapping key "metric" does not apply to wide-csv (it applies to long-csv)',
      ],
      [['--map', 'timestamp=t', '--map', 'entity=t'], 'mapping flags: timestamp and entity name the same column "t"'],
      [['--map', 'timestamp=t', '--metrics', 'a,t'], 'mapping flags: metrics lists "t", which is the timestamp column'],
      [['--verbose'], 'unknown mapping argument "--verbose" (expected --map key=value, --metrics a,b or --format f)'],
      [['--map'], '--map needs a value'],
    ];
    for (const [args, message] of cases) expect(() => parseMappingArgs(args)).toThrow(new ParameterError(message));
  });
});

describe('mapping files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-mapping-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a JSON mapping file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, '{"format": "prometheus", "entityLabel": "pod", "metrics": ["cpu", "mem"]}');
    expect(await readMappingFile(path)).toEqual({ format: 'prometheus', entityLabel: 'pod', metrics: ['cpu', 'mem'] });
  });

  it('names the file, line, column and JSON path of an unknown key', async () => {
    const path = join(dir, 'typo.json');
    await writeFile(path, '{\n  "format": "long-csv",\n  "timestmp": "ts"\n}\n');
    await expect(readMappingFile(path)).rejects.toThrow(
      new InputError(
        { file: path, line: 3, column: 3 },
        'a mapping key (format, timestamp, timestampUnit, entity, metrics, metric, value, delimiter, ' +
          'entityLabel, metricLabel) at $.timestmp',
        '"timestmp"',
      ),
    );
  });

  it('names the element of a list with the wrong type', () => {
    // `{"metrics": ["a", 3]}`: the 3 is the 19th character
    expect(() => parseMappingJson('{"metrics": ["a", 3]}', 'm.json')).toThrow(
      new InputError({ file: 'm.json', line: 1, column: 19 }, 'a non-empty string at $.metrics[1]', '3'),
    );
    expect(() => parseMappingJson('{"metrics": ["a", "a"]}', 'm.json')).toThrow(
      'm.json:1:19: expected a name not listed before at $.metrics[1], found "\\"a\\""',
    );
    expect(() => parseMappingJson('{\n"timestamp": 5}', 'm.json')).toThrow(
      new InputError({ file: 'm.json', line: 2, column: 14 }, 'a non-empty string at $.timestamp', '5'),
    );
  });

  it('rejects keys that do not apply to the format, and bad JSON, with their position', () => {
    expect(() => parseMappingJson('{"format": "prometheus", "entity": "host"}', 'm.json')).toThrow(
      new InputError(
        { file: 'm.json', line: 1, column: 26 },
        'only keys that apply to format "prometheus" (entity applies to wide-csv, long-csv, arrow, ' +
          'parquet) at $.entity',
        '"entity"',
      ),
    );
    expect(() => parseMappingJson('{"format": "arrow",}', 'm.json')).toThrow(
      new InputError({ file: 'm.json', line: 1, column: 20 }, 'a double-quoted property name', '}'),
    );
    expect(() => parseMappingJson('["arrow"]', 'm.json')).toThrow(
      new InputError({ file: 'm.json', line: 1, column: 1 }, 'a JSON object of mapping keys', 'an array'),
    );
  });
});
