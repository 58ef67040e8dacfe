import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DriftwatchError } from '@driftwatch/contracts';
import type { VegaLiteSpec } from '../specs/spec';

/*
 * vega and vega-lite are ES modules with top-level await, which neither `require` nor jest's module system can
 * load. A worker thread imports them natively by file URL (resolved here, so they are found wherever this
 * bundle runs) and renders every spec with the headless 'none' renderer: compile → parse → View → toSVG.
 */
const WORKER_CODE =
  `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const vega = await import(workerData.vegaUrl);
  const vegaLite = await import(workerData.vegaLiteUrl);
  const svgs = [];
  for (const spec of workerData.specs) {
    try {
      const warnings = [];
      const logger = { level() { return logger; }, error(...a) { throw new Error(a.join(' ')); }, ` +
  `warn(...a) { warnings.push(a.join(' ')); return logger; }, ` +
  `info() { return logger; }, debug() { return logger; } };
      const compiled = vegaLite.compile(spec, { logger }).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
      svgs.push({ svg: await view.toSVG(), warnings });
      view.finalize();
    } catch (error) {
      svgs.push({ error: String(error && error.message || error) });
    }
  }
  parentPort.postMessage(svgs);
})().catch((error) => parentPort.postMessage({ fatal: String(error && error.stack || error) }));
`;

type WorkerReply = { svg?: string; warnings?: string[]; error?: string }[] | { fatal: string };

/**
 * Renders Vega-Lite specs to SVG strings, in order. A spec that fails to render throws, naming its title; with
 * `strict`, so does one that compiles with warnings (a channel that cannot work, a dropped field): tests use it.
 */
export async function renderSvgs(
  specs: readonly VegaLiteSpec[],
  options: { strict?: boolean } = {},
): Promise<string[]> {
  if (specs.length === 0) return [];
  const workerData = {
    vegaUrl: pathToFileURL(require.resolve('vega')).href,
    vegaLiteUrl: pathToFileURL(require.resolve('vega-lite')).href,
    specs,
  };
  const worker = new Worker(WORKER_CODE, { eval: true, workerData });
  try {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new DriftwatchError(`the SVG renderer stopped (exit code ${code}) before answering`)),
      );
    });
    if (!Array.isArray(reply)) throw new DriftwatchError(`could not load vega to render the plots: ${reply.fatal}`);
    return reply.map((r, i) => {
      if (r.svg === undefined)
        throw new DriftwatchError(`plot ${JSON.stringify(titleOf(specs[i]))} did not render: ${r.error}`);
      if (options.strict && r.warnings && r.warnings.length > 0)
        throw new DriftwatchError(
          `plot ${JSON.stringify(titleOf(specs[i]))} rendered with warnings: ${r.warnings.join('; ')}`,
        );
      return r.svg;
    });
  } finally {
    await worker.terminate();
  }
}

function titleOf(spec: VegaLiteSpec): string {
  const t = spec.title;
  return typeof t === 'string'
    ? t
    : typeof t === 'object' && t !== null && 'text' in t
      ? String((t as { text: unknown }).text)
      : '(untitled)';
}
