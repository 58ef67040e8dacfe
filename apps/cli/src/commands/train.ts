import { resolve } from 'node:path';
import { initBackend, describeBackend, type BackendPreference } from '@driftwatch/models';
import { listOmniEntities } from '@driftwatch/ingest';
import { intOption, listOption, optionalString, requireString, type Command } from '../command';
import { dataRoot, datasetsLockSha256 } from '../workspace';
import {
  isDeepMethod,
  loadEntitySequences,
  makeDetector,
  methodParams,
  parseMethods,
  parseParamOverrides,
  prepareTrainingData,
  resolveEntities,
  trainingWindows,
} from '@driftwatch/experiments';
import { fitProgressReporter, progressBar } from '../progress';
import { UsageError } from '../cli-error';
import { trainDefinition } from './train.def';
import { parseDataset } from '../dataset-option';

export const train: Command = {
  ...trainDefinition,
  async run(values) {
    const [method] = parseMethods([requireString(values, 'method', train)]);
    const out = resolve(requireString(values, 'out', train));
    const dataset = parseDataset(optionalString(values, 'dataset'));
    const seed = intOption(values, 'seed', 0);
    const epochs = optionalString(values, 'epochs') === undefined ? undefined : intOption(values, 'epochs', 1, 1);
    const root = dataRoot(values);
    const available = await listOmniEntities(root, dataset);
    const holdOut = optionalString(values, 'hold-out');
    const listed = listOption(values, 'entities');
    if (holdOut && listed) throw new UsageError('give either --hold-out or --entities, not both');
    const excluded = holdOut ? resolveEntities([holdOut], available) : [];
    const entities = listed ? resolveEntities(listed, available) : available.filter((e) => !excluded.includes(e));
    const params = methodParams(method, dataset, parseParamOverrides(optionalString(values, 'params')), epochs);
    if (isDeepMethod(method))
      process.stderr.write(`${describeBackend(await initBackend((values.backend as BackendPreference) ?? 'auto'))}\n`);

    const sequences = await loadEntitySequences(root, dataset, entities);
    const data = prepareTrainingData(sequences);
    const detector = makeDetector(method, params);
    const windows = trainingWindows(data, detector.windowLength);
    const bar = progressBar(`${method} fit`, 1);
    const report = await detector.fit(windows.train, {
      seed,
      validation: windows.validation,
      onProgress: fitProgressReporter(bar),
    });
    bar.done(`${windows.train.count} training windows from ${entities.length} entities`);
    await detector.save(out, {
      featureNames: sequences[0].features,
      standardisation: data.standardisation,
      trainedOn: { dataset, sequences: sequences.map((s) => s.id), datasetsLockSha256: await datasetsLockSha256() },
    });
    detector.dispose();
    process.stdout.write(
      `saved ${method} to ${out} (${report.epochs} ` +
        'epochs' +
        (report.bestValLoss !== undefined ? `, best validation loss ${report.bestValLoss.toFixed(4)}` : '') +
        `, ${report.seconds.toFixed(1)} s)\n`,
    );
    return 0;
  },
};
