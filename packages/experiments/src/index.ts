// Everything that needs no detector (folds, shards, results files, run.json, data-set graphs): also the
// `@driftwatch/experiments/data` entry, which never loads tfjs
export * from './data';

// Methods and their per-data-set settings
export {
  METHOD_IDS,
  isDeepMethod,
  parseMethods,
  parseParamOverrides,
  methodParams,
  makeDetector,
  resultMethodOrder,
  type ParamOverrides,
} from './methods';

// Units of a benchmark in worker processes
export { defaultJobs, defaultProtocolWorkerScript } from './jobs/protocol-jobs';
export { WorkerFailedError } from './jobs/process-pool';

// A simulated cluster's fold for the window detectors
export { simulatedClusterFold, type SimulatedClusterFold } from './folds/simulated-cluster';

// Learning-rate selection and grids
export {
  PAPER_LR_GRID,
  parseLearningRateGrid,
  lowestValidationLoss,
  fitSelectingLearningRate,
  type CandidateFit,
  type SelectedFit,
} from './learning-rate';
export {
  readGridFile,
  cartesianProduct,
  gridPointId,
  gridPoints,
  methodConfigs,
  type GridFile,
  type GridMethod,
  type GridPoint,
  type BenchmarkConfig,
} from './grid-file';

// Latent projections of models that encode windows
export {
  isLatentEncoder,
  latentProjection,
  writeLatentProjection,
  evenlySpaced,
  LATENT_SAMPLE,
  type LatentEncoder,
} from './latent-projection';

// The benchmarks
export {
  runLeaveOneOut,
  runProtocol,
  leaveOneOutRunKey,
  type LeaveOneOutOptions,
  type ProtocolRunOptions,
} from './asd-loso';
export * from './st/experiments';
export * from './st/methods';
export * from './st/metrics';
export * from './st/periods';
export * from './st/nezha-series';
export * from './st/run-st';
export * from './st/seeds';
export * from './st/bench';

// Training on a user's own metrics and scoring them with calibrated alarms (the detector-free parts come from ./data)
export * from './own-data/train-input';
export * from './own-data/score-input';
