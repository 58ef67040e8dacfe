import { simulateCluster } from '../src';
import { poisson, streamUniform } from '../src/random';
import { snapshotAt } from './helpers';

describe('load along the call graph', () => {
  const sim = simulateCluster({ nodes: 24, steps: 600, graphWindow: 10, rewiring: 0.05, measurementNoise: 0 }, 5);
  const N = 24;
  const T = 600;

  it('conserves requests: what enters at a node is its external load plus what its callers forward to it', () => {
    let worst = 0;
    for (let t = 0; t < T; t++) {
      const g = snapshotAt(sim.trueGraphs, t);
      const inflow = new Float64Array(N);
      for (const e of g.edges) inflow[e.dst] += e.weight * sim.load[t * N + e.src];
      for (let j = 0; j < N; j++)
        worst = Math.max(
          worst,
          Math.abs(sim.load[t * N + j] - inflow[j] - sim.external[t * N + j]) / (1 + sim.load[t * N + j]),
        );
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('absorbs every request somewhere: external total = Σ_i (1 − Σ_j p_ij) · L_i at every step', () => {
    for (let t = 0; t < T; t += 7) {
      const g = snapshotAt(sim.trueGraphs, t);
      const forwarded = new Float64Array(N);
      for (const e of g.edges) forwarded[e.src] += e.weight;
      let entering = 0;
      let absorbed = 0;
      for (let i = 0; i < N; i++) {
        entering += sim.external[t * N + i];
        absorbed += (1 - forwarded[i]) * sim.load[t * N + i];
      }
      expect(absorbed).toBeCloseTo(entering, 9);
    }
  });

  it('lets requests enter only at the entry nodes', () => {
    const entries = sim.series.entities.filter((name, i) => sim.external[i] > 0);
    expect(entries).toEqual(sim.series.entities.filter((name) => name.startsWith('frontend-')));
    let elsewhere = 0;
    for (let k = 0; k < T * N; k++)
      if (!sim.series.entities[k % N].startsWith('frontend-')) elsewhere += Math.abs(sim.external[k]);
    expect(elsewhere).toBe(0);
  });
});

describe('workload', () => {
  const period = 50;
  const quiet = simulateCluster(
    { nodes: 12, steps: 400, faults: { count: 0 }, workload: { period, amplitude: 0.6, burstRate: 0, baseRate: 80 } },
    2,
  );
  const N = 12;
  const totalAt = (sim: typeof quiet, t: number) =>
    Array.from({ length: N }, (_, i) => sim.external[t * N + i]).reduce((a, b) => a + b, 0);

  it('is periodic with the base rate as its mean over each period (Σ_t sin(2πt/P + φ) = 0 for integer P)', () => {
    for (let start = 0; start + period <= 400; start += period) {
      let sum = 0;
      for (let t = start; t < start + period; t++) sum += totalAt(quiet, t);
      expect(sum / period).toBeCloseTo(80, 9);
    }
    for (let t = 0; t + period < 400; t += 13) expect(totalAt(quiet, t + period)).toBeCloseTo(totalAt(quiet, t), 9);
  });

  it('swings by the amplitude: each entry ranges over base · (1 ± A) (sampled 50 times per period)', () => {
    const entries = quiet.series.entities.flatMap((name, i) => (name.startsWith('frontend-') ? [i] : []));
    for (const i of entries) {
      const xs = Array.from({ length: period }, (_, t) => quiet.external[t * N + i]);
      const mean = xs.reduce((a, b) => a + b, 0) / period;
      const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
      // the extremes of a sinusoid sampled at 50 points lie within (1 − cos(π/50)) of the true ones
      expect(hi / mean - 1).toBeGreaterThan(0.6 * Math.cos(Math.PI / 50) - 1e-9);
      expect(hi / mean - 1).toBeLessThanOrEqual(0.6 + 1e-9);
      expect(1 - lo / mean).toBeGreaterThan(0.6 * Math.cos(Math.PI / 50) - 1e-9);
    }
  });

  it('adds bursts that jump by whole multiples of amplitude × the entry base and decay by e^{−1/τ} per step', () => {
    const steps = 1500;
    const options = {
      nodes: 12,
      steps,
      faults: { count: 0 },
      workload: { period, burstRate: 0.04, burstAmplitude: 1.5, burstDecay: 8 },
    };
    const without = simulateCluster({ ...options, workload: { ...options.workload, burstAmplitude: 0 } }, 4);
    const withBursts = simulateCluster(options, 4);
    const entries = withBursts.series.entities.flatMap((name, i) => (name.startsWith('frontend-') ? [i] : []));
    let jumps = 0;
    let offGrid = 0;
    for (const i of entries) {
      const base =
        Array.from({ length: period }, (_, t) => without.external[t * N + i]).reduce((a, b) => a + b, 0) / period;
      let previous = 0;
      for (let t = 0; t < steps; t++) {
        const burst = withBursts.external[t * N + i] - without.external[t * N + i];
        const arrivals = (burst - previous * Math.exp(-1 / 8)) / (1.5 * base);
        offGrid = Math.max(offGrid, Math.abs(arrivals - Math.round(arrivals)));
        jumps += Math.round(arrivals);
        previous = burst;
      }
    }
    expect(offGrid).toBeLessThan(1e-6);
    // Poisson(0.04 per step and entry): within 4 σ of its mean
    const expected = 0.04 * steps * entries.length;
    expect(Math.abs(jumps - expected)).toBeLessThan(4 * Math.sqrt(expected));
    expect(jumps).toBeGreaterThan(0);
  });
});

describe('poisson', () => {
  it('has mean and variance λ (20,000 draws, within 5 standard errors)', () => {
    const u = streamUniform(9, 1);
    for (const lambda of [0.05, 3]) {
      const xs = Array.from({ length: 20000 }, () => poisson(u, lambda));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / xs.length));
      // var of the sample variance of a Poisson ≈ (λ + 2λ²)/n
      expect(Math.abs(variance - lambda)).toBeLessThan(5 * Math.sqrt((lambda + 2 * lambda * lambda) / xs.length));
    }
  });
});
