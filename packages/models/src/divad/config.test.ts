import { ParameterError } from '@driftwatch/contracts';
import { resolveDivadConfig } from './config';

describe('resolveDivadConfig', () => {
  it('fills the docs/divad.md §3.6 defaults; G scores by aggregated posterior, GM by prior', () => {
    const gm = resolveDivadConfig({ variant: 'GM' });
    expect(gm).toEqual({
      network: 'dense',
      variant: 'GM',
      windowLength: 1,
      hidden: 200,
      latentDim: 16,
      components: 8,
      priorHidden: 64,
      beta: 5,
      alpha: 1e5,
      learningRate: 3e-4,
      weightDecay: 0.01,
      clipNorm: 10,
      batchSize: 128,
      epochs: 300,
      patience: 100,
      scoring: 'prior',
      apComponents: 8,
      apFit: 'train+validation',
      apFitPoints: 10_000,
    });
    expect(resolveDivadConfig({ variant: 'G' }).scoring).toBe('aggregated-posterior');
    expect(resolveDivadConfig({ variant: 'GM', components: 4 }).apComponents).toBe(4);
    expect(resolveDivadConfig({ variant: 'GM', components: 4, apComponents: 6 }).apComponents).toBe(6);
    expect(resolveDivadConfig({ variant: 'G', hidden: [64, 32] }).hidden).toEqual([64, 32]);
  });

  it.each([
    [{ variant: 'X' }, /variant/],
    [{ variant: 'G', latentDim: 0 }, /latentDim/],
    [{ variant: 'G', hidden: [] }, /hidden/],
    [{ variant: 'G', hidden: [10, 2.5] }, /hidden must be .*, got \[10,2\.5\] \(item 1 is 2\.5\)/],
    [{ variant: 'G', beta: -1 }, /beta/],
    [{ variant: 'G', learningRate: 0 }, /learningRate/],
    [{ variant: 'G', scoring: 'mean' }, /scoring/],
    [{ variant: 'GM', apFit: 'validation' }, /apFit/],
    [{ variant: 'G', batchSize: '128' }, /batchSize/],
    [{ variant: 'G', lr: 1e-3 }, /unknown parameter 'lr'/],
  ])('rejects %j with a ParameterError', (params, message) => {
    expect(() => resolveDivadConfig(params as never)).toThrow(ParameterError);
    expect(() => resolveDivadConfig(params as never)).toThrow(message);
  });
});
