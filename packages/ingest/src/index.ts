export {
  parseNumericCsv,
  parseNumericCsv64,
  readNumericCsvFile,
  parseNumberToken,
  type NumericTable,
  type NumericTable64,
  type NumericCsvOptions,
} from './csv/numeric-csv';
export {
  sequenceToTable,
  sequenceFromTable,
  writeArrowFile,
  readArrowFile,
  writeSequenceFile,
  readSequenceFile,
} from './arrow/sequence-table';
export {
  readOmniAnomaly,
  listOmniEntities,
  concatSequences,
  compareNatural,
  type OmniDataset,
  type OmniEntity,
  type OmniSegment,
  type ReadOmniOptions,
} from './datasets/omnianomaly';
export {
  parseTsbAdFileName,
  readTsbAdFile,
  readTsbAdSeries,
  listTsbAdFiles,
  type TsbAdSeries,
} from './datasets/tsb-ad';
export {
  findRepoRoot,
  resolveDataRoot,
  DATA_ROOT_ENV,
  DATASETS_LOCK,
  type DataRootChoice,
  type DataRootSource,
  type ResolveDataRootOptions,
} from './datasets/data-root';
export {
  readDatasetsLock,
  parseDatasetsLock,
  describeLockSources,
  verifyDatasets,
  unlistedFiles,
  unlistedEntities,
  sha256File,
  type DatasetsLock,
  type UnlistedEntity,
  type UnlistedFile,
  type LockedDataset,
  type LockedFile,
  type LockSource,
  type VerifyReport,
  type VerifyStatus,
} from './datasets/lock';
export { fitStandardiser, applyStandardisation, type FitStandardiserOptions } from './preprocess/standardise';
export { splitSequence, sliceSequence, tailSplit } from './preprocess/split';
export { selectFeatures, featureDifference } from './preprocess/select-features';
export {
  windowSequences,
  subsetIndexedWindows,
  domainsOf,
  SequenceWindows,
  type IndexedWindowSet,
  type WindowOptions,
} from './preprocess/windows';
export { balancedSample, balancedFileQuota } from './preprocess/balanced-sample';
export {
  writeFileAtomic,
  writeDirectoryAtomic,
  temporarySiblingPath,
  openTemporarySibling,
  registerTemporary,
  releaseTemporary,
  sweepStaleTemporaries,
  temporaryOwner,
  processAlive,
} from '@driftwatch/contracts/atomic';
export {
  checkNotInput,
  checkOutputFile,
  checkOutputFolder,
  realPathOf,
  type OutputFolderCheck,
} from './files/output-guard';
export { parseTimeBound, firstAtOrAfter } from './preprocess/time-bounds';
export { readLabelFile, checkLabelEntities, applyLabels, labelTypes, type LabelLine } from './files/label-file';
export {
  writeScoreFile,
  readScoreFile,
  scoreFormatOf,
  type ScoreEntry,
  type ScoreFileFormat,
} from './files/score-file';
export {
  writeRecordScores,
  readRecordScores,
  recordScoreFormatOf,
  episodesPathFor,
  writeEpisodes,
  readEpisodes,
  RECORD_SCORE_COLUMNS,
  EPISODE_COLUMNS,
  type EntityRecordScores,
  type AlarmEpisode,
  type EpisodeLine,
} from './files/record-scores';
export {
  type AssembleOptions,
  checkTimeOrder,
  type CsvColumn,
  type CsvColumnType,
  type CsvProgress,
  type CsvReadOptions,
  csvSchema,
  DEFAULT_BATCH_ROWS,
  DEFAULT_CHUNK_BYTES,
  defaultWorkers,
  type DuplicatePolicy,
  fillGaps,
  inputName,
  type LineChunk,
  type NumericMatrix,
  type NumericMatrixOptions,
  type OnError,
  PARALLEL_MIN_BYTES,
  readCsvBatches,
  readLineChunks,
  readNumericMatrix,
  type RejectedRow,
  RejectFile,
  RejectList,
  REJECTS_HEADER,
  type RejectSink,
  type ResampleAggregate,
  type ResampleFill,
  type ResampleOptions,
  resampleSequence,
  sequencesFromBatches,
  sourceLinesOf,
  type TextInput,
  type TimedRecord,
  type TimeOrderOptions,
  type TimestampUnit,
} from './stream/index';
export {
  summariseSequences,
  type DatasetInspection,
  type ColumnSummary,
  type SummariseOptions,
} from './inspect/summary';
export * from './formats/index';
export * from './datasets/exathlon/index';
export * from './datasets/nezha/index';
export * from './fetch/index';
export * from './datasets/alibaba/index';
export {
  parseJsonWithPositions,
  describeJson,
  entryOf,
  plainValue,
  type JsonNode,
  type JsonPosition,
  type JsonEntry,
} from './json/positions';
export { isRecordScoreFile } from './files/record-score-kind';
