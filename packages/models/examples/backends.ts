/**
 * Which tfjs backend trains here and why not the others: every candidate with its status, reason and
 * smoke-test error, then one Dense AE training step on the chosen backend. How to run it:
 * packages/models/README.md, "Example".
 */
import { mulberry32, normalSampler, packedWindowSet } from '@driftwatch/contracts';
import { DenseAe, describeBackend, probeBackends } from '@driftwatch/models';

async function main(): Promise<void> {
  const probe = await probeBackends('auto');
  for (const c of probe.candidates) {
    const versions =
      Object.entries(c.packages)
        .map(([p, v]) => `${p} ${v ?? '—'}`)
        .join(', ') || '—';
    console.log(`${c.candidate.padEnd(14)} ${c.status.padEnd(9)} ${c.reason.padEnd(21)} ${versions}`);
    console.log(`${''.padEnd(14)} ${c.detail}`);
  }
  if (!probe.chosen) throw new Error('no backend passed its checks');
  console.log(describeBackend(probe.chosen));

  const normal = normalSampler(mulberry32(1));
  const values = Float32Array.from({ length: 64 * 3 * 4 }, () => normal());
  const det = new DenseAe({ windowLength: 3, hidden: 8, latentDim: 2, batchSize: 64, epochs: 1 });
  const report = await det.fit(packedWindowSet(values, 3, 4), { seed: 0 });
  console.log(`one step on ${probe.chosen.name}: training loss ${report.trainLoss?.[0]?.toFixed(4)}`);
  det.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
