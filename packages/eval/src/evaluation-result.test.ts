import { evaluateRun } from './evaluation-result';
import { peakF1 } from './metrics/peak-f1';

describe('evaluateRun', () => {
  it('maps the worked example of docs/divad.md §2 to an EvaluationResult', () => {
    const L = -Number.MAX_VALUE;
    const result = peakF1(
      [
        {
          scores: [L, L, 0.55, 0.9, 0.6, 0.7, 0.3, 0.1, 0.8, 0.5, 0.4, 0.2],
          labels: [0, 0, 0, 1, 1, 0, 0, 0, 7, 2, 0, 0],
        },
      ],
      { delayedWindow: 2, ignoredLabels: [7], eventNames: { 1: 'T1', 2: 'T2' } },
    );
    const run = evaluateRun('dense-divad-gm', 'exathlon', 'exathlon/1_2_100000_68', 0.9, result);
    expect(run).toMatchObject({
      method: 'dense-divad-gm',
      dataset: 'exathlon',
      testSequence: 'exathlon/1_2_100000_68',
      smoothing: 0.9,
    });
    expect(run.oracle.peakF1).toBeCloseTo(6 / 7, 12);
    expect(run.oracle.precision).toBeCloseTo(0.75, 12);
    expect(run.oracle.recall).toBeCloseTo(1, 12);
    expect(run.oracle.threshold).toBe(0.5);
    expect(run.oracle.aucPr).toBeCloseTo(137 / 168, 12);
    expect(run.oracle.recallByEvent).toEqual({ T1: 1, T2: 1 });
    expect(run.deployed).toBeUndefined();
    // the record owns its per-event map
    run.oracle.recallByEvent.T1 = 0;
    expect(result.recallByEvent.T1).toBe(1);
  });
});
