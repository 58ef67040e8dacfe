import { FeatureMismatchError, ParameterError, mulberry32, type Sequence } from '@driftwatch/contracts';
import { applyStandardisation, fitStandardiser } from './standardise';

const rng = mulberry32(3);
function seq(
  id: string,
  length: number,
  labels?: number[],
  column = (t: number, j: number) => Math.fround(10 * j + rng() * (j + 1)),
): Sequence {
  const values = new Float32Array(length * 3);
  for (let t = 0; t < length; t++) for (let j = 0; j < 3; j++) values[t * 3 + j] = column(t, j);
  return {
    id,
    entity: id,
    domain: id,
    features: ['a', 'b', 'c'],
    values,
    length,
    labels: labels && Uint8Array.from(labels),
  };
}

/** Textbook two-pass mean and population std of the records picked by `use`, one feature at a time. */
function direct(sequences: Sequence[], use: (s: Sequence, t: number) => boolean) {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < 3; j++) {
    const xs: number[] = [];
    for (const s of sequences) for (let t = 0; t < s.length; t++) if (use(s, t)) xs.push(s.values[t * 3 + j]);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    mean.push(m);
    std.push(Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length));
  }
  return { mean, std };
}

describe('fitStandardiser', () => {
  const a = seq('a', 50);
  const b = seq(
    'b',
    30,
    Array.from({ length: 30 }, (_, t) => (t % 7 === 0 ? 1 : 0)),
  );

  it('fits mean and population std on normal records only (label 0 or no labels)', () => {
    const st = fitStandardiser([a, b]);
    const ref = direct([a, b], (s, t) => !s.labels || s.labels[t] === 0);
    for (let j = 0; j < 3; j++) {
      expect(st.mean[j]).toBeCloseTo(ref.mean[j], 12);
      expect(st.std[j]).toBeCloseTo(ref.std[j], 12);
    }
  });

  it('uses every record with normalOnly false', () => {
    const st = fitStandardiser([a, b], { normalOnly: false });
    const ref = direct([a, b], () => true);
    for (let j = 0; j < 3; j++) expect(st.std[j]).toBeCloseTo(ref.std[j], 12);
  });

  it('gives std 1 and the exact value as mean for a constant feature', () => {
    const c = seq('c', 40, undefined, (t, j) => (j === 1 ? Math.fround(0.49) : t));
    const st = fitStandardiser([c]);
    expect(st.mean[1]).toBe(Math.fround(0.49));
    expect(st.std[1]).toBe(1);
    const z = applyStandardisation(c, st);
    for (let t = 0; t < 40; t++) expect(z.values[t * 3 + 1]).toBe(0);
  });

  it('rejects no records and mixed widths', () => {
    expect(() => fitStandardiser([seq('x', 3, [1, 1, 1])])).toThrow(ParameterError);
    expect(() => fitStandardiser([a, { ...b, features: ['a', 'b'] }])).toThrow(FeatureMismatchError);
  });
});

describe('applyStandardisation', () => {
  it('computes (x − mean)/std into new values and checks the width', () => {
    const s = seq('s', 4);
    const st = { mean: [1, 2, 3], std: [2, 4, 0.5] };
    const z = applyStandardisation(s, st);
    expect(z.values).not.toBe(s.values);
    expect(Array.from(z.values)).toEqual(
      Array.from(s.values, (x, i) => Math.fround((x - st.mean[i % 3]) / st.std[i % 3])),
    );
    expect(z.id).toBe('s');
    expect(() => applyStandardisation(s, { mean: [0, 0], std: [1, 1] })).toThrow(FeatureMismatchError);
  });
});
