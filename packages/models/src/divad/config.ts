/**
 * DIVAD configuration: defaults from docs/divad.md §3.6 — the Dense DIVAD-GM / -G columns for the dense network,
 * the Rec DIVAD-GM (ASD) column for the recurrent one — validated at the boundary.
 */
import { ParameterError } from '@driftwatch/contracts';
import { REC_ARCHITECTURE_PARAMETERS, recArchitectureOf, type RecArchitecture } from '../neural/recurrent-net';
import {
  derived,
  layerWidthsAccepted,
  NON_NEGATIVE_NUMBER,
  oneOf,
  POSITIVE_INTEGER,
  POSITIVE_NUMBER,
  resolveParameters,
  showValue,
  type ParameterSchema,
  type ParameterSpecs,
} from '../parameters/schema';

/**
 * Posterior means the AP mixture is fitted to, at most. Fitting all of a fold's (137,623 on ASD, Dense, every
 * window) took 35–54 % of a 2-epoch fold; with 10k the density phase is 3.9 %. Held-out training means chose the
 * size: going from 5k to 10k gains 0.13 nat of mean log-likelihood, 10k to 20k nothing, and 40k (within 0.015 nat of
 * the full fit) costs 7–8× the 5 % budget. Peak F1 on omi-1 moved 0.400 → 0.398. Measured in docs/divad.md §3.5.
 */
export const AP_FIT_POINTS = 10_000;

export type DivadVariant = 'G' | 'GM';
export type DivadScoring = 'prior' | 'aggregated-posterior';
/** the windows whose posterior means the aggregated-posterior density is fitted to */
export type DivadApFit = 'train' | 'train+validation';

export type DivadNetwork = 'dense' | 'rec';

export interface DivadConfig {
  /** encoders and decoder: Dense layers on the flattened window, or Conv1D → GRU (docs/divad.md §3.1) */
  network: DivadNetwork;
  /** prior of zy: N(0, I) ('G') or a trainable Gaussian mixture ('GM') */
  variant: DivadVariant;
  /** W: records per window */
  windowLength: number;
  /** dense only: widths of the encoders' hidden Dense layers; the decoder mirrors them */
  hidden?: number | number[];
  /** rec only: filters of the encoders' Conv1D layers (the decoder's Conv1DTranspose layers mirror them) */
  convFilters?: number | number[];
  /** rec only: kernel size and stride of every Conv1D layer */
  kernelSize?: number;
  stride?: number;
  /** rec only: units of the encoders' GRU layers (the decoder's in reverse) */
  gruUnits?: number | number[];
  /** L: dimension of zy and zd */
  latentDim: number;
  /** K: components of the GM prior (GM only) */
  components: number;
  /** width of the hidden layer of p(zd|d) */
  priorHidden: number;
  /** weight of KL_y + KL_d */
  beta: number;
  /** weight of the domain classification loss */
  alpha: number;
  learningRate: number;
  weightDecay: number;
  /** per-variable gradient norm clip */
  clipNorm: number;
  batchSize: number;
  epochs: number;
  /** early-stopping patience in epochs (validation loss) */
  patience: number;
  /** window score used by scoreWindows (docs/divad.md §3.5) */
  scoring: DivadScoring;
  /** components of the aggregated-posterior mixture (GM only; default = components) */
  apComponents: number;
  /** the windows the aggregated-posterior density is fitted to (docs/divad.md §3.5) */
  apFit: DivadApFit;
  /** the AP mixture is fitted to a seeded subsample of at most this many posterior means (GM only) */
  apFitPoints: number;
}

export type DivadOptions = Partial<DivadConfig> & { variant: DivadVariant };

type RecLayoutKey = 'convFilters' | 'kernelSize' | 'stride' | 'gruUnits';

/** The Dense network's config: hidden widths, no recurrent layout. */
export type DenseDivadConfig = Omit<DivadConfig, RecLayoutKey> & Required<Pick<DivadConfig, 'hidden'>>;
/** The Rec network's config: the Conv1D → GRU layout, no hidden widths. */
export type RecDivadConfig = Omit<DivadConfig, 'hidden'> & Required<Pick<DivadConfig, RecLayoutKey>>;

/** The registry id of a network and variant: 'dense-divad-g', 'rec-divad-gm', … */
export function divadId(network: DivadNetwork, variant: DivadVariant): string {
  return `${network}-divad-${variant === 'G' ? 'g' : 'gm'}`;
}

/**
 * The settings both networks share, in the config's order; `rec` picks the Rec DIVAD-GM (ASD) column of
 * docs/divad.md §3.6 where it differs from the dense columns (W 20, p(zd|d) width 32, α 1e3).
 */
function sharedHead(network: DivadNetwork): ParameterSpecs<Pick<DivadConfig, 'network' | 'variant' | 'windowLength'>> {
  return {
    network: {
      description: 'encoders and decoder: Dense layers on the flattened window, or Conv1D → GRU (docs/divad.md §3.1)',
      accepts: [oneOf(network)],
      default: network,
    },
    variant: {
      description: "prior of zy: N(0, I) ('G') or a trainable Gaussian mixture ('GM')",
      accepts: [oneOf('G', 'GM')],
    },
    windowLength: {
      description: 'W: records per window',
      accepts: [POSITIVE_INTEGER],
      default: network === 'rec' ? 20 : 1,
    },
  };
}

