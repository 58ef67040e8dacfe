export { SMOOTHING_GRID, PADDING_SCORE, ewma, nanToNum, recordScores } from './online-scorer';
export { keptRecordMask, poolKeptRecords, type KeptRecords, type LabelledScores } from './metrics/record-filter';
export { peakF1, f1Score, type OperatingPoint, type PeakF1Options, type PeakF1Result } from './metrics/peak-f1';
export { rankByScoreDescending, type ScoreRanking } from './metrics/rank';
export { precisionRecallCurve, trapezoidArea, areaUnderPrCurve, type PrCurve } from './metrics/auc-pr';
export { evaluateRun } from './evaluation-result';
export { rocCurve, areaUnderRoc, type RocCurve } from './metrics/roc';
export {
  rangeAuc,
  rangeCurve,
  vus,
  continuousLabel,
  labelRanges,
  bufferWeight,
  VUS_THRESHOLD_COUNT,
  type RangeAuc,
  type RangeAucOptions,
  type RangeCurve,
  type ThresholdGrid,
  type Vus,
  type VusOptions,
} from './metrics/vus';
