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
export {
  affiliation,
  affiliationZones,
  flaggedIntervals,
  intervalsInZone,
  zonePrecision,
  zoneRecall,
  precisionSurvival,
  recallSurvival,
  distanceToInterval,
  distanceToIntervals,
  type AffiliationResult,
  type TimeInterval,
} from './metrics/affiliation';
export { quantile, quantileOfSorted, percentileThreshold, contaminationThreshold } from './thresholds/quantile';
export {
  mean,
  standardDeviation,
  median,
  medianAbsoluteDeviation,
  MAD_NORMAL_CONSISTENCY,
  stdThreshold,
  madThreshold,
  iqrThreshold,
  iteratedThreshold,
  type ThresholdSelector,
  type IteratedThresholdOptions,
  type IteratedThresholdResult,
} from './thresholds/spread';
export { fitGpd, gpdLogLikelihood, grimshawEquation, potQuantile, potThreshold, spot, excessesOver, type GpdFit, type PotOptions, type PotResult, type SpotResult } from './thresholds/pot';
export { kde, gaussianKdeAt, silvermanBandwidth, scottBandwidth, type BandwidthRule, type KdeOptions, type KdeResult } from './distributions/kde';
