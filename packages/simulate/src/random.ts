/**
 * Independent random streams of one seed. Each part of the simulation (topology, workload, faults, …)
 * draws from its own stream, so changing one part (adding a fault, turning bursts off) leaves the draws
 * of every other part as they were: two runs that differ in one parameter differ only where it acts.
 */
import { mulberry32, normalSampler } from '@driftwatch/contracts';

export const STREAMS = {
  topology: 1,
  capacity: 2,
  workload: 3,
  rewiring: 4,
  faults: 5,
  noise: 6,
  structure: 7,
  placement: 8,
} as const;

/** mulberry32 seeded by a 32-bit mix (murmur3's finaliser) of the seed and the stream number. */
export function streamUniform(seed: number, stream: number): () => number {
  let h = (seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return mulberry32(h >>> 0);
}

export function streamNormal(seed: number, stream: number): () => number {
  return normalSampler(streamUniform(seed, stream));
}

/** Uniform integer in [lo, hi] (both included). */
export function uniformInteger(uniform: () => number, lo: number, hi: number): number {
  return lo + Math.min(hi - lo, Math.floor(uniform() * (hi - lo + 1)));
}

/** Poisson draw by Knuth's product of uniforms: the count k with Π_{i≤k} u_i > e^{−λ} (λ ≤ 10 here). */
export function poisson(uniform: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  const limit = Math.exp(-lambda);
  let k = 0;
  let product = uniform();
  while (product > limit) {
    k++;
    product *= uniform();
  }
  return k;
}
