import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FitReport, ResultRecord, Sequence } from '@driftwatch/contracts';
import {
  evaluateOverSmoothing,
  gridPointFields,
  peakF1,
  recordScores,
  scoresByRecord,
  SMOOTHING_GRID,
} from '@driftwatch/eval';
import {
  isDeepMethod,
  leaveOneOutFold,
  loadEntitySequences,
  machineInfo,
  makeDetector,
  methodParams,
  parseMethods,
  parseParamOverrides,
  resolveEntities,
  resultLine,
  simulatedClusterFold,
  splitBySequence,
} from '@driftwatch/experiments';
import {
  applyStandardisation,
  listOmniEntities,
  windowSequences,
  writeFileAtomic,
  writeScoreFile,
} from '@driftwatch/ingest';
import type { IndexedWindowSet } from '@driftwatch/ingest';
import { describeBackend, initBackend, type BackendPreference, type DetectorId } from '@driftwatch/models';
import { buildReport, renderFigures, renderHtml, type ScoreSeries, type SourcedResult } from '@driftwatch/report';
import { simulateCluster, type Simulation } from '@driftwatch/simulate';
import { writeSimulationFiles } from '@driftwatch/simulate/files';
import { commandLine, intOption, optionalString, type Command } from '../command';
import { dataRoot } from '../workspace';
import { fitProgressReporter, formatDuration, progressBar } from '../progress';
import { fmt, renderTable } from '../table';
import { UsageError } from '../cli-error';
import { writeFolderAtomic } from '../output-folder';
import { demoDefinition } from './demo.def';

/** Marks a folder as a demo's output, so that a later demo may replace it without --force. */
const DEMO_MANIFEST = 'demo.json';

/** What one demo trains on and scores, whatever the source: standardised training, validation and test sequences. */
interface DemoData {
  dataset: string;
  /** one line: what the data is */
  description: string;
  /** standardised; windows with a label > 0 are left out of training */
  train: Sequence[];
  validation: Sequence[];
  /** standardised, labelled: one per scored entity */
  tests: Sequence[];
  domains: string[];
  eventNames?: Record<number, string>;
  windowLength: number;
  notes: string[];
}

/** The simulated cluster's fold (experiments' simulatedClusterFold) with what the demo says about it. */
function simulatedData(sim: Simulation, windowLength: number): DemoData {
  const fold = simulatedClusterFold(sim);
  return {
    dataset: 'sim',
    description:
      `a simulated cluster of ${sim.series.entities.length} nodes × ${sim.series.length} steps ` + `(seed ${sim.seed})`,
    train: fold.train,
    validation: fold.validation,
    tests: fold.tests,
    domains: fold.domains,
    eventNames: fold.eventNames,
    windowLength,
    notes: [
      `Simulated with @driftwatch/simulate (seed ${sim.seed}); training on steps 0–${fold.split - 1} (fault-free), ` +
        `scoring steps ${fold.split}–${sim.series.length - 1}. ` +
        'Each node is standardised on its own training records; one detector is trained on the windows of ' +
        'all nodes (domain = node).',
    ],
  };
}

/** ASD's leave-one-server-out fold of docs/divad.md §5b for one held-out server, as `bench asd-loso` runs it. */
async function asdData(root: string, server: string, windowLength: number): Promise<DemoData> {
  const sequences = await loadEntitySequences(root, 'asd');
  const { test, data } = leaveOneOutFold(sequences, server);
  return {
    dataset: 'asd',
    description: `ASD, server ${server} held out, trained on the other ${sequences.length - 1} servers`,
    train: data.train,
    validation: data.validation,
    tests: [{ ...applyStandardisation(test, data.standardisation), id: test.id }],
    domains: data.domains,
    windowLength,
    notes: [
      `ASD from ${root}: the leave-one-server-out protocol of docs/divad.md §5b for ${server} (driftwatch ` +
        `bench asd-loso runs every server).`,
    ],
  };
}

