import type { Sequence } from '@driftwatch/contracts';

/** Whether a Nezha sequence stands for one pod or for one service (all its pods). */
export type NezhaEntityMode = 'pod' | 'service';

/** A pod's sequence with the service it belongs to. */
export interface PodSequence {
  pod: string;
  service: string;
  sequence: Sequence;
}

/** Metric records are one minute apart (datasets README, Nezha: "Metrics are sampled once per minute"). */
export const NEZHA_STEP_MS = 60_000;

/**
 * One sequence per service. A service with one pod keeps that pod's records and times unchanged (the case on
 * both included dates). Several pods are combined on the one-minute grid (a record's time rounded down to the
 * minute): per minute and feature, the mean over the pods that have a value there (NaN where none has), so
 * values stay on a per-pod scale when the replica count changes. Services come out in the pods' order.
 */
export function sequencesPerService(pods: readonly PodSequence[], idOf: (service: string) => string): Sequence[] {
  const byService = new Map<string, PodSequence[]>();
  for (const p of pods) byService.set(p.service, [...(byService.get(p.service) ?? []), p]);
  return [...byService].map(([service, members]) =>
    members.length === 1
      ? { ...members[0].sequence, id: idOf(service), entity: service }
      : meanOnMinuteGrid(
          members.map((m) => m.sequence),
          service,
          idOf(service),
        ),
  );
}

/** The NaN-ignoring per-minute mean of sequences with the same features (times rounded down to the minute). */
export function meanOnMinuteGrid(parts: readonly Sequence[], entity: string, id: string): Sequence {
  const width = parts[0].features.length;
  const minuteOf = (t: bigint) => t - (((t % BigInt(NEZHA_STEP_MS)) + BigInt(NEZHA_STEP_MS)) % BigInt(NEZHA_STEP_MS));
  const minutes = [...new Set(parts.flatMap((p) => Array.from(p.timestamps ?? [], minuteOf)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const slot = new Map(minutes.map((m, i) => [m, i]));
  const sums = new Float64Array(minutes.length * width);
  const counts = new Uint32Array(minutes.length * width);
  for (const part of parts) {
    for (let t = 0; t < part.length; t++) {
      const k = slot.get(minuteOf(part.timestamps![t]))!;
      for (let f = 0; f < width; f++) {
        const v = part.values[t * width + f];
        if (Number.isNaN(v)) continue;
        sums[k * width + f] += v;
        counts[k * width + f]++;
      }
    }
  }
  const values = new Float32Array(minutes.length * width);
  for (let i = 0; i < values.length; i++) values[i] = counts[i] > 0 ? sums[i] / counts[i] : NaN;
  return {
    id,
    entity,
    domain: parts[0].domain,
    features: [...parts[0].features],
    values,
    length: minutes.length,
    timestamps: BigInt64Array.from(minutes),
  };
}
