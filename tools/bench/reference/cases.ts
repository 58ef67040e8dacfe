/**
 * The DIVAD-GM training steps that `npm run bench -- reference` times in driftwatch and in PyTorch
 * (tools/bench/reference/divad_step.py), described once: the architecture, batch and loss weights each side builds.
 */
import { DENSE_DIVAD_PARAMETERS, REC_DIVAD_PARAMETERS, type DivadArchitecture } from '@driftwatch/models';
import type { StepSettings } from './driftwatch-step';

/** one benchmarked step, as sent to the PyTorch script (its CASE) */
export interface ReferenceCase extends StepSettings {
  name: string;
  /** the table's row label */
  work: string;
  network: 'dense' | 'rec';
  windowLength: number;
  featureCount: number;
  hidden: number[];
  rec?: { convFilters: number[]; kernelSize: number; stride: number; gruUnits: number[] };
  latentDim: number;
  priorHidden: number;
  domains: number;
  components: number;
}

const DOMAINS = 11;
const BATCH = 128;

const defaultsOf = (schema: typeof DENSE_DIVAD_PARAMETERS | typeof REC_DIVAD_PARAMETERS, key: string): unknown =>
  (schema.parameters as Record<string, { default?: unknown }>)[key]?.default;

/** a DIVAD-GM case with docs/divad.md §3.6's defaults of its network (taken from the parameter schemas) */
function divadCase(
  name: string,
  work: string,
  network: 'dense' | 'rec',
  windowLength: number,
  featureCount: number,
  overrides: Partial<ReferenceCase> = {},
): ReferenceCase {
  const schema = network === 'rec' ? REC_DIVAD_PARAMETERS : DENSE_DIVAD_PARAMETERS;
  const d = (key: string) => defaultsOf(schema, key) as number;
  const list = (key: string) => [d(key)].flat() as number[];
  return {
    name,
    work,
    network,
    windowLength,
    featureCount,
    hidden: network === 'dense' ? list('hidden') : [],
    rec:
      network === 'rec'
        ? {
            convFilters: list('convFilters'),
            kernelSize: d('kernelSize'),
            stride: d('stride'),
            gruUnits: list('gruUnits'),
          }
        : undefined,
    latentDim: d('latentDim'),
    priorHidden: d('priorHidden'),
    domains: DOMAINS,
    components: d('components'),
    batch: BATCH,
    beta: d('beta'),
    alpha: d('alpha'),
    learningRate: d('learningRate'),
    weightDecay: d('weightDecay'),
    clipNorm: d('clipNorm'),
    ...overrides,
  };
}

/**
 * The three rows: Dense DIVAD-GM on Exathlon's shape (D 237, W 1) and on ASD's (D 19, W 20) with the dense
 * column's settings (as `bench divad-step`), and Rec DIVAD-GM with the ASD settings; 11 domains, batch 128.
 */
export const REFERENCE_CASES: ReferenceCase[] = [
  divadCase('dense-237x1', 'Dense DIVAD-GM step, D 237, W 1, batch 128', 'dense', 1, 237),
  divadCase('dense-19x20', 'Dense DIVAD-GM step, D 19, W 20, batch 128', 'dense', 20, 19),
  divadCase('rec-19x20', 'Rec DIVAD-GM step, D 19, W 20, batch 128 (ASD settings)', 'rec', 20, 19),
];

/** the architecture driftwatch builds for a case */
export function architectureOf(c: ReferenceCase): DivadArchitecture {
  return {
    variant: 'GM',
    windowLength: c.windowLength,
    featureCount: c.featureCount,
    hidden: c.hidden,
    rec: c.rec,
    latentDim: c.latentDim,
    priorHidden: c.priorHidden,
    domains: c.domains,
    components: c.components,
  };
}
