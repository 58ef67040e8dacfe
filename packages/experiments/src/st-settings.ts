/**
 * The names and defaults of the spatiotemporal experiments, without the code that runs them: importing this
 * entry loads contracts only, so a command line's definitions (read at start-up for --help) can list them.
 */
export {
  ST_EXPERIMENTS,
  ST_DATASETS,
  WINDOW_LENGTHS,
  NODE_COUNTS,
  ROBUSTNESS_LEVELS,
  DEFAULT_DATASETS,
  DEFAULT_BUDGET,
  type StExperiment,
  type StMethod,
  type StDatasetId,
  type RobustnessKnob,
  type StBudget,
} from './st/experiments';
export { DEFAULT_SPLIT, DEFAULT_SPAN_MARGIN, type SplitFractions, type SplitSpan } from './st/periods';
export { DEFAULT_ST_SEED_COUNT } from './st/seeds';