/** Where real data is: ASD under the data root, or why it is not used. */
async function findAsd(
  values: Record<string, unknown>,
): Promise<{ root: string; servers: string[] } | { reason: string }> {
  let root: string;
  try {
    root = dataRoot(values as never);
  } catch (error) {
    return { reason: (error as Error).message.split('\n')[0] };
  }
  try {
    const servers = await listOmniEntities(root, 'asd');
    return servers.length >= 2 ? { root, servers } : { reason: `${root}/asd holds fewer than two servers` };
  } catch (error) {
    return { reason: (error as Error).message.split('\n')[0] };
  }
}

/** The fields of a results line that one training run fixes. */
type RunFields = Pick<ResultRecord, 'method' | 'dataset' | 'trainSeconds' | 'backend' | 'seed' | 'params'> &
  Record<string, unknown>;

interface Evaluated {
  records: ResultRecord[];
  series: ScoreSeries[];
  /** per scored entity: best smoothing's figures */
  best: {
    sequence: string;
    events: number;
    peakF1: number;
    precision: number;
    recall: number;
    aucPr: number;
    smoothing: number;
  }[];
  pooled?: { peakF1: number; precision: number; recall: number; aucPr: number; smoothing: number };
}

/** Scores every test sequence, evaluates it over the smoothing grid and writes its score file. */
async function scoreAndEvaluate(
  dir: string,
  method: string,
  detector: ReturnType<typeof makeDetector>,
  data: DemoData,
  validationWindows: IndexedWindowSet,
  base: RunFields,
): Promise<Evaluated> {
  const W = data.windowLength;
  const calibration = splitBySequence(validationWindows, await detector.scoreWindows(validationWindows));
  const out: Evaluated = { records: [], series: [], best: [] };
  const pooledInputs: { windowScores: Float32Array; labels: Uint8Array }[] = [];
  await mkdir(join(dir, 'scores', method), { recursive: true });
  for (const test of data.tests) {
    // a held-out server is a domain the detector never saw (as in bench asd-loso)
    const windows = windowSequences([test], W, {
      domains: data.domains.includes(test.domain) ? data.domains : [test.domain],
    });
    const t0 = performance.now();
    const windowScores = await detector.scoreWindows(windows);
    const scoreSeconds = (performance.now() - t0) / 1000;
    const entity = test.entity;
    await writeScoreFile(join(dir, 'scores', method, `${entity}.arrow`), [
      { sequenceId: test.id, scores: scoresByRecord(windowScores, W) },
      ...calibration.map((c) => ({ sequenceId: `validation:${data.validation[c.sequence].id}`, scores: c.scores })),
    ]);
    const labels = test.labels!;
    pooledInputs.push({ windowScores, labels });
    const events = test.ranges?.length ?? 0;
    if (!labels.some((y) => y > 0)) continue;
    const evaluated = evaluateOverSmoothing(windowScores, labels, W, {
      calibration: calibration.map((c) => c.scores),
      eventNames: data.eventNames,
    });
    for (const point of evaluated) {
      out.records.push({
        ...base,
        testSequence: test.id,
        ...gridPointFields(point),
        scoreSeconds,
      });
    }
    const best = evaluated.reduce((a, b) => (b.result.peakF1 > a.result.peakF1 ? b : a));
    out.best.push({
      sequence: test.id,
      events,
      peakF1: best.result.peakF1,
      precision: best.result.precision,
      recall: best.result.recall,
      aucPr: best.result.aucPr,
      smoothing: best.smoothing,
    });
    out.series.push({
      method,
      dataset: data.dataset,
      testSequence: test.id,
      windowLength: W,
      testScores: recordScores(windowScores, W, 0),
      labels,
      ranges: test.ranges,
      eventNames: data.eventNames,
      calibration: calibration.map((c) => Float64Array.from(c.scores)),
    });
  }
  if (data.tests.length > 1) {
    // every node's records in one pool: one threshold for the whole cluster
    for (const smoothing of SMOOTHING_GRID) {
      const r = peakF1(
        pooledInputs.map((p) => ({ scores: recordScores(p.windowScores, W, smoothing), labels: p.labels })),
        { delayedWindow: W - 1, eventNames: data.eventNames },
      );
      if (!out.pooled || r.peakF1 > out.pooled.peakF1)
        out.pooled = { peakF1: r.peakF1, precision: r.precision, recall: r.recall, aucPr: r.aucPr, smoothing };
      out.records.push({
        ...base,
        testSequence: `${data.dataset}/all-nodes`,
        pooled: true,
        smoothing,
        peakF1: r.peakF1,
        precision: r.precision,
        recall: r.recall,
        threshold: r.threshold,
        aucPr: r.aucPr,
        scoreSeconds: 0,
      });
    }
  }
  return out;
}

