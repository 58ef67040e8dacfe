/**
 * What Dense and Rec Deep SVDD share (Ruff et al., "Deep One-Class Classification", ICML 2018, as run from
 * the Deep SAD code of Ruff et al., ICLR 2020, by the DIVAD paper; docs/divad.md §4): PyTorch's BatchNorm without
 * affine parameters, the hypersphere centre c, and the two training phases, autoencoder pretraining of the
 * encoder with a mirrored decoder, then the one-class objective mean ‖φ(x) − c‖² on the encoder alone.
 */
import * as tf from '@tensorflow/tfjs';
import type { FitOptions } from '@driftwatch/contracts';
import type { NamedParams, ParamSpec } from '../neural/params';
import {
  WindowNetworkDetector,
  type LossContext,
  type NoiseSource,
  type PhaseRun,
  type TrainingConfig,
  type TrainingPhase,
} from '../neural/window-network';
import { layerWidths, trainingParameters } from '../neural/config';
import { NULL, POSITIVE_INTEGER, POSITIVE_NUMBER, type ParameterSpecs } from '../parameters/schema';

export interface DeepSvddConfig extends TrainingConfig {
  /** size of the representation φ(x) (`rep_dim`) */
  repDim: number;
  /** maximum epochs of the autoencoder pretraining (`epochs` bounds the one-class phase) */
  pretrainEpochs: number;
  /** learning rate of the pretraining; null: `learningRate` */
  pretrainLearningRate: number | null;
  /** 0-based epochs from which the learning rate is divided by 10 once more, in both phases */
  lrMilestones: number | number[];
}

/** docs/divad.md §4 Dense DSVDD: AdamW wd 1e-6, batch 200, 150 + 150 epochs, LR ÷10 after epoch 50, patience 100. */
export const DEEP_SVDD_PARAMETERS: ParameterSpecs<DeepSvddConfig> = {
  ...trainingParameters({ weightDecay: 1e-6, batchSize: 200, epochs: 150, patience: 100 }),
  repDim: { description: 'size of the representation φ(x) (rep_dim)', accepts: [POSITIVE_INTEGER], default: 16 },
  pretrainEpochs: {
    description: 'maximum epochs of the autoencoder pretraining (epochs bounds the one-class phase)',
    accepts: [POSITIVE_INTEGER],
    default: 150,
  },
  pretrainLearningRate: {
    description: 'learning rate of the pretraining; null: learningRate',
    accepts: [POSITIVE_NUMBER, NULL],
    default: null,
  },
  lrMilestones: {
    description: '0-based epochs from which the learning rate is divided by 10 once more, in both phases',
    accepts: [POSITIVE_INTEGER, { type: 'list', items: [POSITIVE_INTEGER] }],
    default: [50],
  },
};

/** the phase names, as LossContext.phase sees them */
export const PRETRAIN_PHASE = 'pretrain';
export const ONE_CLASS_PHASE = 'one-class';
/** the state variable holding c */
export const CENTRE = 'center';

/** Deep SAD's `Linear_BN_leakyReLU`: BatchNorm1d(eps 1e-4, affine False) and F.leaky_relu's slope */
export const BN_EPS = 1e-4;
export const LEAKY_SLOPE = 0.01;
/** PyTorch's BatchNorm momentum */
export const BN_MOMENTUM = 0.1;
/** Deep SAD's `init_center_c(eps=0.1)` */
export const CENTRE_EPS = 0.1;

/**
 * Which statistics a BatchNorm uses: the batch's while training (and then updates the running ones), else the running
 * ones.
 */
export interface BatchNormMode {
  training: boolean;
  setState(name: string, value: tf.Tensor): void;
}

export const EVAL_MODE: BatchNormMode = { training: false, setState: () => undefined };

/** Running statistics of the BatchNorm `name` over `channels`: PyTorch's initial mean 0, variance 1. */
export function batchNormStateSpecs(name: string, channels: number): ParamSpec[] {
  return [
    { name: `${name}/running_mean`, shape: [channels], init: 'zeros' },
    { name: `${name}/running_var`, shape: [channels], init: 'ones' },
  ];
}

/** r ← (1 − m)·r + m·b (PyTorch's exponential running average) */
export function runningAverage(running: tf.Tensor, batch: tf.Tensor, momentum = BN_MOMENTUM): tf.Tensor {
  return running.mul(1 - momentum).add(batch.mul(momentum));
}

/**
 * BatchNorm without affine parameters over the last axis of h ([B, C] or [B, T, C]):
 * (h − μ)/√(σ² + ε) with the batch's μ and biased σ² while training, the running ones otherwise. Training
 * also moves the running mean and the running *unbiased* variance (σ²·n/(n − 1), n = values per channel)
 * towards the batch's, as PyTorch does; a lone value per channel (n = 1, where PyTorch raises) adds σ² = 0.
 */
export function batchNorm(p: NamedParams, name: string, h: tf.Tensor, mode: BatchNormMode, eps = BN_EPS): tf.Tensor {
  if (!mode.training) return h.sub(p[`${name}/running_mean`]).mul(tf.rsqrt(p[`${name}/running_var`].add(eps)));
  const axes = h.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(h, axes);
  const n = h.size / h.shape[h.shape.length - 1];
  mode.setState(`${name}/running_mean`, runningAverage(p[`${name}/running_mean`], mean));
  mode.setState(`${name}/running_var`, runningAverage(p[`${name}/running_var`], variance.mul(n / Math.max(n - 1, 1))));
  return h.sub(mean).mul(tf.rsqrt(variance.add(eps)));
}

