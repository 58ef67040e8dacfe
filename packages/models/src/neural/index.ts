export {
  TfjsDetector,
  noiseFrom,
  noiseStream,
  type FitEnd,
  type FitRun,
  type FittedFacts,
  type LossContext,
  type NoiseSource,
  type TrainingPhase,
  type TrainingPlan,
  type TrainingSettings,
  type TrainOptions,
  type VariableSpecs,
} from './tfjs-detector';
export {
  WindowTfjsDetector,
  type PhaseRun,
  type TrainingConfig,
  type WindowFacts,
  type WindowLossContext,
} from './window-detector';
export { WindowNetworkDetector } from './window-network';
export { SEED_STREAMS, subSeed } from './params';
