/**
 * DIVAD configuration: defaults from divad.md §3.6 — the Dense DIVAD-GM / -G columns for the dense network,
 * the Rec DIVAD-GM (ASD) column for the recurrent one — validated at the boundary.
 */
import { ParameterError } from '@driftwatch/contracts';
import { REC_ARCHITECTURE_DEFAULTS, recArchitectureOf, type RecArchitecture } from '../neural/recurrent-net';

export type DivadVariant = 'G' | 'GM';
export type DivadScoring = 'prior' | 'aggregated-posterior';

export type DivadNetwork = 'dense' | 'rec';

export interface DivadConfig {
  /** encoders and decoder: Dense layers on the flattened window, or Conv1D → GRU (divad.md §3.1) */
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
  /** window score used by scoreWindows (divad.md §3.5) */
  scoring: DivadScoring;
  /** components of the aggregated-posterior mixture (GM only; default = components) */
  apComponents: number;
}

export type DivadOptions = Partial<DivadConfig> & { variant: DivadVariant };

const DENSE_KEYS = ['hidden'] as const;
const REC_KEYS = ['convFilters', 'kernelSize', 'stride', 'gruUnits'] as const;

const KEYS: readonly (keyof DivadConfig)[] = [
  'network',
  'variant',
  'windowLength',
  ...DENSE_KEYS,
  ...REC_KEYS,
  'latentDim',
  'components',
  'priorHidden',
  'beta',
  'alpha',
  'learningRate',
  'weightDecay',
  'clipNorm',
  'batchSize',
  'epochs',
  'patience',
  'scoring',
  'apComponents',
];

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ParameterError(`divad: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ParameterError(`divad: ${name} must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || Number.isNaN(v)) throw new ParameterError(`divad: ${name} must be a number > 0, got ${JSON.stringify(v)}`);
  return v;
}

/** Fills defaults and validates; throws a ParameterError naming the offending key. */
export function resolveDivadConfig(params: DivadOptions): DivadConfig {
  if (params === null || typeof params !== 'object') throw new ParameterError('divad: parameters must be an object');
  const network = params.network ?? 'dense';
  if (network !== 'dense' && network !== 'rec') throw new ParameterError(`divad: network must be 'dense' or 'rec', got ${JSON.stringify(network)}`);
  const id = `${network}-divad`;
  const foreign: readonly string[] = network === 'dense' ? REC_KEYS : DENSE_KEYS;
  for (const key of Object.keys(params)) {
    if (!(KEYS as readonly string[]).includes(key) || foreign.includes(key)) {
      throw new ParameterError(`${id}: unknown parameter '${key}'; known: ${KEYS.filter((k) => !foreign.includes(k)).join(', ')}`);
    }
  }
  const variant = params.variant;
  if (variant !== 'G' && variant !== 'GM') throw new ParameterError(`${id}: variant must be 'G' or 'GM', got ${JSON.stringify(variant)}`);
  const components = positiveInt('components', params.components ?? 8);
  let layout: Pick<DivadConfig, 'hidden'> | Pick<DivadConfig, 'convFilters' | 'kernelSize' | 'stride' | 'gruUnits'>;
  if (network === 'dense') {
    const hidden = params.hidden ?? 200;
    const layers = Array.isArray(hidden) ? hidden : [hidden];
    if (layers.length === 0) throw new ParameterError('dense-divad: hidden needs at least one layer width');
    layers.forEach((h, i) => positiveInt(`hidden[${i}]`, h));
    layout = { hidden: Array.isArray(hidden) ? [...layers] : layers[0] };
  } else {
    const r = REC_ARCHITECTURE_DEFAULTS;
    const convFilters = params.convFilters ?? r.convFilters;
    const gruUnits = params.gruUnits ?? r.gruUnits;
    for (const [name, v] of [['convFilters', convFilters], ['gruUnits', gruUnits]] as const) {
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0) throw new ParameterError(`rec-divad: ${name} needs at least one layer`);
      list.forEach((h, i) => positiveInt(`${name}[${i}]`, h));
    }
    layout = {
      convFilters: Array.isArray(convFilters) ? [...convFilters] : convFilters,
      kernelSize: positiveInt('kernelSize', params.kernelSize ?? r.kernelSize),
      stride: positiveInt('stride', params.stride ?? r.stride),
      gruUnits: Array.isArray(gruUnits) ? [...gruUnits] : gruUnits,
    };
  }
  // the Rec DIVAD-GM ASD column of divad.md §3.6 (W 20, p(zd|d) width 32, α 1e3); the dense columns otherwise
  const rec = network === 'rec';
  const scoring = params.scoring ?? (variant === 'G' ? 'aggregated-posterior' : 'prior');
  if (scoring !== 'prior' && scoring !== 'aggregated-posterior') {
    throw new ParameterError(`dense-divad: scoring must be 'prior' or 'aggregated-posterior', got ${JSON.stringify(scoring)}`);
  }
  const patience = params.patience ?? 100;
  if (patience !== Infinity) positiveInt('patience', patience);
  return {
    network,
    variant,
    windowLength: positiveInt('windowLength', params.windowLength ?? (rec ? 20 : 1)),
    ...layout,
    latentDim: positiveInt('latentDim', params.latentDim ?? 16),
    components,
    priorHidden: positiveInt('priorHidden', params.priorHidden ?? (rec ? 32 : 64)),
    beta: nonNegative('beta', params.beta ?? 5),
    alpha: nonNegative('alpha', params.alpha ?? (rec ? 1e3 : 1e5)),
    learningRate: positive('learningRate', params.learningRate ?? 3e-4),
    weightDecay: nonNegative('weightDecay', params.weightDecay ?? 0.01),
    clipNorm: positive('clipNorm', params.clipNorm ?? 10),
    batchSize: positiveInt('batchSize', params.batchSize ?? 128),
    epochs: positiveInt('epochs', params.epochs ?? 300),
    patience,
    scoring,
    apComponents: positiveInt('apComponents', params.apComponents ?? components),
  };
}

export function hiddenLayers(config: Pick<DivadConfig, 'hidden'>): number[] {
  const hidden = config.hidden ?? [];
  return Array.isArray(hidden) ? hidden : [hidden];
}

/** The recurrent layout of a 'rec' config. */
export function recLayout(config: DivadConfig): RecArchitecture {
  return recArchitectureOf(config as Required<DivadConfig>);
}
