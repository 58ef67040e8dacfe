/**
 * A fold of a simulated cluster for the window detectors: one sequence per node with the node as its domain;
 * the fault-free steps before `faults.start` train (their last 15% validate), the rest is scored. Nodes differ
 * in scale (a database is not a frontend), so each node is standardised on its own training records.
 */
import { nodeSeriesToSequences, type Sequence } from '@driftwatch/contracts';
import { applyStandardisation, fitStandardiser, sliceSequence, tailSplit } from '@driftwatch/ingest';
import { FAULT_TYPES, type Simulation } from '@driftwatch/simulate';
import { VALIDATION_FRACTION } from './omni-protocol';

export interface SimulatedClusterFold {
  /** standardised training and validation parts, one per node */
  train: Sequence[];
  validation: Sequence[];
  /** standardised, labelled steps from `split` on, one per node, id `sim/<node>` */
  tests: Sequence[];
  /** the nodes, sorted */
  domains: string[];
  /** fault type by label code */
  eventNames: Record<number, string>;
  /** first scored step */
  split: number;
}

export function simulatedClusterFold(sim: Simulation, validationFraction = VALIDATION_FRACTION): SimulatedClusterFold {
  const split = sim.config.faults.start;
  const train: Sequence[] = [];
  const validation: Sequence[] = [];
  const tests: Sequence[] = [];
  for (const seq of nodeSeriesToSequences(sim.series)) {
    const { head, tail } = tailSplit(sliceSequence(seq, 0, split), validationFraction);
    const scaler = fitStandardiser([head], { normalOnly: true });
    train.push(applyStandardisation(head, scaler));
    validation.push(applyStandardisation(tail, scaler));
    tests.push({ ...applyStandardisation(sliceSequence(seq, split, seq.length), scaler), id: `sim/${seq.entity}` });
  }
  return {
    train,
    validation,
    tests,
    domains: [...sim.series.entities].sort(),
    eventNames: Object.fromEntries(FAULT_TYPES.map((type, k) => [k + 1, type])),
    split,
  };
}
