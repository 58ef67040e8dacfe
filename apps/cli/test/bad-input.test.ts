import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main';
import { makeAsdLikeRoot } from './fixtures';

/**
 * Every kind of bad input stops the command with one line naming file, line and column and what was
 * expected, and leaves nothing behind: no output file, no model directory, no temporary file.
 */
describe('bad input: a clear error and no partial output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-bad-input-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // `convert` with a time and an entity column; each case's file, and the message it must give (with FILE for its path)
  const cases: [string, string, string][] = [
    ['malformed row (unclosed quote)', 'ts,host,cpu\n1,a,0.5\n2,"a,0.7\n', 'FILE:3:3: expected a closing double quote'],
    [
      'wrong column count',
      'ts,host,cpu\n1,a,0.5\n2,a,0.7,9\n',
      'FILE:3:9: expected 3 fields per row; field 4 starts here, found "4 fields"',
    ],
    [
      'non-numeric field',
      'ts,host,cpu\n1,a,0.5\n2,a,high\n',
      'FILE:3:5: expected a number in column "cpu", found "high"',
    ],
    ['NaN', 'ts,host,cpu\n1,a,NaN\n', 'FILE:2:5: expected a finite number in column "cpu", found "NaN"'],
    ['Infinity', 'ts,host,cpu\n1,a,inf\n', 'FILE:2:5: expected a finite number in column "cpu", found "inf"'],
    ['empty file', '', 'FILE:1:1: expected a header line, found "an empty file"'],
    ['header only', 'ts,host,cpu\n', 'FILE:2:1: expected at least one data row, found "only a header"'],
    [
      'missing header (first line is data)',
      '1,a,0.5\n2,a,0.7\n',
      'FILE:1:1: expected a header with a column named "ts", found "1,a,0.5"',
    ],
    [
      'duplicate timestamp',
      'ts,host,cpu\n1,a,0.5\n2,a,0.6\n2,a,0.7\n',
      'FILE:4: expected one record per time within entity "a" in column "ts" (line 3 has the same time), ' +
        'found "2000 ms again"',
    ],
    [
      'non-monotonic timestamps',
      'ts,host,cpu\n1,a,0.5\n1,b,0.5\n3,a,0.6\n2,a,0.7\n',
      'FILE:5: expected times that increase within entity "a" in column "ts" (line 4 has 3000 ms), found "2000 ms"',
    ],
  ];

  it.each(cases)('convert: %s', async (name, text, message) => {
    const input = join(dir, `${name.replace(/\W+/g, '-')}.csv`);
    await writeFile(input, text);
    const out = join(dir, `${name.replace(/\W+/g, '-')}.arrow`);
    await expect(
      main(['convert', input, '--to', 'arrow', '--out', out, '--map', 'timestamp=ts', '--map', 'entity=host']),
    ).rejects.toThrow(message.replace('FILE', input));
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  describe('label files: indices out of range and unknown entities stop training before anything is written', () => {
    let root: string;
    beforeAll(async () => {
      root = (await makeAsdLikeRoot({ servers: 2, train: 60, test: 150 })).root;
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });
    const labelCases: [string, string, string, string][] = [
      [
        'a segment past the last test record',
        'asd/interpretation_label/omi-2.txt',
        '40-49:1,2\n120-175:1',
        'FILE:2:1: expected',
      ],
      [
        'a metric number past the last metric',
        'asd/interpretation_label/omi-2.txt',
        '40-49:1,2\n120-134:1,7',
        'FILE:2:',
      ],
      [
        'a label that is not 0 or 1',
        'asd/test_label/omi-2.txt',
        `${'0\n'.repeat(40)}2\n${'0\n'.repeat(109)}`,
        'FILE:41:1: expected a label 0 or 1, found "2"',
      ],
      [
        'a server that does not exist',
        'asd/anomaly_type.txt',
        'dataset,anomaly_segment,anomaly_type\nomi-1,40-49,metric\nomi-7,120-134,metric',
        'FILE:3:1: expected a server of the data set (omi-1, omi-2), found "omi-7"',
      ],
      [
        'an anomaly_type.txt range past the last test record',
        'asd/anomaly_type.txt',
        'dataset,anomaly_segment,anomaly_type\nomi-2,40-49,metric\nomi-2,120-175,metric',
        'FILE:3:7: expected a segment inside the 150 test records of omi-2 (0…149, both inclusive), found "120-175"',
      ],
      [
        'a reversed anomaly_type.txt range',
        'asd/anomaly_type.txt',
        'dataset,anomaly_segment,anomaly_type\nomi-1,49-40,metric',
        'FILE:2:7: expected a segment start-end with start ≤ end (both inclusive), found "49-40"',
      ],
    ];
    it.each(labelCases)('train: %s', async (_name, relative, text, message) => {
      const copy = await mkdtemp(join(tmpdir(), 'cli-bad-labels-'));
      try {
        await cp(root, copy, { recursive: true });
        const file = join(copy, relative);
        await writeFile(file, text);
        const model = join(copy, 'models', 'm');
        await expect(
          main(['train', '--method', 'mahalanobis', '--hold-out', '1', '--out', model, '--data-root', copy]),
        ).rejects.toThrow(message.replace('FILE', file));
        expect(existsSync(join(copy, 'models'))).toBe(false);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    });
  });
});
