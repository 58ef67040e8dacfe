/**
 * A worker process of `runProtocol` with jobs > 1 (protocol-jobs.ts): reads the protocol's data and loads the
 * parent's tfjs backend once, then fits and scores the units it is sent, writing their score and latent files and
 * sending their results lines back. Built as its own entry (`protocol-worker.js` beside each bundle, tools/build.mjs).
 */
import type { ResultRecord } from '@driftwatch/contracts';
import { initBackend, type BackendPreference } from '@driftwatch/models';
import { runUnit, type UnitContext } from '../asd-loso';
import { loadProtocolData } from '../protocols';
import type { ProtocolTask, ProtocolWorkerEvent, ProtocolWorkerSetup } from './protocol-jobs';
import { serveTasks } from './process-pool';

let fits = 0;

serveTasks<ProtocolWorkerSetup, ProtocolTask, ResultRecord[], ProtocolWorkerEvent, UnitContext>({
  async setup(setup) {
    if (setup.backend && setup.backend.name !== 'js') await initBackend(setup.backend.candidate as BackendPreference);
    const data = await loadProtocolData(setup.source, setup.servers ? [...setup.servers] : undefined);
    // the parent sends the grid it resolved
    const smoothingGrid = setup.smoothingGrid!;
    return { options: setup, data, smoothingGrid };
  },
  run(context, task, emit) {
    return runUnit(context, task, {
      log: (line) => emit({ type: 'log', line }),
      fitting: (label) => {
        const fit = ++fits;
        emit({ type: 'fitting', fit, label });
        return {
          onProgress: (progress) => emit({ type: 'progress', fit, progress }),
          done: (result) => emit({ type: 'done', fit, result }),
        };
      },
    });
  },
});
