export { GO_TIME_LAYOUT, INJECT_TIME_LAYOUT, parseGoTimeMs, parseInjectTimeMs, formatUtc } from './times';
export {
  serviceOfPod,
  applicationOfServices,
  rootCauseFileOf,
  edgeOfColumn,
  columnOfEdge,
  type NezhaApplication,
  type CallEdge,
} from './names';
export { parseJsonWithPositions, type JsonNode, type JsonEntry, type JsonPosition } from '../../json/positions';
export {
  NEZHA_FAULT_TYPES,
  NEZHA_FAULT_CODES,
  NEZHA_FAULT_MINUTES,
  readFaultList,
  parseFaultList,
  readRootCauses,
  parseRootCauses,
  type NezhaFault,
  type NezhaFaultType,
  type NezhaRootCause,
} from './faults';
export {
  POD_METRIC_FEATURES,
  FRONT_FEATURES,
  readPodMetrics,
  readFrontService,
  readEdgeLatency,
  podOfMetricFile,
  type PodMetrics,
  type EdgeLatency,
} from './metrics';
export {
  readDependencies,
  isNodeAddress,
  type NezhaDependencies,
  type WeightedCallEdge,
  type PlacementEdge,
} from './dependency';
export {
  sequencesPerService,
  meanOnMinuteGrid,
  NEZHA_STEP_MS,
  type NezhaEntityMode,
  type PodSequence,
} from './entities';
export {
  NEZHA_RECORD_SPAN_MS,
  NEZHA_RECOVERY_SIGNALS,
  DEFAULT_LABEL_WINDOW,
  resolveLabelWindow,
  robustBand,
  recoveryEnd,
  fixedEnd,
  faultWindows,
  labelSequences,
  normalMask,
  recordsInWindow,
  type LabelWindow,
  type FixedLabelWindow,
  type RecoveryLabelWindow,
  type RecoverySignalRef,
  type RecoverySignal,
  type FaultWindow,
  type WindowEndReason,
} from './label-window';
export {
  SPAN_COLUMNS,
  readSpanBatches,
  spanCallEdges,
  readTraceIds,
  parseTraceIds,
  type SpanCallEdge,
  type SpanCallEdges,
  type SpanEdgeOptions,
} from './spans';
export {
  loadNezha,
  inspectNezha,
  listNezhaDates,
  listTraceFiles,
  normalRecords,
  windowTable,
  featureSignal,
  type LoadNezhaOptions,
  type NezhaDay,
  type NezhaPodFile,
  type NezhaTraceFile,
  type WindowRow,
} from './load';
