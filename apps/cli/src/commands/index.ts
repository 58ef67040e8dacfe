/**
 * Every command of `driftwatch`: its definition (loaded at start-up, for help and parsing) and its run module
 * (imported only when the command runs). A new command is a `<name>.def.ts`, a `<name>.ts` exporting the
 * command (`{ ...definition, run }`) and one line below.
 */
import packageJson from '../../package.json';
import { lazyCommand, type LazyCommand, type ProgramSpec } from '../program';
import { benchAsdLosoDefinition } from './bench-asd-loso.def';
import { benchStDefinition } from './bench-st.def';
import { benchWindowsDefinition } from './bench-windows.def';
import { convertDefinition } from './convert.def';
import { datasetsFetchDefinition } from './datasets-fetch.def';
import { datasetsInspectDefinition } from './datasets-inspect.def';
import { datasetsListDefinition, datasetsVerifyDefinition } from './datasets.def';
import { demoDefinition } from './demo.def';
import { doctorDefinition } from './doctor.def';
import { evaluateDefinition } from './evaluate.def';
import { exampleMetricsDefinition } from './example-metrics.def';
import { methodsDefinition } from './methods.def';
import { graphBuildDefinition, graphDriftDefinition, graphInspectDefinition } from './graph.def';
import { recordDefinition } from './record.def';
import { reportDefinition } from './report.def';
import { scoreDefinition } from './score.def';
import { serveDefinition } from './serve.def';
import { simulateDefinition } from './simulate.def';
import { trainDefinition } from './train.def';

export const COMMANDS: readonly LazyCommand[] = [
  lazyCommand(datasetsListDefinition, () => import('./datasets')),
  lazyCommand(datasetsVerifyDefinition, () => import('./datasets')),
  lazyCommand(datasetsFetchDefinition, () => import('./datasets-fetch')),
  lazyCommand(datasetsInspectDefinition, () => import('./datasets-inspect')),
  lazyCommand(convertDefinition, () => import('./convert')),
  lazyCommand(methodsDefinition, () => import('./methods')),
  lazyCommand(trainDefinition, () => import('./train')),
  lazyCommand(scoreDefinition, () => import('./score')),
  lazyCommand(recordDefinition, () => import('./record')),
  lazyCommand(serveDefinition, () => import('./serve')),
  lazyCommand(evaluateDefinition, () => import('./evaluate')),
  lazyCommand(benchWindowsDefinition, () => import('./bench-windows')),
  lazyCommand(benchAsdLosoDefinition, () => import('./bench-asd-loso')),
  lazyCommand(benchStDefinition, () => import('./bench-st')),
  lazyCommand(reportDefinition, () => import('./report')),
  lazyCommand(simulateDefinition, () => import('./simulate')),
  lazyCommand(exampleMetricsDefinition, () => import('./example-metrics')),
  lazyCommand(demoDefinition, () => import('./demo')),
  lazyCommand(doctorDefinition, () => import('./doctor')),
  lazyCommand(graphBuildDefinition, () => import('./graph')),
  lazyCommand(graphInspectDefinition, () => import('./graph')),
  lazyCommand(graphDriftDefinition, () => import('./graph')),
];

export const DRIFTWATCH: ProgramSpec = {
  name: 'driftwatch',
  version: packageJson.version,
  summary: 'anomaly detection in the metrics of distributed systems when "normal" keeps changing',
  groups: {
    datasets: 'the data sets of datasets.lock: list them, verify, fetch and inspect them',
    bench: 'benchmarks that write results.jsonl (and scores) for `driftwatch report`',
    graph: 'dependency graphs per time window: build them from traces or tables, inspect them, measure their drift',
  },
  commands: COMMANDS,
  examples: [
    'driftwatch datasets verify asd',
    'driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1 --epochs 5',
    'driftwatch train --method dense-divad-gm --hold-out omi-1 --epochs 5 --out models/gm-omi1',
    'driftwatch score --model models/gm-omi1 --out scores/gm-omi1.arrow',
    'driftwatch evaluate --scores scores/gm-omi1.arrow',
    'driftwatch report bench-results/asd-loso --out report.html',
  ],
  notes: ['Data: read from --data-root, else $DRIFTWATCH_DATA, else ../shared/datasets next to the repository.'],
};
