export * from './csv';
export {} from './hosts';
export {
  buildServiceGraph,
  type EdgeAttributes,
  type NodeAttributes,
  nodeKind,
  type NodeKind,
  type ServiceEdgeKind,
  type ServiceGraph,
} from './service-graph';
export * from './adjacency';
export { type TimeUnit, type WindowGrid, windowOf, windowsOverlapped, windowStart } from './windows';
export * from './latency-sketch';
export {
  alignSnapshot,
  compareEdges,
  DynamicGraph,
  EDGE_KINDS,
  type NamedEdge,
  type SnapshotEdge,
  stepsFromTimestamps,
  type WindowSnapshot,
} from './dynamic-graph';
export * from './call-graph';
export {
  type InstanceRun,
  latestTime,
  machineCallGraph,
  type MachineCallOptions,
  type MachineCallStats,
  type TaskDependency,
  type TimedGraphOptions,
} from './dag-graph';
export { contentionGraph, type ContentionStats, type PlacementRun } from './contention';
export * from './correlation';
export * from './drift';
export * from './export';
export * from './records';
export * from './summary';
