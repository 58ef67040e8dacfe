import { lowestValidationLoss, parseLearningRateGrid, PAPER_LR_GRID } from '../src';

describe('learning-rate grid', () => {
  it('parses the paper grid and lists, and rejects nonsense', () => {
    expect(parseLearningRateGrid('paper')).toEqual([1e-5, 3e-5, 1e-4, 3e-4]);
    expect(PAPER_LR_GRID).toEqual([1e-5, 3e-5, 1e-4, 3e-4]);
    expect(parseLearningRateGrid('0.1, 2e-3')).toEqual([0.1, 2e-3]);
    expect(parseLearningRateGrid(undefined)).toBeUndefined();
    for (const bad of ['0.1,-1', '0', 'fast', '1,,2', 'Infinity']) {
      expect(() => parseLearningRateGrid(bad)).toThrow(/learning-rate grid expects 'paper' or positive numbers/);
    }
  });

  it('picks the first lowest finite validation loss', () => {
    expect(lowestValidationLoss([3, 1, 2, 1])).toBe(1);
    expect(lowestValidationLoss([undefined, NaN, 5])).toBe(2);
    expect(lowestValidationLoss([undefined])).toBe(0);
    expect(lowestValidationLoss([Infinity, 7, -Infinity])).toBe(1);
  });
});
