export {
  INPUT_FORMATS,
  parseMappingArgs,
  parseMappingJson,
  readMappingFile,
  keysNotFor,
  checkMappingFor,
  type InputFormat,
  type InputMapping,
  type InputMappingSpec,
} from './mapping';
export { detectFormat, formatOfExtension, arrowLayoutOf, hasParquetMagic, type ArrowIpcLayout } from './detect';
export { resolveMapping, readBatches, readSequences, type ReadInputOptions } from './read';
export {
  readWideCsv,
  readCsvHeader,
  readCsvHead,
  planWideCsv,
  planWideCsvInput,
  withDetectedTimeUnit,
  type CsvHead,
  type CsvInputOptions,
  type CsvMapping,
  type WideCsvPlan,
} from './wide-csv';
export { pivotLongCsv, LongPivot, longCsvColumnNames, type LongCsvOptions } from './long-csv';
export { readArrowBatches, arrowLayout, arrowIpcBytes, type ArrowReadOptions } from './arrow-ipc';
export {
  readParquetBatches,
  parquetBytes,
  type ParquetReadOptions,
  type ParquetWriteOptions,
  type ParquetCompression,
} from './parquet';
export {
  parsePrometheusMatrix,
  readPrometheusFile,
  sampleValue,
  seriesName,
  type PrometheusOptions,
  type InfinityPolicy,
} from './prometheus';
export {
  framesToBatches,
  framesToSequences,
  type EntityFrame,
  type PivotedFrames,
  type SequenceNaming,
  type FrameColumnNames,
} from './frames';
export { timeColumnMs, planColumns, projectBatches, isNumericType, type ColumnPlan } from './columns';
export { DictionaryUnifier, schemaSignature } from './dictionaries';
export { csvText, quoteCsvField, float32Text, type CsvWriteOptions, type CsvTimeStyle } from './csv-writer';
export {
  writeBatches,
  writeChunksAtomic,
  OUTPUT_FORMATS,
  type OutputFormat,
  type WriteBatchesOptions,
  type WriteReport,
} from './write-batches';
export {
  parseJsonText,
  findJsonSyntaxError,
  jsonPathOffset,
  jsonValueError,
  lineColumnAt,
  formatJsonPath,
  type JsonPath,
  type JsonSyntaxProblem,
} from './json-text';
