import { resolve } from 'node:path';
import { isDeepMethod } from '@driftwatch/experiments';
import { initBackend, readManifest, type BackendPreference } from '@driftwatch/models';
import {
  ServeLoop,
  checkConfigAgainstPlan,
  loadServeModel,
  parseShard,
  readServeConfig,
  startHttpServer,
} from '@driftwatch/serve';
import { intOption, optionalString, requireString, type Command } from '../command';
import { UsageError } from '../cli-error';
import { serveDefinition } from './serve.def';

export const serve: Command = {
  ...serveDefinition,
  async run(values) {
    const modelDir = resolve(requireString(values, 'model', serve));
    const prometheus = requireString(values, 'prometheus', serve);
    const configFile = resolve(requireString(values, 'config', serve));
    const port = intOption(values, 'port', 9464, 0);
    const top = intOption(values, 'top', 3, 1);
    const thresholdText = optionalString(values, 'threshold');
    const threshold = thresholdText === undefined ? undefined : Number(thresholdText);
    if (threshold !== undefined && !Number.isFinite(threshold))
      throw new UsageError(`--threshold expects a number, got '${thresholdText}'`);
    const shardText = optionalString(values, 'shard');
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    const stateText = optionalString(values, 'state');
    const config = await readServeConfig(configFile);
    const manifest = await readManifest(modelDir);
    if (isDeepMethod(manifest.detector)) await initBackend((values.backend as BackendPreference) ?? 'auto');
    const model = await loadServeModel(modelDir);
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    try {
      checkConfigAgainstPlan(config, model.plan, configFile);
      const loop = new ServeLoop({
        model,
        config,
        prometheus,
        shard,
        statePath: stateText === undefined ? undefined : resolve(stateText),
        threshold,
        top,
        log,
      });
      if ((await loop.checkQueries()) === 'unreachable')
        log(`${prometheus} does not answer yet: the queries are checked by the first round that gets an answer`);
      const resumed = await loop.resume();
      if (resumed > 0) log(`resumed ${resumed} entities from ${stateText}`);
      const http = await startHttpServer(loop, port, optionalString(values, 'host') ?? '127.0.0.1');
      process.stdout.write(
        `serving ${model.manifest.detector} on ${http.url} (/metrics, /api/alerts, /healthz, /), ` +
          `scoring ${prometheus} every ${config.intervalMs / 1000} s` +
          (shard ? ` as shard ${shard.index}/${shard.count}` : '') +
          '\n',
      );
      let fatal: Error | undefined;
      await new Promise<void>((done) => {
        loop.start((error) => {
          fatal = error;
          done();
        });
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
      if (!fatal) log('stopping: finishing the current round');
      await loop.stop();
      await http.close();
      if (fatal) throw fatal;
      return 0;
    } finally {
      model.detector.dispose();
    }
  },
};
