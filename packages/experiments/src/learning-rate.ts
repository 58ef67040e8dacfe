/**
 * Learning-rate selection without labels (docs/divad.md §3.3): a deep method is trained once per learning rate of a
 * grid and the model with the lowest best validation loss is kept.
 */
import { ParameterError, type Detector, type FitReport, type WindowSet } from '@driftwatch/contracts';
import type { DetectorId } from '@driftwatch/models';
import { makeDetector } from './methods';
import type { FitListener } from './observer';

/** The grid of the paper's code. */
export const PAPER_LR_GRID = [1e-5, 3e-5, 1e-4, 3e-4];

/** `paper` or positive numbers separated by commas; none = no selection. */
export function parseLearningRateGrid(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  if (text === 'paper') return PAPER_LR_GRID;
  const grid = text.split(',').map((x) => Number(x.trim()));
  if (grid.length === 0 || grid.some((x) => !(x > 0 && Number.isFinite(x)))) {
    const expected = `'paper' or positive numbers separated by commas`;
    throw new ParameterError(`learning-rate grid expects ${expected}, got '${text}'`);
  }
  return grid;
}

/** Index of the lowest validation loss; the first wins ties, and a missing loss never wins. */
export function lowestValidationLoss(losses: (number | undefined)[]): number {
  let best = -1;
  for (let i = 0; i < losses.length; i++) {
    const l = losses[i];
    if (l !== undefined && Number.isFinite(l) && (best < 0 || l < losses[best]!)) best = i;
  }
  return best < 0 ? 0 : best;
}

/** What a listener hears when one candidate has been fitted. */
export interface CandidateFit {
  learningRate?: number;
  report: FitReport;
  trainWindows: number;
  validationWindows: number;
}

export interface SelectedFit {
  detector: Detector;
  report: FitReport;
  /** the cost of the whole selection */
  trainSeconds: number;
  /** every candidate's best validation loss, when a grid was given */
  lrSelection?: { learningRate: number; bestValLoss?: number }[];
}

/**
 * Fits one detector, or one per learning rate of `grid`, keeping the lowest best validation loss: labels are
 * never looked at. The other candidates are disposed. `listen` is asked for a listener per candidate, told
 * its learning rate (undefined without a grid).
 */
export async function fitSelectingLearningRate(
  method: DetectorId,
  params: Record<string, unknown>,
  grid: readonly number[] | undefined,
  windows: { train: WindowSet; validation: WindowSet },
  seed: number,
  listen: (learningRate: number | undefined) => FitListener<CandidateFit> = () => ({}),
): Promise<SelectedFit> {
  const t0 = performance.now();
  const candidates: { detector: Detector; report: FitReport }[] = [];
  for (const learningRate of grid ?? [undefined]) {
    const detector = makeDetector(method, learningRate === undefined ? params : { ...params, learningRate });
    const listener = listen(learningRate);
    const { train, validation } = windows;
    const report = await detector.fit(train, { seed, validation, onProgress: listener.onProgress });
    listener.done?.({ learningRate, report, trainWindows: train.count, validationWindows: validation.count });
    candidates.push({ detector, report });
  }
  const best = lowestValidationLoss(candidates.map((c) => c.report.bestValLoss));
  candidates.forEach((c, i) => i !== best && c.detector.dispose());
  const trainSeconds = (performance.now() - t0) / 1000;
  const lrSelection = grid?.map((learningRate, i) => ({ learningRate, bestValLoss: candidates[i].report.bestValLoss }));
  return { ...candidates[best], trainSeconds, ...(lrSelection ? { lrSelection } : {}) };
}
