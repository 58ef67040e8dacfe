/**
 * The parts of the library that need no detector: the folds of OmniAnomaly-layout data, shards, results files,
 * run.json and data checksums, and the graphs of the data sets. Importing this entry never loads tfjs, so
 * commands that only read data or results (report, evaluate, graph) start fast.
 */
export {
  VALIDATION_FRACTION,
  loadEntitySequences,
  resolveEntities,
  prepareTrainingData,
  trainingWindows,
  testWindows,
  type OmniDataset,
  type TrainingData,
} from './folds/omni-protocol';
export {
  leaveOneOutFold,
  heldOutEntities,
  everyKthWindow,
  splitBySequence,
  type LeaveOneOutFold,
  type ProtocolFold,
} from './folds/leave-one-out';
export { perEntityFold, perEntityTestId, loadEntityParts, type EntityParts } from './folds/per-entity';
export { tsbAdFold } from './folds/tsb-ad';
export {
  PROTOCOLS,
  isProtocolName,
  loadProtocolData,
  type ProtocolName,
  type ProtocolSource,
  type ProtocolData,
} from './protocols';
export { parseShard, shardItems, shardPairs, WHOLE, type Shard } from './shards';
export {
  appendResult,
  appendResultUnit,
  checkResultsFolder,
  configurationDifferences,
  lockResultsFolder,
  openResults,
  readResults,
  repeatedResultLines,
  resultLine,
  resumeResults,
  truncateTornTail,
  ResultsExistError,
  ResultsLockedError,
  RESULTS_LOCK,
  type OpenResults,
  type OpenResultsOptions,
  type RunConfiguration,
} from './results-file';
export { dataChecksums } from './data-checksums';
export { machineInfo, writeRunInfo, type MachineInfo, type RunInfoFields } from './run-info';
export type { BenchmarkObserver, FitListener, ProgressSink } from './observer';
export * from './graph-sources';
export {
  VALIDATION_PREFIX,
  resolveTestSequences,
  scoredSpan,
  checkSequenceScores,
  type NoScoreRecords,
  evaluateRecordScores,
  type SequenceSources,
  type RecordEvaluationOptions,
} from './evaluate-scores';

// A user's own metric files without a detector: inputs, feature plans, training ranges, alarms, calibration
export * from './own-data/feature-plan';
export * from './own-data/inputs';
export * from './own-data/train-range';
export * from './own-data/alarms';
export * from './own-data/calibration';
