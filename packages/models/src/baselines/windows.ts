import { ParameterError, type WindowSet } from '@driftwatch/contracts';

/** Rejects NaN and ±Infinity in windows: trees and covariances would silently mis-handle them. */
export function assertFiniteWindows(ws: WindowSet, where: string): void {
  for (let i = 0; i < ws.count; i++) {
    const w = ws.window(i);
    for (let k = 0; k < w.length; k++) {
      if (!Number.isFinite(w[k])) {
        const record = Math.floor(k / ws.featureCount);
        throw new ParameterError(
          `${where}: window ${i}, record ${record}, feature ${k % ws.featureCount} is ${w[k]}; expected finite values`,
        );
      }
    }
  }
}
