/**
 * Method ids the benchmarks run and their per-data-set settings. The numbers come from docs/divad.md §3.6 and §5b;
 * where a short benchmark has to depart from the paper's protocol the reason is stated next to the value.
 */
import { ParameterError } from '@driftwatch/contracts';
import { createDetector, DETECTOR_IDS, usesTfjs, type DetectorId } from '@driftwatch/models';
import type { Detector } from '@driftwatch/contracts';

export const METHOD_IDS: readonly DetectorId[] = DETECTOR_IDS;

/** Neural methods: they need a tfjs backend, take --epochs and have a learning rate to select. */
export function isDeepMethod(id: string): boolean {
  return usesTfjs(id);
}

/** ASD settings: W = 20 for every method (every ASD script of the paper's code uses it). */
function asdParams(id: DetectorId): Record<string, unknown> {
  const common = { windowLength: 20 };
  if (id === 'dense-divad-g' || id === 'dense-divad-gm') {
    return {
      ...common,
      // β, α and the p(zd|d) width of the ASD script (docs/divad.md §3.6, Rec DIVAD-GM column); Dense layer sizes
      // and L, K of the Dense column.
      beta: 5,
      alpha: 1e3,
      priorHidden: 32,
      hidden: 200,
      latentDim: 16,
      // 3e-4 is the best of the paper's LR grid for Dense DIVAD-GM (README of the paper's code); the ASD
      // script's 1e-5 needs hundreds of epochs, more than a short benchmark runs.
      learningRate: 3e-4,
    };
  }
  return common;
}

export function parseMethods(list: string[]): DetectorId[] {
  for (const m of list) {
    if (!(METHOD_IDS as readonly string[]).includes(m)) throw new ParameterError(`unknown method '${m}'; known: ${METHOD_IDS.join(', ')}`);
  }
  return list as DetectorId[];
}

/** Parameter overrides by method id; '*' applies to every method. */
export type ParamOverrides = Record<string, Record<string, unknown>> & { '*'?: Record<string, unknown> };

/** Overrides as JSON (`--params`): either flat (applies to every method) or keyed by method id. */
export function parseParamOverrides(json: string | undefined): ParamOverrides {
  if (json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new ParameterError(`--params must be JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ParameterError('--params must be a JSON object');
  const obj = parsed as Record<string, unknown>;
  const keyed = Object.keys(obj).every((k) => (METHOD_IDS as readonly string[]).includes(k));
  return keyed ? (obj as Record<string, Record<string, unknown>>) : { '*': obj };
}

export function methodParams(
  id: DetectorId,
  dataset: string,
  overrides: ParamOverrides,
  epochs?: number,
): Record<string, unknown> {
  const base = dataset === 'asd' || dataset === 'smd' ? asdParams(id) : {};
  const withEpochs = epochs !== undefined && isDeepMethod(id) ? { ...base, epochs } : base;
  return { ...withEpochs, ...(overrides['*'] ?? {}), ...(overrides[id] ?? {}) };
}

export function makeDetector(id: DetectorId, params: Record<string, unknown>): Detector {
  return createDetector(id, params);
}
