// `@driftwatch/ingest/testing`: helpers for tests, kept out of the main entry so that production code cannot
// depend on them by accident.

// Alibaba cluster-trace rows written from the schema (no real rows ship with the data sets)
export {
  writeAlibabaSample,
  writeMachineUsageCsv,
  formatAlibabaRow,
  type AlibabaSample,
  type AlibabaSampleOptions,
  type AlibabaRow,
  type AlibabaCell,
  type MachineUsageFile,
  type MachineUsageFileOptions,
} from './testing/alibaba-rows';

// For tests on the real data sets (skip locally when absent, fail under CI when required)
export { realDataRoot } from './testing/real-data';
