export { readLineChunks, inputName, DEFAULT_CHUNK_BYTES, type TextInput, type LineChunk } from './chunks';
export {
  readCsvBatches,
  csvSchema,
  DEFAULT_BATCH_ROWS,
  type CsvColumn,
  type CsvColumnType,
  type CsvReadOptions,
  type CsvProgress,
  type TimestampUnit,
} from './csv-batches';
export { RejectList, RejectFile, REJECTS_HEADER, type OnError, type RejectedRow, type RejectSink } from './rejects';
export { sourceLinesOf, setSourceLines } from './source-lines';
export { sequencesFromBatches, type AssembleOptions, type DuplicatePolicy } from './assemble';
export {
  resampleSequence,
  fillGaps,
  type ResampleOptions,
  type ResampleAggregate,
  type ResampleFill,
} from './resample';
export { parseDecimalBytes, parseSmallIntegerBytes } from './number-bytes';
export { readNumericMatrix, type NumericMatrix, type NumericMatrixOptions } from './matrix';
export { checkTimeOrder, timeOrderError, type TimeOrderOptions, type TimedRecord } from './time-order';
export { grownTo } from './grow';
export { defaultWorkers, PARALLEL_MIN_BYTES } from './csv-parallel';
