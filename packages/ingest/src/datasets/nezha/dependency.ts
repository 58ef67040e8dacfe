import { InputError } from '@driftwatch/contracts';
import { type TextInput, inputName } from '../../stream/chunks';
import { readCsvBatches } from '../../stream/csv-batches';
import { sourceLinesOf } from '../../stream/source-lines';
import type { CallEdge } from './names';

/** A call edge of dependency.csv with its listed weight. */
export interface WeightedCallEdge extends CallEdge {
  weight: number;
}

/** A service placed on a node (a service-to-node edge of dependency.csv). */
export interface PlacementEdge {
  service: string;
  /** the anonymised node IP */
  node: string;
  weight: number;
}

export interface NezhaDependencies {
  calls: WeightedCallEdge[];
  placements: PlacementEdge[];
}

// a target that is an IPv4 address is a node, any other target a service (datasets README, Nezha, "dependency.csv")
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** True when a dependency.csv target is a node (an IPv4 address) rather than a service. */
export function isNodeAddress(target: string): boolean {
  return IPV4.test(target);
}

/**
 * dependency.csv (`Source,Target,Weight`) → call edges (caller → callee service) and placement edges
 * (service → node IP), in file order. A repeated edge is an InputError naming its line.
 */
export async function readDependencies(input: TextInput): Promise<NezhaDependencies> {
  const file = inputName(input);
  const calls: WeightedCallEdge[] = [];
  const placements: PlacementEdge[] = [];
  const seen = new Map<string, number>();
  const batches = readCsvBatches(input, {
    columns: [
      { name: 'Source', type: 'utf8', nullable: false },
      { name: 'Target', type: 'utf8', nullable: false },
      { name: 'Weight', type: 'float64', nullable: false },
    ],
    header: true,
  });
  for await (const batch of batches) {
    const lines = sourceLinesOf(batch);
    const sources = batch.getChild('Source')!;
    const targets = batch.getChild('Target')!;
    const weights = batch.getChild('Weight')!;
    for (let r = 0; r < batch.numRows; r++) {
      const source = String(sources.get(r)).trim();
      const target = String(targets.get(r)).trim();
      const weight = Number(weights.get(r));
      const key = `${source}\u0000${target}`;
      const line = lines?.[r];
      if (seen.has(key))
        throw new InputError(
          { file, line, column: 1 },
          `each edge once (line ${seen.get(key)} has ${source},${target})`,
          `${source},${target}`,
        );
      seen.set(key, line ?? 0);
      if (isNodeAddress(target)) placements.push({ service: source, node: target, weight });
      else calls.push({ caller: source, callee: target, weight });
    }
  }
  return { calls, placements };
}
