export {
  SMOOTHING_GRID,
  PADDING_SCORE,
  ewma,
  ewmaBySegment,
  nanToNum,
  recordScores,
  scoresByRecord,
} from './online-scorer';
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
  tsbAdVus,
  tsbAdVusPr,
  tsbAdVusRoc,
  findLengthRank,
  TSB_AD_DEFAULT_WINDOW,
  type TsbAdVus,
  type TsbAdVusOptions,
} from './metrics/tsb-ad-vus';
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
export {
  fitGpd,
  gpdLogLikelihood,
  grimshawEquation,
  potQuantile,
  potThreshold,
  spot,
  excessesOver,
  type GpdFit,
  type PotOptions,
  type PotResult,
  type SpotResult,
} from './thresholds/pot';
export {
  kde,
  gaussianKdeAt,
  silvermanBandwidth,
  scottBandwidth,
  type BandwidthRule,
  type KdeOptions,
  type KdeResult,
} from './distributions/kde';
export { rangesOf, eventRangesOf, eventTypesOf, predictAtThreshold, type EventRange } from './metrics/ranges';
export {
  AD_LEVELS,
  rangePrecisionRecall,
  rangeBasedMetrics,
  overlapReward,
  realRangeRecall,
  predictedRangePrecision,
  positionalReward,
  normalisedRewards,
  cardinalityFactor,
  type PositionalBias,
  type CardinalityFunction,
  type SizeFunction,
  type OverlapRewardParams,
  type RangeRecallParams,
  type RangeMetricParams,
  type RangePrecisionRecall,
} from './metrics/range-based';
export { eventWiseMetrics, detectionDelays, type EventWiseMetrics, type DetectionDelays } from './metrics/event-wise';
export {
  PA_K_GRID,
  pointAdjust,
  pointwiseMetrics,
  pointAdjustedMetrics,
  paKCurve,
  peakPointAdjustedF1,
  peakPointwiseF1,
  randomScoreBaseline,
  type PointwiseMetrics,
  type PaKCurve,
  type RandomScoreBaseline,
} from './metrics/point-adjust';
export {
  thresholdMetrics,
  recallByEventType,
  confusionCounts,
  type ThresholdMetrics,
  type ConfusionCounts,
  type MatrixShape,
} from './metrics/threshold-metrics';
export {
  DEFAULT_SELECTORS,
  deployedMetrics,
  metricsAtThreshold,
  type NamedSelector,
  type FixedThresholdMetrics,
} from './thresholds/deployed';
export {
  evaluateOverSmoothing,
  gridPointFields,
  type SmoothingGridOptions,
  type SmoothingGridPoint,
} from './smoothing-grid';
