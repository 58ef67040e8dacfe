/**
 * Recurrent Deep SVDD (Ruff et al., "Deep One-Class Classification", ICML 2018), the DIVAD paper's "Rec
 * DSVDD" baseline run from the Deep SAD code (Ruff et al., ICLR 2020; docs/divad.md §4). Encoder φ on the window
 * [W, D]: per conv layer Conv1D(f, k, stride s, same, no bias) → BatchNorm(eps 1e-4, affine False, over batch
 * and time per channel) → LeakyReLU(0.01); GRU(u, no bias) per layer, the last returning its last state;
 * Linear(repDim, no bias). Pretraining decoder, mirrored: RepeatVector(W′) → GRU (no bias, units reversed)
 * → Conv1DTranspose mirroring the convs (hidden ones followed by BatchNorm and LeakyReLU, the last linear
 * with D channels, no bias) → crop to W. Training and score as Dense DSVDD (`deep-svdd.ts`): autoencoder
 * pretraining, c = clamped mean φ(x), one-class phase on mean ‖φ(x) − c‖²; window score ‖φ(x) − c‖².
 * Defaults: Conv1D(32, k5, s1) → GRU(32) as Rec DIVAD on ASD (docs/divad.md §3.6; the paper leaves Rec DSVDD's
 * sizes unstated), repDim 16 and the training of Dense DSVDD.
 *
 * Deviations:
 * - weights start from the package's Keras initialisers (conv he-uniform, GRU glorot-uniform/orthogonal),
 *   not PyTorch's defaults; the GRU is Keras's reset_after form;
 * - the transposed convolutions keep W′·s positions and the excess is cropped (Figure-16 design) rather than
 *   PyTorch's output_padding;
 * - as Dense DSVDD: linear decoder output, one `patience` for both phases, a lone value per BatchNorm
 *   channel updates the running variance with 0.
 */
import * as tf from '@tensorflow/tfjs';
import { conv1d, conv1dTranspose, cropToLength, gru, repeatVector } from '../neural/layers';
import type { NamedParams, ParamSpec } from '../neural/params';
import { WindowNetworkDetector } from '../neural/window-network';
import { OMNI_WINDOW_DEFAULTS, type WindowDetectorDescriptor } from '../descriptor';
import { resolveParameters, type ParameterSchema } from '../parameters/schema';
import {
  encodedLength,
  recArchitectureOf,
  recDecoderSpecs,
  recEncoderSpecs,
  REC_ARCHITECTURE_PARAMETERS,
  type RecArchitecture,
} from '../neural/recurrent-net';
import {
  batchNormStateSpecs,
  bnLeaky,
  DEEP_SVDD_PARAMETERS,
  DeepSvddDetector,
  type BatchNormMode,
  type DeepSvddConfig,
} from './deep-svdd';

export interface RecDsvddConfig extends DeepSvddConfig {
  /** filters of each Conv1D layer of the encoder */
  convFilters: number | number[];
  kernelSize: number;
  stride: number;
  /** units of each GRU layer of the encoder (the decoder uses them in reverse) */
  gruUnits: number | number[];
}

export const REC_DSVDD_PARAMETERS: ParameterSchema<RecDsvddConfig> = {
  parameters: { ...DEEP_SVDD_PARAMETERS, ...REC_ARCHITECTURE_PARAMETERS },
};

export class RecDsvdd extends DeepSvddDetector<RecDsvddConfig> {
  readonly id = 'rec-dsvdd';
  private readonly arch: RecArchitecture;

  constructor(params: Partial<RecDsvddConfig> = {}) {
    super(resolveParameters('rec-dsvdd', REC_DSVDD_PARAMETERS, params));
    this.arch = recArchitectureOf(this.config);
  }

  protected encoderSpecs(featureCount: number): ParamSpec[] {
    return recEncoderSpecs('enc', this.arch, featureCount, this.config.repDim, { bias: false, headBias: false });
  }

  protected decoderSpecs(featureCount: number): ParamSpec[] {
    return recDecoderSpecs('dec', this.arch, this.config.repDim, featureCount, { bias: false });
  }

  /** filters of the decoder's hidden transposed convolutions: those of the encoder's convs before the last, reversed */
  private get decoderFilters(): number[] {
    return this.arch.convFilters.slice(0, -1).reverse();
  }

  protected batchNormSpecs(): ParamSpec[] {
    return [
      ...this.arch.convFilters.map((f, i) => batchNormStateSpecs(`enc/bn_${i}`, f)),
      ...this.decoderFilters.map((f, i) => batchNormStateSpecs(`dec/bn_${i}`, f)),
    ].flat();
  }

  protected embed(p: NamedParams, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D {
    const [batch, size] = x.shape;
    const W = this.config.windowLength;
    let h = x.reshape([batch, W, size / W]) as tf.Tensor3D;
    this.arch.convFilters.forEach((_, i) => {
      h = bnLeaky(
        p,
        `enc/bn_${i}`,
        conv1d(p, `enc/conv_${i}`, h, { stride: this.arch.stride, bias: false }),
        mode,
      ) as tf.Tensor3D;
    });
    let state: tf.Tensor2D | undefined;
    this.arch.gruUnits.forEach((_, i) => {
      const last = i === this.arch.gruUnits.length - 1;
      const out = gru(p, `enc/gru_${i}`, h, !last);
      if (last) state = out as tf.Tensor2D;
      else h = out as tf.Tensor3D;
    });
    return tf.matMul(state!, p['enc/head/kernel'] as tf.Tensor2D);
  }

  protected reconstruct(p: NamedParams, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D {
    const W = this.config.windowLength;
    let h = repeatVector(this.embed(p, x, mode), encodedLength(W, this.arch));
    this.arch.gruUnits.forEach((_, i) => {
      h = gru(p, `dec/gru_${i}`, h, true) as tf.Tensor3D;
    });
    const convs = this.arch.convFilters.length;
    for (let i = 0; i < convs; i++) {
      h = conv1dTranspose(p, `dec/deconv_${i}`, h, { stride: this.arch.stride, bias: false });
      if (i < convs - 1) h = bnLeaky(p, `dec/bn_${i}`, h, mode) as tf.Tensor3D;
    }
    return cropToLength(h, W).reshape([x.shape[0], x.shape[1]]);
  }

  static load(dir: string): Promise<RecDsvdd> {
    return WindowNetworkDetector.restore(dir, 'rec-dsvdd', (config) => new RecDsvdd(config as Partial<RecDsvddConfig>));
  }
}

export const REC_DSVDD_DESCRIPTOR: WindowDetectorDescriptor = {
  id: 'rec-dsvdd',
  kind: 'window',
  summary: 'recurrent Deep SVDD (Conv1D → GRU encoder): distance of the window’s representation to the centre',
  citation:
    'Ruff et al., ICML 2018, run from the Deep SAD code; the DIVAD paper’s Rec DSVDD (Jacob & Diao, PVLDB 2025)',
  capabilities: { tfjs: true, supervised: false, epochs: true },
  schema: REC_DSVDD_PARAMETERS,
  datasetDefaults: OMNI_WINDOW_DEFAULTS,
  testParams: { windowLength: 4, convFilters: 4, kernelSize: 3, gruUnits: 4, repDim: 4, pretrainEpochs: 1 },
  create: (params) => new RecDsvdd(params),
  load: (dir) => RecDsvdd.load(dir),
};
