import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateExampleMetrics } from '@driftwatch/simulate';
import { exampleTrainRange, writeExampleMetricsFiles } from '@driftwatch/simulate/files';
import { UsageError } from '../cli-error';
import { commandLine, intOption, requireString, type Command } from '../command';
import { writeFolderAtomic } from '../output-folder';
import { exampleMetricsDefinition } from './example-metrics.def';

export const exampleMetrics: Command = {
  ...exampleMetricsDefinition,
  async run(values, _positionals, argv) {
    const out = requireString(values, 'out', exampleMetrics);
    if (existsSync(out) && !values.force) throw new UsageError(`${out} exists (use --force to replace it)`);
    const options = {
      entities: intOption(values, 'entities', 5, 1),
      metrics: intOption(values, 'metrics', 10, 1),
      days: intOption(values, 'days', 2, 1),
      trainingDays: intOption(values, 'training-days', 1, 0),
      episodesPerDay: intOption(values, 'episodes', 3, 0),
    };
    const seed = intOption(values, 'seed', 0);
    let ex;
    try {
      ex = generateExampleMetrics(options, seed);
    } catch (error) {
      // the library names its option; say it as the flag
      if (!(error instanceof RangeError)) throw error;
      const flag = error.message
        .replace(/^episodesPerDay\b/, '--episodes')
        .replace(/^trainingDays\b/, '--training-days')
        .replace(/^(\w+)/, '--$1');
      throw new UsageError(flag);
    }
    let files: string[] = [];
    await writeFolderAtomic(out, Boolean(values.force), async (dir) => {
      files = await writeExampleMetricsFiles(dir, ex, commandLine(argv));
    });
    const range = exampleTrainRange(ex);
    process.stdout.write(
      [
        `${out}: ${ex.entities.length} servers × ${ex.metrics.length} metrics × ${ex.steps} records ` +
          `(one per ${ex.options.stepMs / 1000} s, seed ${seed}); ${ex.episodes.length} injected episodes`,
        `  files: ${files.join(', ')}`,
        ...(range
          ? [
              `  training period (clean): ${range}`,
              `  next: driftwatch train --input ${join(out, 'metrics.csv')} --train-range ${range} ` +
                `--method mahalanobis --out ${join(out, 'model')}`,
            ]
          : []),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
