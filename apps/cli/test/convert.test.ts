import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSequences } from '@driftwatch/ingest';
import { main } from '../src/main';
import { captureOutput } from './fixtures';

describe('driftwatch convert', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-convert-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converts a wide CSV to Arrow and back to CSV with the same values', async () => {
    const input = join(dir, 'm.csv');
    await writeFile(input, 'ts,host,cpu\n1,a,0.5\n2,a,0.75\n1,b,0.25\n');
    const arrow = join(dir, 'm.arrow');
    const r = await captureOutput(() =>
      main(['convert', input, '--to', 'arrow', '--map', 'timestamp=ts', '--map', 'entity=host']),
    );
    expect(r.result).toBe(0);
    expect(r.stdout).toContain('3 rows');
    const seqs = await readSequences(arrow, { timestamp: 'ts', entity: 'host' });
    expect(seqs.map((s) => [s.entity, [...s.values], [...s.timestamps!].map(Number)])).toEqual([
      ['a', [0.5, 0.75], [1000, 2000]],
      ['b', [0.25], [1000]],
    ]);
  });

  it('stops at a bad row naming file, line and column, writes nothing and keeps an existing output', async () => {
    const input = join(dir, 'bad.csv');
    await writeFile(input, 'ts,host,cpu\n1,a,0.5\n2,a,oops\n');
    await expect(main(['convert', input, '--to', 'parquet', '--map', 'entity=host'])).rejects.toThrow(
      `${input}:3:5: expected a number in column "cpu", found "oops"`,
    );
    expect(existsSync(join(dir, 'bad.parquet'))).toBe(false);
    const existing = join(dir, 'kept.csv');
    await writeFile(existing, 'precious\n');
    await expect(
      main(['convert', input, '--to', 'csv', '--out', existing, '--force', '--map', 'entity=host']),
    ).rejects.toThrow('expected a number');
    expect(await readFile(existing, 'utf8')).toBe('precious\n');
    await expect(main(['convert', input, '--to', 'csv', '--out', existing])).rejects.toThrow(/exists \(use --force/);
  });

  it('reads ISO times and columns named entity and timestamp without flags, names the flag for others', async () => {
    const input = join(dir, 'iso.csv');
    await writeFile(input, 'entity,timestamp,cpu\na,2026-01-05T00:00:00Z,0.5\na,2026-01-05T00:01:00Z,0.75\n');
    const out = join(dir, 'iso.arrow');
    const r = await captureOutput(() =>
      main(['convert', input, '--to', 'arrow', '--map', 'entity=entity', '--map', 'timestamp=timestamp']),
    );
    expect(r.result).toBe(0);
    const [a] = await readSequences(out, { entity: 'entity' });
    expect([...a.timestamps!].map((t) => new Date(Number(t)).toISOString())).toEqual([
      '2026-01-05T00:00:00.000Z',
      '2026-01-05T00:01:00.000Z',
    ]);
    // columns named entity and timestamp need no flag at all
    const plain = await captureOutput(() => main(['convert', input, '--to', 'csv', '--out', join(dir, 'iso-0.csv')]));
    expect(plain.result).toBe(0);
    expect(await readFile(join(dir, 'iso-0.csv'), 'utf8')).toBe(
      'entity,timestamp,cpu\na,2026-01-05T00:00:00.000Z,0.5\na,2026-01-05T00:01:00.000Z,0.75\n',
    );
    // other names: the errors name the flag
    const named = join(dir, 'named.csv');
    await writeFile(named, 'host,time,cpu\na,2026-01-05T00:00:00Z,0.5\na,2026-01-05T00:01:00Z,0.75\n');
    await expect(main(['convert', named, '--to', 'csv', '--out', join(dir, 'iso-1.csv')])).rejects.toThrow(
      `${named}:2:1: expected a number in column "host" (it holds text: if it names the entity, name it with ` +
        '--map entity=host; else list the metric columns with --metrics), found "a"',
    );
    await expect(
      main(['convert', named, '--to', 'csv', '--out', join(dir, 'iso-2.csv'), '--map', 'entity=host']),
    ).rejects.toThrow(
      `${named}:2:3: expected a number in column "time" (it holds date-times: if it is the time column, name ` +
        'it with --map timestamp=time), found "2026-01-05T00:00:00Z"',
    );
    const flags = ['--map', 'entity=entity', '--map', 'timestamp=timestamp', '--map', 'timestampUnit=s'];
    await expect(main(['convert', input, '--to', 'csv', '--out', join(dir, 'iso-3.csv'), ...flags])).rejects.toThrow(
      `${input}:2:3: expected a time in s in column "timestamp" (it holds ISO 8601 text: read it with ` +
        '--map timestampUnit=iso), found "2026-01-05T00:00:00Z"',
    );
  });

  it('prints a failure after the progress lines, never after a "done"', async () => {
    const input = join(dir, 'late.csv');
    await writeFile(input, 'ts,cpu\n1,0.5\n2,oops\n');
    const r = await captureOutput(() =>
      main(['convert', input, '--to', 'csv', '--out', join(dir, 'late.out.csv')]).catch((e: Error) => e),
    );
    expect(r.result).toBeInstanceOf(Error);
    expect(r.stderr).not.toMatch(/done/);
    expect(existsSync(join(dir, 'late.out.csv'))).toBe(false);
  });

  it('with --on-error skip writes the good rows and a rejects file naming each bad one', async () => {
    const input = join(dir, 'dirty.csv');
    await writeFile(input, 'ts,host,cpu\n1,a,0.5\n2,a,oops\n3,a\n4,a,1.5\n');
    const out = join(dir, 'dirty.csv.out');
    const rejects = join(dir, 'dirty.rejects.csv');
    const r = await captureOutput(() =>
      main([
        'convert',
        input,
        '--to',
        'csv',
        '--out',
        out,
        '--on-error',
        'skip',
        '--rejects',
        rejects,
        '--map',
        'entity=host',
      ]),
    );
    expect(r.result).toBe(0);
    expect(r.stdout).toContain('2 rows rejected');
    // entity first, then the metrics (ts is a plain number here: no timestamp mapping)
    expect((await readFile(out, 'utf8')).trim().split('\n')).toEqual(['host,ts,cpu', 'a,1,0.5', 'a,4,1.5']);
    expect((await readFile(rejects, 'utf8')).trim().split('\n')).toEqual([
      'file,line,column,column_name,expected,found,csv_line',
      `${input},3,5,cpu,"a number in column ""cpu""",oops,"2,a,oops"`,
      `${input},4,4,cpu,3 fields per row; field 3 is missing,2 fields,"3,a"`,
    ]);
  });
});
