import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, type Sequence } from '@driftwatch/contracts';
import { applyLabels, checkLabelEntities, labelTypes, readLabelFile } from './label-file';

async function labelsFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'labels-')), 'labels.csv');
  await writeFile(path, text);
  return path;
}

/** n records one minute apart from 2026-01-01T00:00Z. */
function sequence(entity: string, n: number, withTimes: boolean): Sequence {
  const t0 = Date.UTC(2026, 0, 1);
  return {
    id: entity,
    entity,
    domain: entity,
    features: ['x'],
    values: new Float32Array(n),
    length: n,
    timestamps: withTimes ? BigInt64Array.from({ length: n }, (_, i) => BigInt(t0 + i * 60_000)) : undefined,
  };
}

describe('labels files', () => {
  it('labels the records between two ISO times, both included, and codes types in sorted order', async () => {
    const path = await labelsFile(
      'type,entity,start,end\n' +
        'disk,web-1,2026-01-01T00:02:00Z,2026-01-01T00:03:30Z\n' +
        'cpu,web-1,2026-01-01 00:07,2026-01-01T00:07:00.000Z\n' +
        'cpu,web-2,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z\n',
    );
    const lines = await readLabelFile(path);
    expect(lines.map((l) => l.line)).toEqual([2, 3, 4]);
    const types = labelTypes(lines);
    expect(types).toEqual(['cpu', 'disk']);
    const web1 = applyLabels(sequence('web-1', 10, true), lines, types, path);
    // records 2 (00:02) and 3 (00:03) are inside 00:02..00:03:30; record 7 is 00:07
    expect(Array.from(web1.labels!)).toEqual([0, 0, 2, 2, 0, 0, 0, 1, 0, 0]);
    expect(web1.ranges).toEqual([
      { start: 2, end: 4, eventType: 'disk' },
      { start: 7, end: 8, eventType: 'cpu' },
    ]);
  });

  it('reads integers as record indexes when the input has no times', async () => {
    const path = await labelsFile('entity,start,end\nhost,3,4\nhost,8,20\n');
    const lines = await readLabelFile(path);
    const seq = applyLabels(sequence('host', 10, false), lines, labelTypes(lines), path);
    expect(Array.from(seq.labels!)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 1]);
  });

  it('names the file, line and column of a bad bound, and refuses ISO times for an input without times', async () => {
    const bad = await labelsFile('entity,start,end\nhost,3,4\nhost,yesterday,5\n');
    await expect(readLabelFile(bad)).rejects.toThrow(`${bad}:3:2: expected an ISO 8601 time`);
    const backwards = await labelsFile('entity,start,end\nhost,9,4\n');
    await expect(readLabelFile(backwards)).rejects.toThrow(InputError);
    const noHeader = await labelsFile('host,3,4\n');
    await expect(readLabelFile(noHeader)).rejects.toThrow('a column named "entity"');
    const iso = await labelsFile('entity,start,end\nhost,2026-01-01T00:00:00Z,2026-01-01T00:01:00Z\n');
    const lines = await readLabelFile(iso);
    expect(() => applyLabels(sequence('host', 5, false), lines, ['anomaly'], iso)).toThrow(`${iso}:2: expected record`);
  });

  it("names the line of a stray quote, as a driftwatch error rather than the CSV parser's", async () => {
    const quoted = await labelsFile('entity,start,end\nhost,3,4\nho"st,5,6\n');
    const error = await readLabelFile(quoted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toEqual({ file: quoted, line: 3 });
  });

  it('lists every line that names an entity the input does not have', async () => {
    const path = await labelsFile('entity,start,end\nweb-1,1,2\nweb-9,1,2\ndb,3,4\n');
    const lines = await readLabelFile(path);
    expect(() => checkLabelEntities(lines, ['web-1', 'web-2'], path)).toThrow(
      `${path}: line 3 names entity "web-9"; line 4 names entity "db", which is not in the input; ` +
        'its entities are web-1, web-2',
    );
  });
});
