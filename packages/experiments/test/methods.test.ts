import { ParameterError } from '@driftwatch/contracts';
import { methodParams, parseMethods, resultMethodOrder } from '../src/methods';

describe('method settings from the detector registry', () => {
  it('takes the per-data-set defaults, then --epochs for iterative methods, then --params', () => {
    // docs/divad.md §3.6's ASD column with the Dense layer sizes, and the best learning rate of Dense DIVAD-GM
    const denseAsd = { windowLength: 20, beta: 5, alpha: 1e3, priorHidden: 32, hidden: 200, latentDim: 16 };
    expect(methodParams('dense-divad-gm', 'asd', {})).toEqual({ ...denseAsd, learningRate: 3e-4 });
    expect(methodParams('iforest', 'smd', {}, 5)).toEqual({ windowLength: 20 });
    const overrides = { '*': { feedForward: 8 }, tranad: { windowLength: 4 } };
    expect(methodParams('tranad', 'sim', overrides, 2)).toEqual({ epochs: 2, feedForward: 8, windowLength: 4 });
    expect(methodParams('pca', 'toString', {})).toEqual({});
  });

  it('names an unknown method with the closest id', () => {
    expect(() => parseMethods(['iforest', 'dense-vea'])).toThrow(ParameterError);
    const misspelt = /^unknown method 'dense-vea' \(did you mean 'dense-vae'\?\); known: /;
    expect(() => parseMethods(['dense-vea'])).toThrow(misspelt);
  });

  it('orders result labels as the registry, with st-dda’s two score labels right after st-dda', () => {
    const order = resultMethodOrder();
    expect(order.slice(0, 3)).toEqual(['iforest', 'pca', 'mahalanobis']);
    const node = ['st-dda', 'st-dda-latent', 'st-dda-forecast', 'mlp', 'gbdt', 'cnn1d', 'transformer'];
    expect(order.slice(order.indexOf('st-dda'))).toEqual(node);
  });
});
