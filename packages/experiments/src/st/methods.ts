/**
 * The methods of the spatiotemporal experiments: every node detector of the models registry, in its order, so a
 * detector added there is benchmarked without another list to update. Kept apart from st/experiments.ts, which
 * the CLI reads at start-up without loading the registry (and tfjs).
 */
import { NODE_DETECTOR_IDS } from '@driftwatch/models';
import type { StMethod } from './experiments';

export const ST_METHODS: readonly StMethod[] = NODE_DETECTOR_IDS;
