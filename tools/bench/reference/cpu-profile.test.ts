import { topSelfTimes, type CpuProfile } from './cpu-profile';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 3 });

describe('topSelfTimes', () => {
  it('sums each leaf’s time deltas, leaves idle out of the shares and orders by self time', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('readSync', 'file:///x/dist/backend.js') },
        { id: 3, callFrame: frame('(idle)') },
        { id: 4, callFrame: frame('', 'file:///x/y/step.js') },
      ],
      // readSync 300 + 100 µs, idle 5000 µs, the anonymous function 600 µs
      samples: [2, 3, 4, 2],
      timeDeltas: [300, 5000, 600, 100],
    };
    expect(topSelfTimes(profile, 5)).toEqual([
      { where: '(anonymous) y/step.js:3', ms: 0.6, share: 0.6 },
      { where: 'readSync dist/backend.js:3', ms: 0.4, share: 0.4 },
    ]);
    expect(topSelfTimes(profile, 1)).toHaveLength(1);
  });
});
