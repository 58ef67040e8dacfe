export { StDda, ST_DDA_ID, systemScores, type StDdaDependencies, type StDdaScoreVariant } from './st-dda';
export {
  DENSE_DEPENDENCIES_UP_TO,
  ST_DDA_PARAMETERS,
  defaultScales,
  dependencyTopKFor,
  resolveStDdaConfig,
  type StDdaConfig,
  type StDdaDependencyPath,
  type StDdaGraphMode,
  type StDdaScoreKind,
  type StDdaScoreReference,
} from './config';
export {
  forwardSteps,
  forwardWindows,
  stDdaParamSpecs,
  stDdaStateSpecs,
  type LearnedDependencies,
  type ObservedDependencyRows,
  type StDdaArchitecture,
  type StDdaForward,
} from './network';
export type { SparseDependencies } from './sparse-dependencies';
export {
  stDdaBatchTensors,
  stDdaTrainingLoss,
  type StDdaBatch,
  type StDdaBatchTensors,
  type StDdaObjective,
} from './step';
export {
  anomalousSteps,
  entityFeatureMoments,
  normalWindowEnds,
  gatherTrainingWindows,
  standardiseNodeSeries,
  type EntityFeatureMoments,
  type StandardisedSeries,
} from './series-data';
export {
  observedDependencies,
  observedNeighbourRows,
  rowNormalisedWithSelfLoops,
  snapshotAdjacency,
  stackObservedRows,
  type ObservedEdgeSettings,
  type ObservedRows,
} from './observed-graph';
export { ST_DDA_DESCRIPTOR } from './descriptor';
