import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeScoreFile } from '@driftwatch/ingest';
import { evaluate } from '../src/commands/evaluate';
import { makeAsdLikeRoot, runCommand } from './fixtures';

const TRAIN = 60;
const TEST = 150;
/** W − 1 warm-up records without a score at the start, as `score --dataset` writes for W = 5 */
const WARMUP = 4;

describe('evaluate and scores that are not finite', () => {
  let fixture: Awaited<ReturnType<typeof makeAsdLikeRoot>>;
  /** a plausible score per record of asd/omi-1 (train then test): higher inside the fixture's anomalies */
  let scores: Float64Array;

  beforeAll(async () => {
    fixture = await makeAsdLikeRoot({ servers: 1, train: TRAIN, test: TEST });
    const anomalous = (t: number) => fixture.segmentsOf['omi-1'].some(([a, b]) => t >= TRAIN + a && t <= TRAIN + b);
    scores = Float64Array.from({ length: TRAIN + TEST }, (_, t) =>
      t < WARMUP ? NaN : (anomalous(t) ? 3 : 1) + 0.1 * Math.sin(t),
    );
  });
  afterAll(async () => {
    await rm(fixture.root, { recursive: true, force: true });
  });

  async function evaluateWith(name: string, edit: (s: Float64Array) => void, validation?: Float64Array) {
    const file = join(fixture.root, `${name}.csv`);
    const copy = Float64Array.from(scores);
    edit(copy);
    await writeScoreFile(file, [
      { sequenceId: 'asd/omi-1', scores: copy },
      ...(validation ? [{ sequenceId: 'validation:asd/omi-1/train', scores: validation }] : []),
    ]);
    const out = join(fixture.root, `${name}.jsonl`);
    const r = await runCommand(evaluate, ['--scores', file, '--out', out, '--data-root', fixture.root]);
    return { ...r, wrote: existsSync(out) };
  }

  it('evaluates scores with NaN only at the warm-up records (the control)', async () => {
    const r = await evaluateWith('control', () => undefined, Float64Array.of(1, 1.2, 0.9));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.wrote).toBe(true);
  });

  it('refuses a NaN score between scored records, naming the file, sequence and record', async () => {
    const r = await evaluateWith('nan', (s) => {
      s[TRAIN + 45] = NaN;
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${join(fixture.root, 'nan.csv')}: sequence asd/omi-1: record ${TRAIN + 45} has no score`,
    );
    expect(r.wrote).toBe(false);
  });

  it('refuses scores that are NaN everywhere but the first scored record', async () => {
    const r = await evaluateWith('mostly-nan', (s) => s.fill(NaN, WARMUP + 1, s.length - 1));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`record ${WARMUP + 1} has no score (NaN) between scored records`);
  });

  it.each([Infinity, -Infinity])('refuses a score of %s', async (value) => {
    const r = await evaluateWith(`inf-${value}`, (s) => {
      s[TRAIN + 10] = value;
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`record ${TRAIN + 10} is ${value}; expected a finite score`);
    expect(r.wrote).toBe(false);
  });

  it('refuses a NaN validation window score', async () => {
    const r = await evaluateWith('validation-nan', () => undefined, Float64Array.of(1, NaN, 0.9));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sequence validation:asd/omi-1/train: record 1 has no score (NaN)');
  });
});
