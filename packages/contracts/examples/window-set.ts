// Run from the repository root: npm run ts -- packages/contracts/examples/window-set.ts
import {
  FeatureMismatchError,
  assertWindowShape,
  gatherWindows,
  mulberry32,
  normalSampler,
  packedWindowSet,
} from '@driftwatch/contracts';

// 6 windows of 2 records × 3 features from two domains
const normal = normalSampler(mulberry32(1));
const values = Float32Array.from({ length: 6 * 2 * 3 }, () => normal());
const windows = packedWindowSet(values, 2, 3, [0, 0, 0, 1, 1, 1], ['rate-low', 'rate-high']);
console.log(
  `${windows.count} windows of ${windows.windowLength}×${windows.featureCount}; window 4 is in ` +
    `domain ${windows.domains[windows.domainOf(4)]}`,
);
console.log(
  'batch of windows 0 and 5:',
  Array.from(gatherWindows(windows, [0, 5]))
    .map((x) => x.toFixed(2))
    .join(' '),
);
try {
  assertWindowShape(windows, 2, 4);
} catch (e) {
  if (e instanceof FeatureMismatchError)
    console.log(`a detector trained on 4 features refuses these windows: ${e.message}`);
}
