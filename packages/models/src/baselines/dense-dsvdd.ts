/**
 * Dense Deep SVDD (Ruff et al., "Deep One-Class Classification", ICML 2018), as the DIVAD paper ran it from
 * the Deep SAD code (Ruff et al., ICLR 2020; docs/divad.md §4 "Dense DSVDD"). Encoder φ on the flattened window:
 * per hidden layer Linear(no bias) → BatchNorm(eps 1e-4, affine False) → LeakyReLU(0.01), then
 * Linear(repDim, no bias) (Deep SAD's `MLP`). Training: the encoder with a mirrored decoder (same layers,
 * the last one linear to W·D) is pretrained as an autoencoder on the mean squared error; then
 * c = mean φ(x) over the training windows (components with |c| < 0.1 set to ±0.1) and the encoder alone is
 * trained on mean ‖φ(x) − c‖². Window score: ‖φ(x) − c‖², BatchNorm with its running statistics.
 * Defaults (docs/divad.md §4, `deep_sad.yaml`): hidden 200, repDim 16, 150 pretraining + 150 one-class epochs,
 * AdamW weight decay 1e-6, batch 200, learning rate ÷10 from epoch 50 in both phases, patience 100.
 *
 * AdamW with decoupled weight decay follows the DIVAD code (`adamw_weight_decay`), where Deep SAD's own code
 * used Adam with an L2 penalty; the learning rate (unstated) defaults to 3e-4 from the §3.3 grid, the same
 * for both phases unless `pretrainLearningRate` is set. The step decay applies from 0-based epoch 50 on,
 * "after epoch 50"; Deep SAD's code steps its MultiStepLR at the start of each epoch, which decays one epoch
 * earlier.
 *
 * Deviations:
 * - weights start from the package's Keras initialisers (glorot-uniform), not PyTorch's
 *   kaiming-uniform(a = √5) = U(±1/√fan_in); BatchNorm after every hidden layer makes their scale matter
 *   only for the last layers;
 * - the decoder's output is linear (docs/divad.md §4) where Deep SAD's `MLP_Decoder` ends in a sigmoid for [0, 1]
 *   images (the DIVAD code makes it a choice, `ae_out_act`); our inputs are standardised;
 * - early stopping applies in both phases with the one `patience` (DIVAD's code has one per phase) on the
 *   validation loss computed in eval mode; the fit report covers the one-class phase;
 * - a training batch of a single window updates the running variance with 0 where PyTorch would raise.
 */
import * as tf from '@tensorflow/tfjs';
import { denseSpecs, type NamedParams, type ParamSpec } from '../neural/params';
import { WindowNetworkDetector } from '../neural/window-network';
import { layerWidths } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { layerWidthsAccepted, resolveParameters, type ParameterSchema } from '../parameters/schema';
import {
  batchNormStateSpecs,
  bnLeaky,
  DEEP_SVDD_PARAMETERS,
  DeepSvddDetector,
  type BatchNormMode,
  type DeepSvddConfig,
} from './deep-svdd';

export interface DenseDsvddConfig extends DeepSvddConfig {
  /** widths of the encoder's hidden layers (`hidden_dims`); the decoder mirrors them */
  hidden: number | number[];
}

export const DENSE_DSVDD_PARAMETERS: ParameterSchema<DenseDsvddConfig> = {
  parameters: {
    ...DEEP_SVDD_PARAMETERS,
    hidden: {
      description: 'widths of the encoder’s hidden layers (hidden_dims), the decoder mirrors them',
      accepts: layerWidthsAccepted(),
      default: 200,
    },
  },
};

/** bias-free kernels [in, out] of a stack of linear layers: `prefix/dense_i/kernel`, the last `prefix/head/kernel` */
function linearSpecs(prefix: string, sizes: number[]): ParamSpec[] {
  return denseSpecs(prefix, sizes).filter((s) => s.name.endsWith('/kernel'));
}

export class DenseDsvdd extends DeepSvddDetector<DenseDsvddConfig> {
  readonly id = 'dense-dsvdd';

  constructor(params: Partial<DenseDsvddConfig> = {}) {
    super(resolveParameters('dense-dsvdd', DENSE_DSVDD_PARAMETERS, params));
  }

  private get hidden(): number[] {
    return layerWidths(this.config.hidden);
  }

  protected encoderSpecs(featureCount: number): ParamSpec[] {
    return linearSpecs('enc', [this.config.windowLength * featureCount, ...this.hidden, this.config.repDim]);
  }

  protected decoderSpecs(featureCount: number): ParamSpec[] {
    return linearSpecs('dec', [
      this.config.repDim,
      ...[...this.hidden].reverse(),
      this.config.windowLength * featureCount,
    ]);
  }

  protected batchNormSpecs(): ParamSpec[] {
    const hidden = this.hidden;
    return [
      ...hidden.map((h, i) => batchNormStateSpecs(`enc/bn_${i}`, h)),
      ...[...hidden].reverse().map((h, i) => batchNormStateSpecs(`dec/bn_${i}`, h)),
    ].flat();
  }

  /** the hidden layers `prefix/dense_i` with BatchNorms `prefix/bn_i`, then the linear head */
  private stack(p: NamedParams, prefix: string, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D {
    let h: tf.Tensor = x;
    for (let i = 0; i < this.hidden.length; i++)
      h = bnLeaky(
        p,
        `${prefix}/bn_${i}`,
        tf.matMul(h as tf.Tensor2D, p[`${prefix}/dense_${i}/kernel`] as tf.Tensor2D),
        mode,
      );
    return tf.matMul(h as tf.Tensor2D, p[`${prefix}/head/kernel`] as tf.Tensor2D);
  }

  protected embed(p: NamedParams, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D {
    return this.stack(p, 'enc', x, mode);
  }

  protected reconstruct(p: NamedParams, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D {
    return this.stack(p, 'dec', this.embed(p, x, mode), mode);
  }

  static load(dir: string): Promise<DenseDsvdd> {
    return WindowNetworkDetector.restore(
      dir,
      'dense-dsvdd',
      (config) => new DenseDsvdd(config as Partial<DenseDsvddConfig>),
    );
  }
}

export const DENSE_DSVDD_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'dense-dsvdd',
  kind: 'window',
  summary: 'Deep SVDD on the flattened window: autoencoder pretraining, then distance to the hypersphere centre',
  citation:
    'Ruff et al., "Deep One-Class Classification", ICML 2018, run from the Deep SAD code (Ruff et al., ICLR 2020)',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: DENSE_DSVDD_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 3, hidden: 8, repDim: 4, pretrainEpochs: 1, batchSize: 32 },
  create: (params) => new DenseDsvdd(params),
  load: (dir) => DenseDsvdd.load(dir),
};
