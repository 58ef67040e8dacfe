import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main';
import { UsageError } from '../src/cli-error';
import { captureOutput } from './fixtures';

/** A record-score CSV written by hand: web-1 with an alarm at records 3..4 (peak 4), db-1 quiet. */
const SCORES =
  'entity,timestamp,record,warmup,score,smoothed,threshold,alarm\n' +
  'web-1,2026-03-01T10:00:00.000Z,0,1,,,2,0\n' +
  'web-1,2026-03-01T10:01:00.000Z,1,0,1,1,2,0\n' +
  'web-1,2026-03-01T10:02:00.000Z,2,0,1.5,1.2,2,0\n' +
  'web-1,2026-03-01T10:03:00.000Z,3,0,9,2.5,2,1\n' +
  'web-1,2026-03-01T10:04:00.000Z,4,0,9,3.5,2,1\n' +
  'web-1,2026-03-01T10:05:00.000Z,5,0,1,1.9,2,0\n' +
  'db-1,2026-03-01T10:00:00.000Z,0,1,,,2,0\n' +
  'db-1,2026-03-01T10:01:00.000Z,1,0,0.5,0.5,2,0\n';
const EPISODES =
  'entity,start,end,first_record,last_record,peak_score,peak_time,top_features\n' +
  'web-1,2026-03-01T10:03:00.000Z,2026-03-01T10:04:00.000Z,3,4,3.5,2026-03-01T10:04:00.000Z,' +
  'disk_io:0.800;cpu:0.150;mem:0.050\n';

describe('driftwatch report <score file>', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-alarms-'));
    await writeFile(join(dir, 'scores.csv'), SCORES);
    await writeFile(join(dir, 'scores.episodes.csv'), EPISODES);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('draws one timeline per entity and lists the episodes with their top features', async () => {
    await writeFile(
      join(dir, 'labels.csv'),
      'entity,start,end,type\nweb-1,2026-03-01T10:02:00Z,2026-03-01T10:04:00Z,disk\n',
    );
    const out = join(dir, 'alarms.html');
    const run = await captureOutput(() =>
      main(['report', join(dir, 'scores.csv'), '--labels', join(dir, 'labels.csv'), '--out', out]),
    );
    expect(run.result).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('2 entities, 8 records, 1 alarm episodes');
    expect(html).toContain(
      '<td>web-1</td><td>2026-03-01T10:03:00Z</td><td>2026-03-01T10:04:00Z</td><td class="r">2</td>' +
        '<td class="r">3.500</td><td>disk_io 80%, cpu 15%, mem 5%</td>',
    );
    expect(html).toContain('labelled ranges (red strip on top)');
  });

  it('refuses a missing episodes file, an unknown labels entity and --format md, writing nothing', async () => {
    const out = join(dir, 'alarms.html');
    await writeFile(join(dir, 'labels.csv'), 'entity,start,end\ncache-7,1,2\n');
    const scores = join(dir, 'scores.csv');
    await expect(main(['report', scores, '--labels', join(dir, 'labels.csv'), '--out', out])).rejects.toThrow(
      'line 2 names entity "cache-7"',
    );
    await expect(main(['report', scores, '--format', 'md', '--out', out])).rejects.toThrow(UsageError);
    await rm(join(dir, 'scores.episodes.csv'));
    await expect(main(['report', scores, '--out', out])).rejects.toThrow('name it with --episodes');
    expect(existsSync(out)).toBe(false);
  });
});
