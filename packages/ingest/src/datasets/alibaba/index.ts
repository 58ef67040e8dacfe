export {
  ALIBABA_TABLES,
  ALIBABA_TABLE_NAMES,
  ALIBABA_ARCHIVES,
  ALIBABA_DOWNLOAD_BASE,
  INVALID_SENTINELS,
  MACHINE_METRICS,
  CONTAINER_METRICS,
  describeAlibabaDownloads,
  tableFileNames,
  type AlibabaTableName,
  type AlibabaColumn,
  type AlibabaArchive,
  type UpstreamType,
} from './schema';
export { readAlibabaTable, type ReadAlibabaOptions } from './read-table';
export {
  parseTaskName,
  buildJobDag,
  buildJobDags,
  cyclesOf,
  dagStats,
  type TaskNameInfo,
  type BatchTask,
  type JobDag,
  type DagEdge,
  type DagProblem,
  type DagProblemKind,
  type DagStats,
} from './task-dag';
export {
  instancePlacement,
  containerPlacements,
  placementsOn,
  placementsOf,
  placementsAt,
  placementsByMachine,
  overlaps,
  type Placement,
  type PlacementKind,
  type InstanceRow,
  type ContainerEvent,
} from './placements';
export {
  readMachineMeta,
  readContainerMeta,
  readBatchTasks,
  readInstancePlacements,
  machineAttributes,
  containerAppDus,
  machineDomain,
  type MachineMetaRow,
  type MachineDomainKey,
  type TableRows,
} from './tables';
export { readUsageSequences, modalStepMs, DEFAULT_ALIBABA_STEP_MS, type UsageTable, type UsageSequenceOptions, type UsageSequences } from './usage-sequences';
export { loadAlibaba, inspectAlibaba, findAlibabaTables, alibabaDir, ALIBABA_DATASET, type LoadAlibabaOptions, type AlibabaData } from './load';