export const demo: Command = {
  ...demoDefinition,
  async run(values, _positionals, argv) {
    const started = performance.now();
    const [method] = parseMethods([optionalString(values, 'method') ?? 'iforest']) as [DetectorId];
    const out = resolve(optionalString(values, 'out') ?? join('bench-results', 'demo'));
    const seed = intOption(values, 'seed', 0);
    const epochs = intOption(values, 'epochs', 3, 1);
    const overrides = parseParamOverrides(optionalString(values, 'params'));
    if (existsSync(out) && !values.force && !existsSync(join(out, DEMO_MANIFEST)) && (await readdir(out)).length > 0) {
      throw new UsageError(
        `${out} exists and holds no earlier demo: name another --out, or pass --force to replace it`,
      );
    }
    const asd = values.simulate ? { reason: '--simulate' } : await findAsd(values);
    const onAsd = 'servers' in asd;
    const dataset = onAsd ? 'asd' : 'sim';
    const params = {
      ...(onAsd ? {} : { windowLength: 10 }),
      ...methodParams(method, dataset, overrides, isDeepMethod(method) ? epochs : undefined),
    };
    const backend = isDeepMethod(method)
      ? await initBackend(((values.backend as string) ?? 'auto') as BackendPreference)
      : undefined;
    if (backend) process.stderr.write(`${describeBackend(backend)}\n`);
    const command = commandLine(argv);

    let sim: Simulation | undefined;
    let data: DemoData;
    const probe = makeDetector(method, params);
    const W = probe.windowLength;
    probe.dispose();
    if (onAsd) {
      const server = resolveEntities([optionalString(values, 'server') ?? asd.servers[0]], asd.servers)[0];
      process.stderr.write(`demo: ASD found under ${asd.root}; holding out ${server}\n`);
      data = await asdData(asd.root, server, W);
    } else {
      process.stderr.write(
        `demo: simulating a cluster (${asd.reason === '--simulate' ? '--simulate' : `no real data: ${asd.reason}`})\n`,
      );
      const steps = intOption(values, 'steps', 1500, 50);
      sim = simulateCluster(
        {
          nodes: intOption(values, 'nodes', 12, 3),
          steps,
          faults: { start: Math.floor(0.4 * steps), count: Math.max(1, Math.round(steps / 100)) },
        },
        seed,
      );
      data = simulatedData(sim, W);
    }

    let evaluated: Evaluated | undefined;
    let report: FitReport | undefined;
    let trainWindowCount = 0;
    await writeFolderAtomic(out, true, async (dir) => {
      if (sim) await mkdir(join(dir, 'data'));
      if (sim) await writeSimulationFiles(join(dir, 'data'), sim, ['csv', 'arrow'], command);
      const train = windowSequences(data.train, W, { domains: data.domains, normalOnly: true });
      const validation = windowSequences(data.validation, W, { domains: data.domains, normalOnly: true });
      trainWindowCount = train.count;
      const detector = makeDetector(method, params);
      const bar = progressBar(`${method} fit`, 1);
      const t0 = performance.now();
      report = await detector.fit(train, { seed, validation, onProgress: fitProgressReporter(bar) });
      const trainSeconds = (performance.now() - t0) / 1000;
      bar.done(`${train.count} training windows from ${data.train.length} ${onAsd ? 'servers' : 'nodes'}`);
      const base: RunFields = {
        method,
        dataset: data.dataset,
        trainSeconds,
        backend: backend ? backend.name : 'js',
        seed,
        params: { ...detector.config },
        epochs: report.epochs,
        bestValLoss: report.bestValLoss,
        trainWindows: train.count,
        command,
      };
      evaluated = await scoreAndEvaluate(dir, method, detector, data, validation, base);
      detector.dispose();
      const resultsPath = join(dir, 'results.jsonl');
      await writeFileAtomic(resultsPath, evaluated.records.map(resultLine).join(''));
      const results: SourcedResult[] = evaluated.records
        .filter((r) => r.pooled !== true)
        .map((r) => ({ ...r, source: join(out, 'results.jsonl') }));
      const machine = machineInfo();
      const built = buildReport({
        title: `driftwatch demo: ${method} on ${data.description}`,
        generatedAt: new Date().toISOString(),
        results,
        runs: [
          {
            source: out,
            command,
            startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
            backend: { name: backend ? backend.name : 'js' },
            machine,
          },
        ],
        series: evaluated.series,
        notes: [
          ...data.notes,
          ...(evaluated.pooled
            ? [
                `All nodes pooled (one threshold for the cluster): peak F1 ${fmt(evaluated.pooled.peakF1)} ` +
                  `at β = ${evaluated.pooled.smoothing}.`,
              ]
            : []),
        ],
      });
      const reportBar = progressBar('report', 1);
      await writeFileAtomic(join(dir, 'report.html'), renderHtml(await renderFigures(built)));
      reportBar.done(`${built.figures.length} figures`);
      await writeFileAtomic(
        join(dir, DEMO_MANIFEST),
        JSON.stringify(
          {
            command,
            dataset: data.dataset,
            description: data.description,
            method,
            params: base.params,
            seed,
            windowLength: W,
            pooled: evaluated.pooled,
            best: evaluated.best,
          },
          null,
          2,
        ) + '\n',
      );
    });

    const e = evaluated!;
    const rows = e.best.map((b) => [
      b.sequence.split('/').pop()!,
      String(b.events),
      fmt(b.peakF1),
      fmt(b.precision),
      fmt(b.recall),
      fmt(b.aucPr),
      String(b.smoothing),
    ]);
    if (e.pooled)
      rows.push([
        'all nodes',
        String(e.best.reduce((n, b) => n + b.events, 0)),
        fmt(e.pooled.peakF1),
        fmt(e.pooled.precision),
        fmt(e.pooled.recall),
        fmt(e.pooled.aucPr),
        String(e.pooled.smoothing),
      ]);
    const unlabelled = data.tests.length - e.best.length;
    process.stdout.write(
      [
        `${method} on ${data.description}: ${trainWindowCount.toLocaleString('en-US')} training ` +
          `windows, ${report!.epochs} epoch${report!.epochs === 1 ? '' : 's'}; done ` +
          `in ${formatDuration((performance.now() - started) / 1000)}`,
        '',
        renderTable(['entity', 'events', 'peak F1', 'P', 'R', 'AUC-PR', 'best β'], rows, [
          'l',
          'r',
          'r',
          'r',
          'r',
          'r',
          'r',
        ]),
        ...(unlabelled > 0
          ? [
              `(${unlabelled} node${unlabelled === 1 ? '' : 's'} without a labelled anomaly in the scored ` +
                `steps: scored, not evaluated)`,
            ]
          : []),
        '',
        `report:  ${join(out, 'report.html')}  (open it in a browser: score timelines with the ground truth, tables)`,
        `results: ${join(out, 'results.jsonl')}, ` +
          `scores: ${join(out, 'scores', method)}${sim ? `, simulated cluster: ${join(out, 'data')}` : ''}`,
        '',
        'next:',
        ...(onAsd
          ? [
              `  driftwatch bench asd-loso --methods dense-divad-gm,iforest --servers 1 --epochs 5   # the ` +
                `paper's protocol, more methods`,
              `  driftwatch report bench-results/asd-loso --out asd.html`,
            ]
          : [
              '  driftwatch simulate --nodes 64 --steps 4000 --rewiring 0.02 --noise 0.2 --seed 1 --out ' +
                'sim64   # a larger cluster, on disk',
              '  driftwatch demo --simulate --method dense-divad-gm --epochs 5   # a deep detector on the ' +
                'same kind of data',
            ]),
        '  driftwatch --help',
        '',
      ].join('\n'),
    );
    return 0;
  },
};