/** BatchNorm → LeakyReLU(0.01): what follows each bias-free linear or conv layer (Deep SAD's `Linear_BN_leakyReLU`). */
export function bnLeaky(p: NamedParams, name: string, h: tf.Tensor, mode: BatchNormMode): tf.Tensor {
  return tf.leakyRelu(batchNorm(p, name, h, mode), LEAKY_SLOPE);
}

/**
 * c_j ← sign(c_j)·ε where 0 < |c_j| < ε (Deep SAD `init_center_c`: keeps c away from the trivial zero code).
 * Not through tf.sign, which gives 0 for tiny values (1e-8) on the wasm backend.
 */
export function clampCentre(c: tf.Tensor1D, eps = CENTRE_EPS): tf.Tensor1D {
  const small = tf.logicalAnd(c.abs().less(eps), c.notEqual(0));
  return tf.where(small, tf.where(c.less(0), tf.fill(c.shape, -eps), tf.fill(c.shape, eps)), c);
}

/** ‖φ − c‖² per row of φ [B, rep] */
export function squaredDistance(phi: tf.Tensor2D, c: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.squaredDifference(phi, c), 1) as tf.Tensor1D;
}

/** lr·0.1^#{milestones m ≤ epoch} (PyTorch MultiStepLR with gamma 0.1, 0-based epochs) */
export function stepDecay(learningRate: number, epoch: number, milestones: readonly number[]): number {
  return learningRate * 0.1 ** milestones.filter((m) => epoch >= m).length;
}

/**
 * A Deep SVDD window scorer: an encoder φ with parameters `enc/…` and BatchNorm layers, a pretraining
 * decoder with parameters `dec/…`. Window score ‖φ(x) − c‖² with BatchNorm in eval mode.
 */
export abstract class DeepSvddDetector<Config extends DeepSvddConfig> extends WindowNetworkDetector<Config> {
  /** the encoder's parameters, each named `enc/…` (trained in both phases) */
  protected abstract encoderSpecs(featureCount: number): ParamSpec[];
  /** the pretraining decoder's parameters, each named `dec/…` */
  protected abstract decoderSpecs(featureCount: number): ParamSpec[];
  /** running statistics of every BatchNorm layer of encoder and decoder (`batchNormStateSpecs`) */
  protected abstract batchNormSpecs(featureCount: number): ParamSpec[];
  /** φ(x) [B, repDim] of flattened windows [B, W·D] */
  protected abstract embed(p: NamedParams, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D;
  /** x̂ = decoder(φ(x)) [B, W·D] */
  protected abstract reconstruct(p: NamedParams, x: tf.Tensor2D, mode: BatchNormMode): tf.Tensor2D;

  protected paramSpecs(featureCount: number): ParamSpec[] {
    return [...this.encoderSpecs(featureCount), ...this.decoderSpecs(featureCount)];
  }

  protected override stateSpecs(featureCount: number): ParamSpec[] {
    return [...this.batchNormSpecs(featureCount), { name: CENTRE, shape: [this.config.repDim], init: 'zeros' }];
  }

  /** pretraining of encoder and decoder, then the one-class phase on the encoder; `opts.epochs` bounds both */
  protected override phases(opts: FitOptions): TrainingPhase[] {
    return [
      { name: PRETRAIN_PHASE, epochs: opts.epochs ?? this.config.pretrainEpochs },
      {
        name: ONE_CLASS_PHASE,
        epochs: opts.epochs ?? this.config.epochs,
        trains: (name) => name.startsWith('enc/'),
        before: (run) => this.initCentre(run),
      },
    ];
  }

  protected override learningRateAt(epoch: number, phase: string): number {
    const base =
      phase === PRETRAIN_PHASE
        ? (this.config.pretrainLearningRate ?? this.config.learningRate)
        : this.config.learningRate;
    return stepDecay(base, epoch, layerWidths(this.config.lrMilestones));
  }

  protected loss(p: NamedParams, x: tf.Tensor2D, _noise: NoiseSource, ctx: LossContext): tf.Scalar {
    if (ctx.phase === PRETRAIN_PHASE) return tf.mean(tf.squaredDifference(x, this.reconstruct(p, x, ctx)));
    return tf.mean(squaredDistance(this.embed(p, x, ctx), p[CENTRE]));
  }

  protected windowScores(p: NamedParams, x: tf.Tensor2D): tf.Tensor1D {
    return squaredDistance(this.embed(p, x, EVAL_MODE), p[CENTRE]);
  }

  /** c = clamp(mean φ(x)) over the training windows, BatchNorm in eval mode (Deep SAD `init_center_c`) */
  private initCentre(run: PhaseRun): void {
    const sum = run.sumOverBatches(run.train, (x) => tf.sum(this.embed(run.params, x, EVAL_MODE), 0));
    const c = tf.tidy(() => clampCentre(sum.div(run.train.count) as tf.Tensor1D));
    sum.dispose();
    run.setState(CENTRE, c);
    c.dispose();
  }
}
