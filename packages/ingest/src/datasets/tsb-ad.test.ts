import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { parseTsbAdFileName, readTsbAdFile, readTsbAdSeries } from './tsb-ad';

describe('TSB-AD files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsb-ad-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('parses N and M from …_tr_<N>_1st_<M>.csv, names with underscores included', () => {
    expect(parseTsbAdFileName('x/001_NAB_id_1_Facility_tr_1007_1st_2014.csv')).toEqual({
      trainLength: 1007,
      firstAnomaly: 2014,
    });
    expect(parseTsbAdFileName('057_SMD_id_1_Facility_tr_4529_1st_4629.csv').trainLength).toBe(4529);
  });

  it.each(['series.csv', 'a_tr_10.csv', 'a_tr_x_1st_3.csv', 'a_tr_10_1st_3.txt', 'a_tr_0_1st_3.csv'])(
    'refuses the file name %s, naming the file and the layout',
    (name) => {
      expect(() => parseTsbAdFileName(join('d', name))).toThrow(InputError);
      expect(() => parseTsbAdFileName(join('d', name))).toThrow(new RegExp(name.replace('.', '\\.')));
    },
  );

  it('reads metric columns in file order, Label wherever it is, and drops rows with an empty cell', async () => {
    const path = await write(
      '002_Demo_id_2_Sensor_tr_3_1st_4.csv',
      'cpu,Label,mem\n1,0,10\n2,0,20\n3,0,\n4,0,40\n5,1,50\n6,1.0,60\n7,0,70\n',
    );
    const s = await readTsbAdFile(path);
    expect(s.name).toBe('002_Demo_id_2_Sensor_tr_3_1st_4');
    expect(s.trainLength).toBe(3);
    expect(s.firstAnomaly).toBe(4);
    expect(s.droppedRows).toBe(1);
    expect(s.sequence.id).toBe('tsb-ad/002_Demo_id_2_Sensor_tr_3_1st_4');
    expect(s.sequence.features).toEqual(['cpu', 'mem']);
    expect(s.sequence.length).toBe(6);
    expect(Array.from(s.sequence.values)).toEqual([1, 10, 2, 20, 4, 40, 5, 50, 6, 60, 7, 70]);
    expect(Array.from(s.sequence.labels!)).toEqual([0, 0, 0, 1, 1, 0]);
    expect(s.sequence.ranges).toEqual([{ start: 3, end: 5, eventType: 'anomaly' }]);
  });

  it.each([
    ['no Label column', 'cpu,mem\n1,2\n', /a column named "Label"/],
    ['only Label', 'Label\n0\n1\n', /at least one metric column/],
    ['a label of 2', 'cpu,Label\n1,0\n2,2\n', /:3:2: expected a Label of 0 or 1/],
    ['a word for a number', 'cpu,Label\n1,0\nhigh,0\n', /:3:1: expected a number in column "cpu"/],
    ['a short row', 'cpu,mem,Label\n1,2,0\n1,0\n', /:3: expected 3 fields/],
    ['more training records than rows', 'cpu,Label\n1,0\n2,0\n', /at most 2 training records/],
  ])('refuses a file with %s, naming the file', async (_what, text, message) => {
    const path = await write('bad_tr_5_1st_1.csv', text);
    await expect(readTsbAdFile(path)).rejects.toThrow(message);
    await expect(readTsbAdFile(path)).rejects.toThrow(/bad_tr_5_1st_1\.csv/);
  });

  it('reads a folder of series in natural order, and refuses the same series name twice', async () => {
    const folder = join(dir, 'set');
    await mkdir(folder);
    await writeFile(join(folder, '10_b_tr_1_1st_1.csv'), 'v,Label\n1,0\n2,1\n');
    await writeFile(join(folder, '9_a_tr_1_1st_1.csv'), 'v,Label\n1,0\n2,1\n');
    await writeFile(join(folder, 'notes.txt'), 'not a series');
    expect((await readTsbAdSeries([folder])).map((s) => s.name)).toEqual(['9_a_tr_1_1st_1', '10_b_tr_1_1st_1']);
    await expect(readTsbAdSeries([folder, join(folder, '9_a_tr_1_1st_1.csv')])).rejects.toThrow(/already read/);
    await expect(readTsbAdSeries([join(dir, 'missing')])).rejects.toThrow(/no such TSB-AD file or directory/);
  });
});
