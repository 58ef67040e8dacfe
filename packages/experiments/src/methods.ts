/**
 * Method ids the benchmarks run and their settings: everything comes from the detector registry (its descriptors
 * hold the per-data-set defaults of docs/divad.md §3.6 and §5b); this module only merges the command line over them.
 */
import { ParameterError } from '@driftwatch/contracts';
import {
  createDetector,
  DETECTOR_DESCRIPTORS,
  detectorDescriptor,
  DETECTOR_IDS,
  unknownDetectorError,
  usesTfjs,
  type DetectorId,
  type ParameterSpec,
} from '@driftwatch/models';
import type { Detector } from '@driftwatch/contracts';

export const METHOD_IDS: readonly DetectorId[] = DETECTOR_IDS;

/** Neural methods: they need a tfjs backend, take --epochs and have a learning rate to select. */
export function isDeepMethod(id: string): boolean {
  return usesTfjs(id);
}

export function parseMethods(list: string[]): DetectorId[] {
  for (const m of list) {
    if (!(METHOD_IDS as readonly string[]).includes(m)) throw unknownDetectorError('method', m, METHOD_IDS);
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
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ParameterError('--params must be a JSON object');
  const obj = parsed as Record<string, unknown>;
  const keyed = Object.keys(obj).every((k) => (METHOD_IDS as readonly string[]).includes(k));
  return keyed ? (obj as Record<string, Record<string, unknown>>) : { '*': obj };
}

/** The descriptor's defaults for `dataset`, then --epochs (iterative methods only), then the overrides. */
export function methodParams(
  id: DetectorId,
  dataset: string,
  overrides: ParamOverrides,
  epochs?: number,
): Record<string, unknown> {
  const descriptor = detectorDescriptor(id);
  const defaults = descriptor.datasetDefaults;
  const base = Object.prototype.hasOwnProperty.call(defaults, dataset) ? defaults[dataset] : {};
  const withEpochs = epochs !== undefined && descriptor.capabilities.epochs ? { ...base, epochs } : base;
  return { ...withEpochs, ...(overrides['*'] ?? {}), ...(overrides[id] ?? {}) };
}

export function makeDetector(id: DetectorId, params: Record<string, unknown>): Detector {
  return createDetector(id, params);
}

/**
 * Method labels of results lines in the order reports list them: the registry's ids, each followed by the labels
 * `<id>-<score>` of a detector whose runs report each of its `score` choices as a method of its own (st-dda's
 * runs write 'st-dda-latent' and 'st-dda-forecast' from one model, st/run-st.ts), in the order of those choices.
 */
export function resultMethodOrder(): string[] {
  return DETECTOR_DESCRIPTORS.flatMap((d) => {
    const score = (d.schema.parameters as Record<string, ParameterSpec>).score;
    const choices = score?.accepts.flatMap((c) => (c.type === 'string' ? c.oneOf : [])) ?? [];
    return [d.id, ...choices.map((choice) => `${d.id}-${choice}`)];
  });
}
