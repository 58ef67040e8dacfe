import fc from 'fast-check';
import { FeatureMismatchError, ParameterError, type Sequence } from '@driftwatch/contracts';
import { windowSequences } from './windows';

const F = 2;
function makeSeq(id: string, domain: string, length: number, anomalous: number[] = [], withLabels = true): Sequence {
  const labels = new Uint8Array(length);
  for (const t of anomalous) if (t < length) labels[t] = 1;
  return {
    id,
    entity: id,
    domain,
    features: ['a', 'b'],
    values: Float32Array.from({ length: length * F }, (_, i) => i + 1000 * id.length),
    length,
    labels: withLabels ? labels : undefined,
  };
}

/** Every window by its definition: records t−W+1 … t for t = W−1 … T−1, copied out of the sequence. */
function bruteForce(seqs: Sequence[], W: number, normalOnly: boolean, domains: string[]) {
  const out: { seq: number; end: number; domain: number; values: number[] }[] = [];
  seqs.forEach((s, k) => {
    for (let t = W - 1; t < s.length; t++) {
      const records = Array.from({ length: W }, (_, i) => t - W + 1 + i);
      if (normalOnly && s.labels && records.some((r) => s.labels![r] > 0)) continue;
      out.push({
        seq: k,
        end: t,
        domain: domains.indexOf(s.domain),
        values: records.flatMap((r) => [s.values[r * F], s.values[r * F + 1]]),
      });
    }
  });
  return out;
}

describe('windowSequences', () => {
  it('matches brute force for random lengths, window lengths and labels', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            length: fc.integer({ min: 0, max: 30 }),
            anomalous: fc.array(fc.nat(29), { maxLength: 4 }),
            domain: fc.constantFrom('p', 'q', 'r'),
            labelled: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        (specs, W, normalOnly) => {
          const seqs = specs.map((s, k) => makeSeq(`s${k}`, s.domain, s.length, s.anomalous, s.labelled));
          const ws = windowSequences(seqs, W, { normalOnly });
          const domains = [...new Set(seqs.map((s) => s.domain))].sort();
          expect(ws.domains).toEqual(domains);
          const got = Array.from({ length: ws.count }, (_, i) => ({
            seq: ws.sequenceOf(i),
            end: ws.endOf(i),
            domain: ws.domainOf(i),
            values: Array.from(ws.window(i)),
          }));
          expect(got).toEqual(bruteForce(seqs, W, normalOnly, domains));
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });

  it('hands out windows as views on the sequence values', () => {
    const s = makeSeq('v', 'd', 10);
    const ws = windowSequences([s], 4);
    const w = ws.window(3);
    expect(w.buffer).toBe(s.values.buffer);
    expect(w.byteOffset).toBe(s.values.byteOffset + 3 * F * 4);
    expect(w.length).toBe(4 * F);
    expect(ws.starts).toBeInstanceOf(Int32Array);
  });

  it('uses the given domain order and rejects unknown domains, bad W and mixed widths', () => {
    const seqs = [makeSeq('a', 'x', 5), makeSeq('b', 'y', 5)];
    const ws = windowSequences(seqs, 2, { domains: ['y', 'x', 'z'] });
    expect(ws.domainOf(0)).toBe(1);
    expect(ws.domainOf(ws.count - 1)).toBe(0);
    expect(() => windowSequences(seqs, 2, { domains: ['x'] })).toThrow(ParameterError);
    expect(() => windowSequences(seqs, 0)).toThrow(ParameterError);
    expect(() => windowSequences(seqs, 2.5)).toThrow(ParameterError);
    expect(() => windowSequences([seqs[0], { ...seqs[1], features: ['a'] }], 2)).toThrow(FeatureMismatchError);
    expect(windowSequences([makeSeq('short', 'x', 3)], 4).count).toBe(0);
  });

  it('handles 120k windows', () => {
    const big = makeSeq('big', 'd', 120_019);
    const ws = windowSequences([big], 20);
    expect(ws.count).toBe(120_000);
    expect(ws.endOf(119_999)).toBe(120_018);
    expect(ws.window(119_999)[0]).toBe(big.values[119_999 * F]);
  });
});
