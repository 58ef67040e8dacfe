export {
  FAULT_TYPES,
  METRICS,
  PROPAGATION_DIRECTIONS,
  DEFAULT_PROPAGATION,
  resolveConfig,
  databaseCount,
  type FaultType,
  type FaultSpec,
  type FaultConfig,
  type PropagationDirection,
  type TopologyKind,
  type WorkloadConfig,
  type SimulationConfig,
  type SimulationOptions,
} from './config';
export { simulateCluster, SIMULATOR_VERSION, type Simulation } from './simulate';
export {
  type FaultRecord,
  type FaultRole,
  hopDistances,
  propagationNeighbours,
  faultRecords,
  faultIntensities,
  groundTruth,
  randomFaultSchedule,
} from './faults';
export {
  clusterLayout,
  initialCallGraph,
  rewireEdges,
  routingFractions,
  callSnapshot,
  placeOnMachines,
  evenSplit,
  type ClusterLayout,
  type CallEdge,
  type NodeRole,
  type RewiringStats,
} from './topology';
export { observedSnapshot } from './structural-noise';
export { periodicRate, burstLevel, entryProfiles, externalRates, propagateLoad, type EntryProfile } from './workload';
export * from './node-model';
export { streamUniform, streamNormal, poisson, uniformInteger, STREAMS } from './random';
export {
  generateExampleMetrics,
  EXAMPLE_METRICS,
  EPISODE_TYPES,
  type ExampleMetric,
  type ExampleMetrics,
  type ExampleMetricsOptions,
  type EpisodeType,
  type InjectedEpisode,
} from './metrics-episodes';
