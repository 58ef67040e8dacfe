/**
 * Recurrent autoencoder, the DIVAD paper's "Rec AE" baseline (Jacob & Diao, PVLDB 2025, appendix B.3; the
 * sequence version of the Dense AE of Hawkins et al., DaWaK 2002, and Sakurada & Yairi, MLSDA 2014), with the
 * paper's "Figure 16" networks (docs/divad.md §4): encoder Conv1D(f, k, stride s, same) + ReLU per layer →
 * GRU(u) per layer, the last returning its last state → Dense(L, ReLU); decoder RepeatVector(W′) →
 * GRU(u, reversed, sequences) → Conv1DTranspose mirroring the convs (hidden ones ReLU, the last D filters,
 * linear) → crop to W. MSE loss, no gradient clipping, batch 32. Window score: the mean squared
 * reconstruction error over its W×D values (as Dense AE).
 * Defaults: Conv1D(32, k5, s1) → GRU(32) as Rec DIVAD on ASD (docs/divad.md §3.6; the paper's Rec AE sizes are
 * lost) and L = 32 as Dense AE.
 *
 * Deviations:
 * - the code is a Dense(L, ReLU) head on the last GRU state, as the paper describes (an encoding layer of its
 *   own size with a ReLU); the official config (`rec_latent_type: rec`) uses the GRU state itself as the code,
 *   which ties L to the GRU units;
 * - the decoder's output is only ever cropped: with 'same' layers it has W′·sⁿ ≥ W positions, so the zero
 *   padding of docs/divad.md §4 ("crop/zero-pad to W") never arises;
 * - the GRU's two Keras bias rows are stored as two tensors (same parameters, same count).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedParams, ParamSpec } from '../neural/params';
import {
  FeatureErrorNetwork,
  WindowNetworkDetector,
  squaredErrorShares,
  type TrainingConfig,
} from '../neural/window-network';
import { trainingParameters } from '../neural/config';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { POSITIVE_INTEGER, resolveParameters, type ParameterSchema } from '../parameters/schema';
import {
  recArchitectureOf,
  recDecode,
  recDecoderSpecs,
  recEncode,
  recEncoderSpecs,
  REC_ARCHITECTURE_PARAMETERS,
  type RecArchitecture,
} from '../neural/recurrent-net';

export interface RecAeConfig extends TrainingConfig {
  /** filters of each Conv1D layer of the encoder */
  convFilters: number | number[];
  kernelSize: number;
  stride: number;
  /** units of each GRU layer of the encoder (the decoder uses them in reverse) */
  gruUnits: number | number[];
  /** L: the code size */
  latentDim: number;
}

export const REC_AE_PARAMETERS: ParameterSchema<RecAeConfig> = {
  parameters: {
    ...trainingParameters(),
    ...REC_ARCHITECTURE_PARAMETERS,
    latentDim: { description: 'L: the code size (as Dense AE)', accepts: [POSITIVE_INTEGER], default: 32 },
  },
};

export class RecAe extends FeatureErrorNetwork<RecAeConfig> {
  readonly id = 'rec-ae';
  private readonly arch: RecArchitecture;

  constructor(params: Partial<RecAeConfig> = {}) {
    super(resolveParameters('rec-ae', REC_AE_PARAMETERS, params));
    this.arch = recArchitectureOf(this.config);
  }

  protected paramSpecs(featureCount: number): ParamSpec[] {
    const L = this.config.latentDim;
    return [
      ...recEncoderSpecs('enc', this.arch, featureCount, L),
      ...recDecoderSpecs('dec', this.arch, L, featureCount),
    ];
  }

  /** x̂ = dec(ReLU code) for flattened windows [B, W·D], record-major like x */
  reconstruct(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    const W = this.config.windowLength;
    const code = recEncode(p, 'enc', this.arch, W, x, true);
    return recDecode(p, 'dec', this.arch, W, code).reshape(x.shape);
  }

  protected loss(p: NamedParams, x: tf.Tensor2D): tf.Scalar {
    return tf.mean(tf.squaredDifference(x, this.reconstruct(p, x)));
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    return tf.mean(tf.squaredDifference(x, this.reconstruct(p, x)), 1) as tf.Tensor1D;
  }

  protected featureErrors(p: NamedParams, x: tf.Tensor2D): tf.Tensor2D {
    return squaredErrorShares(x, this.reconstruct(p, x), this.featureCount!);
  }

  static load(dir: string): Promise<RecAe> {
    return WindowNetworkDetector.restore(dir, 'rec-ae', (config) => new RecAe(config as Partial<RecAeConfig>));
  }
}

export const REC_AE_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'rec-ae',
  kind: 'window',
  summary: 'recurrent autoencoder (Conv1D → GRU, mirrored decoder); score: mean squared reconstruction error',
  citation: 'Jacob & Diao, PVLDB 2025, appendix B.3 (sequence version of the Dense AE of Hawkins et al., DaWaK 2002)',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: REC_AE_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4, convFilters: 4, kernelSize: 3, gruUnits: 4, latentDim: 2 },
  create: (params) => new RecAe(params),
  load: (dir) => RecAe.load(dir),
};