type SharedTail = Omit<DivadConfig, 'network' | 'variant' | 'windowLength' | 'hidden' | RecLayoutKey>;

function sharedTail(network: DivadNetwork): ParameterSpecs<SharedTail> {
  const rec = network === 'rec';
  return {
    latentDim: { description: 'L: dimension of zy and zd', accepts: [POSITIVE_INTEGER], default: 16 },
    components: { description: 'K: components of the GM prior (GM only)', accepts: [POSITIVE_INTEGER], default: 8 },
    priorHidden: {
      description: 'width of the hidden layer of p(zd|d)',
      accepts: [POSITIVE_INTEGER],
      default: rec ? 32 : 64,
    },
    beta: { description: 'β: weight of KL_y + KL_d', accepts: [NON_NEGATIVE_NUMBER], default: 5 },
    alpha: {
      description: 'α: weight of the domain classification loss',
      accepts: [NON_NEGATIVE_NUMBER],
      default: rec ? 1e3 : 1e5,
    },
    learningRate: { description: 'AdamW learning rate', accepts: [POSITIVE_NUMBER], default: 3e-4 },
    weightDecay: { description: 'AdamW decoupled weight decay', accepts: [NON_NEGATIVE_NUMBER], default: 0.01 },
    clipNorm: { description: 'per-variable gradient norm clip', accepts: [POSITIVE_NUMBER], default: 10 },
    batchSize: { description: 'windows per training batch', accepts: [POSITIVE_INTEGER], default: 128 },
    epochs: {
      description: 'maximum training epochs (the fit options’ epochs override it)',
      accepts: [POSITIVE_INTEGER],
      default: 300,
    },
    patience: {
      description: 'early stopping: epochs without a lower validation loss before training stops (Infinity: never)',
      accepts: [POSITIVE_INTEGER, { type: 'literal', value: Infinity }],
      default: 100,
    },
    scoring: {
      description:
        'window score of scoreWindows (docs/divad.md §3.5): the prior (P) or a density fitted to the training ' +
        'posterior means (AP)',
      accepts: [oneOf('prior', 'aggregated-posterior')],
      default: derived(['variant'], "'aggregated-posterior' for G, 'prior' for GM", (c) =>
        c.variant === 'G' ? 'aggregated-posterior' : 'prior',
      ),
    },
    apComponents: {
      description: 'components of the aggregated-posterior mixture (GM only)',
      accepts: [POSITIVE_INTEGER],
      default: derived(['components'], 'components', (c) => c.components as number),
    },
    apFit: {
      description:
        'windows whose posterior means the aggregated-posterior density is fitted to: training and validation ' +
        '(the reference code) or training only, which leaves the validation scores held out for a threshold',
      accepts: [oneOf('train+validation', 'train')],
      default: 'train+validation',
    },
    apFitPoints: {
      description:
        'the AP mixture (GM) is fitted by EM to a seeded subsample of at most this many posterior means; the ' +
        'held-out log-likelihood chose 10000 (docs/divad.md §3.5)',
      accepts: [POSITIVE_INTEGER, { type: 'literal', value: Infinity }],
      default: AP_FIT_POINTS,
    },
  };
}

export const DENSE_DIVAD_PARAMETERS: ParameterSchema<DenseDivadConfig> = {
  parameters: {
    ...sharedHead('dense'),
    hidden: {
      description: 'widths of the encoders’ hidden Dense layers; the decoder mirrors them',
      accepts: layerWidthsAccepted(1),
      default: 200,
    },
    ...sharedTail('dense'),
  },
};

export const REC_DIVAD_PARAMETERS: ParameterSchema<RecDivadConfig> = {
  parameters: { ...sharedHead('rec'), ...REC_ARCHITECTURE_PARAMETERS, ...sharedTail('rec') },
};

/**
 * Fills defaults and validates; a ParameterError names the network's id (with its variant once that is known) and the
 * key.
 */
export function resolveDivadConfig(params: DivadOptions): DivadConfig {
  const given = (typeof params === 'object' && params !== null ? params : {}) as Partial<DivadConfig>;
  const network = given.network ?? 'dense';
  if (network !== 'dense' && network !== 'rec')
    throw new ParameterError(`divad: network must be one of 'dense', 'rec', got ${showValue(network)}`);
  const id = given.variant === 'G' || given.variant === 'GM' ? divadId(network, given.variant) : `${network}-divad`;
  return network === 'dense'
    ? resolveParameters(id, DENSE_DIVAD_PARAMETERS, params)
    : resolveParameters(id, REC_DIVAD_PARAMETERS, params);
}

export function hiddenLayers(config: Pick<DivadConfig, 'hidden'>): number[] {
  const hidden = config.hidden ?? [];
  return Array.isArray(hidden) ? hidden : [hidden];
}

/** The recurrent layout of a 'rec' config. */
export function recLayout(config: DivadConfig): RecArchitecture {
  return recArchitectureOf(config as Required<DivadConfig>);
}
