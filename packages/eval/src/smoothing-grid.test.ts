import { mulberry32 } from '@driftwatch/contracts';
import { evaluateOverSmoothing, gridPointFields } from './smoothing-grid';
import { ewma } from './online-scorer';
import { percentileThreshold } from './thresholds/quantile';
import { SMOOTHING_GRID } from './online-scorer';

describe('evaluateOverSmoothing', () => {
  const rand = mulberry32(5);
  const W = 4;
  const labels = Uint8Array.from({ length: 80 }, (_, i) => (i >= 40 && i < 50 ? 1 : 0));
  const windowScores = Float64Array.from({ length: 77 }, (_, i) => rand() + (labels[i + W - 1] ? 2 : 0));

  it('gives one point per smoothing factor of the grid, in order', () => {
    const points = evaluateOverSmoothing(windowScores, labels, W);
    expect(points.map((p) => p.smoothing)).toEqual([...SMOOTHING_GRID]);
    expect(points[0].deployed).toBeUndefined();
    // β = 0 and a planted +2 shift: the anomalies are exactly the 10 highest scores
    expect(points[0].result.peakF1).toBe(1);
  });

  it('fits p99 on each calibration sequence smoothed on its own', () => {
    const calibration = [
      Float64Array.from({ length: 50 }, () => rand()),
      Float64Array.from({ length: 30 }, () => 10 + rand()),
    ];
    const [point] = evaluateOverSmoothing(windowScores, labels, W, { grid: [0.5], calibration });
    const smoothed = [...Array.from(ewma(calibration[0], 0.5)), ...Array.from(ewma(calibration[1], 0.5))];
    expect(point.deployed![0].selector).toBe('p99');
    expect(point.deployed![0].threshold).toBeCloseTo(percentileThreshold(smoothed, 99), 12);
  });
});

describe('gridPointFields', () => {
  it('states a worked example: scores (0, 0, 1, 0) with the anomaly on the third record, β = 0', () => {
    // W = 1: every record is a window; threshold 1 flags only the anomalous record, so P = R = F1 = 1
    const [point] = evaluateOverSmoothing([0, 0, 1, 0], [0, 0, 1, 0], 1, { grid: [0] });
    const fields = gridPointFields(point);
    // AUC-PR has its own reference tests (metrics/auc-pr.test.ts); here it only has to be carried over
    expect(fields).toEqual({
      smoothing: 0,
      peakF1: 1,
      precision: 1,
      recall: 1,
      threshold: 1,
      aucPr: point.result.aucPr,
    });
    expect('deployed' in fields).toBe(false);
  });

  it('carries the deployed figures when calibration scores were given', () => {
    const [point] = evaluateOverSmoothing([0, 0, 1, 0], [0, 0, 1, 0], 1, { grid: [0], calibration: [[0, 0.1, 0.2]] });
    expect(gridPointFields(point).deployed).toBe(point.deployed);
    expect(point.deployed!.length).toBeGreaterThan(0);
  });
});
