/**
 * External workload at the entry nodes (issue 6: periodic plus bursty request rates) and its flow along
 * the call graph.
 */
import type { WorkloadConfig } from './config';
import { poisson } from './random';

/** λ(t) = base · (1 + A · sin(2π t / P + φ)): the daily-like cycle. */
export function periodicRate(base: number, amplitude: number, period: number, phase: number, t: number): number {
  return base * (1 + amplitude * Math.sin((2 * Math.PI * t) / period + phase));
}

/**
 * B(t) = B(t − 1) · e^{−1/τ} + a · base · k(t): shot noise, each of the k(t) new bursts adding a · base and decaying
 * with time constant τ.
 */
export function burstLevel(previous: number, decay: number, amplitude: number, base: number, arrivals: number): number {
  return previous * Math.exp(-1 / decay) + amplitude * base * arrivals;
}

/** Per entry node: its share of the base rate and its phase (a few hours of time-zone spread). */
export interface EntryProfile {
  base: number;
  phase: number;
}

/** Base rates proportional to uniform weights in [0.5, 1.5] (summing to the cluster's base rate) and phases in ±π/8. */
export function entryProfiles(entries: number, workload: WorkloadConfig, uniform: () => number): EntryProfile[] {
  const weights = Array.from({ length: entries }, () => 0.5 + uniform());
  const phases = Array.from({ length: entries }, () => (uniform() - 0.5) * (Math.PI / 4));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w, k) => ({ base: (workload.baseRate * w) / total, phase: phases[k] }));
}

/**
 * External requests per step at each entry, `rates[t·R + r]`: the periodic rate plus bursts whose
 * arrivals are Poisson with `burstRate` per step and entry.
 */
export function externalRates(
  profiles: readonly EntryProfile[],
  workload: WorkloadConfig,
  steps: number,
  uniform: () => number,
): Float64Array {
  const R = profiles.length;
  const rates = new Float64Array(steps * R);
  const bursts = new Float64Array(R);
  for (let t = 0; t < steps; t++) {
    for (let r = 0; r < R; r++) {
      const { base, phase } = profiles[r];
      bursts[r] = burstLevel(
        bursts[r],
        workload.burstDecay,
        workload.burstAmplitude,
        base,
        poisson(uniform, workload.burstRate),
      );
      rates[t * R + r] = periodicRate(base, workload.amplitude, workload.period, phase, t) + bursts[r];
    }
  }
  return rates;
}

/**
 * L_j = ext_j + Σ_i p_ij · L_i, in index order (a topological order: callers come first). `edges` are the
 * window's call edges sorted by caller and `fractions[k]` is edge k's p_ij. Writes L into `load`.
 */
export function propagateLoad(
  external: Float64Array,
  edges: readonly { src: number; dst: number }[],
  fractions: Float64Array,
  load: Float64Array,
): void {
  load.set(external);
  // edges sorted by src: by the time edge (i → j) is read, every edge into i (from a smaller index) has been added
  for (let k = 0; k < edges.length; k++) load[edges[k].dst] += fractions[k] * load[edges[k].src];
}
