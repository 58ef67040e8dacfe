/** Dense DIVAD configuration: defaults from divad.md §3.6 (Dense DIVAD-GM / -G columns), validated. */
import { ParameterError } from '@driftwatch/contracts';

export type DivadVariant = 'G' | 'GM';
export type DivadScoring = 'prior' | 'aggregated-posterior';

export interface DenseDivadConfig {
  /** prior of zy: N(0, I) ('G') or a trainable Gaussian mixture ('GM') */
  variant: DivadVariant;
  /** W: records per window */
  windowLength: number;
  /** widths of the encoders' hidden Dense layers; the decoder mirrors them */
  hidden: number | number[];
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

export type DenseDivadParams = Partial<DenseDivadConfig> & { variant: DivadVariant };

const KEYS: readonly (keyof DenseDivadConfig)[] = [
  'variant',
  'windowLength',
  'hidden',
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
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ParameterError(`dense-divad: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ParameterError(`dense-divad: ${name} must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || Number.isNaN(v)) throw new ParameterError(`dense-divad: ${name} must be a number > 0, got ${JSON.stringify(v)}`);
  return v;
}

/** Fills defaults and validates; throws a ParameterError naming the offending key. */
export function resolveDenseDivadConfig(params: DenseDivadParams): DenseDivadConfig {
  if (params === null || typeof params !== 'object') throw new ParameterError('dense-divad: parameters must be an object');
  for (const key of Object.keys(params)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new ParameterError(`dense-divad: unknown parameter '${key}'; known: ${KEYS.join(', ')}`);
  }
  const variant = params.variant;
  if (variant !== 'G' && variant !== 'GM') throw new ParameterError(`dense-divad: variant must be 'G' or 'GM', got ${JSON.stringify(variant)}`);
  const components = positiveInt('components', params.components ?? 8);
  const hidden = params.hidden ?? 200;
  const layers = Array.isArray(hidden) ? hidden : [hidden];
  if (layers.length === 0) throw new ParameterError('dense-divad: hidden needs at least one layer width');
  layers.forEach((h, i) => positiveInt(`hidden[${i}]`, h));
  const scoring = params.scoring ?? (variant === 'G' ? 'aggregated-posterior' : 'prior');
  if (scoring !== 'prior' && scoring !== 'aggregated-posterior') {
    throw new ParameterError(`dense-divad: scoring must be 'prior' or 'aggregated-posterior', got ${JSON.stringify(scoring)}`);
  }
  const patience = params.patience ?? 100;
  if (patience !== Infinity) positiveInt('patience', patience);
  return {
    variant,
    windowLength: positiveInt('windowLength', params.windowLength ?? 1),
    hidden: Array.isArray(hidden) ? [...layers] : layers[0],
    latentDim: positiveInt('latentDim', params.latentDim ?? 16),
    components,
    priorHidden: positiveInt('priorHidden', params.priorHidden ?? 64),
    beta: nonNegative('beta', params.beta ?? 5),
    alpha: nonNegative('alpha', params.alpha ?? 1e5),
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

export function hiddenLayers(config: Pick<DenseDivadConfig, 'hidden'>): number[] {
  return Array.isArray(config.hidden) ? config.hidden : [config.hidden];
}
