/**
 * Benchmark grid files: methods × hyperparameters × learning rates × smoothing factors, as JSON:
 *
 *   { "methods": { "iforest": { "params": { "nEstimators": [50, 100, 200] } },
 *                  "dense-divad-gm": { "params": { "latentDim": [8, 16] }, "learningRates": [1e-4, 3e-4] } },
 *     "smoothing": [0, 0.9, 0.99] }
 *
 * Every combination of a method's parameter lists is one grid point; its learning rate is chosen by validation
 * loss among `learningRates` (docs/divad.md §3.3), never by test labels.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { describeJson, entryOf, parseJsonWithPositions, plainValue, type JsonNode } from '@driftwatch/ingest';
import { isDetectorId, type DetectorId } from '@driftwatch/models';

export interface GridMethod {
  method: DetectorId;
  /** parameter name → the values it takes */
  params: Record<string, unknown[]>;
  learningRates?: number[];
}

export interface GridFile {
  methods: GridMethod[];
  smoothing?: number[];
}

/** One configuration a benchmark runs on every held-out entity: a method, its grid values, its learning rates. */
export interface BenchmarkConfig {
  method: DetectorId;
  /** parameter values of a grid point (empty outside a grid) */
  point: Record<string, unknown>;
  /** stable short id of (method, point) when it comes from a grid file: names score files, marks results lines */
  id?: string;
  /** learning rates to select among by validation loss (deep methods) */
  learningRates?: number[];
}

/** One configuration of the grid: a method with one value per grid parameter. */
export interface GridPoint extends BenchmarkConfig {
  id: string;
}

/** One configuration per method with its defaults, outside a grid file. */
export function methodConfigs(methods: readonly DetectorId[], learningRates?: number[]): BenchmarkConfig[] {
  return methods.map((method) => ({ method, point: {}, learningRates }));
}

function fail(file: string, node: JsonNode, expected: string): never {
  throw new InputError({ file, line: node.at.line, column: node.at.column }, expected, describeJson(node));
}

function numbers(file: string, node: JsonNode, what: string, check: (x: number) => boolean): number[] {
  if (node.kind !== 'array' || node.items.length === 0) fail(file, node, `${what}: a non-empty list of numbers`);
  return node.items.map((item) => (item.kind === 'number' && check(item.value) ? item.value : fail(file, item, what)));
}

/** Reads and checks a grid file; every mistake is an InputError at its line and column. */
export async function readGridFile(file: string): Promise<GridFile> {
  const root = parseJsonWithPositions(await readFile(file, 'utf8'), file);
  if (root.kind !== 'object') fail(file, root, 'a JSON object with "methods"');
  for (const e of root.entries) {
    if (e.key !== 'methods' && e.key !== 'smoothing')
      throw new InputError({ file, line: e.keyAt.line, column: e.keyAt.column }, '"methods" or "smoothing"', e.key);
  }
  const methodsNode = entryOf(root, 'methods')?.value;
  if (!methodsNode || methodsNode.kind !== 'object' || methodsNode.entries.length === 0)
    fail(file, methodsNode ?? root, '"methods": an object with at least one method id');
  const methods = methodsNode.entries.map(({ key, keyAt, value }): GridMethod => {
    if (!isDetectorId(key)) throw new InputError({ file, line: keyAt.line, column: keyAt.column }, 'a method id', key);
    if (value.kind !== 'object') fail(file, value, `"${key}": an object with "params" and/or "learningRates"`);
    const params: Record<string, unknown[]> = {};
    let learningRates: number[] | undefined;
    for (const e of value.entries) {
      if (e.key === 'learningRates') learningRates = numbers(file, e.value, 'learning rates > 0', (x) => x > 0);
      else if (e.key === 'params') {
        if (e.value.kind !== 'object') fail(file, e.value, '"params": an object of parameter → list of values');
        for (const p of e.value.entries) {
          if (p.value.kind !== 'array' || p.value.items.length === 0)
            fail(file, p.value, `"${p.key}": a non-empty list of values`);
          params[p.key] = plainValue(p.value) as unknown[];
        }
      } else
        throw new InputError(
          { file, line: e.keyAt.line, column: e.keyAt.column },
          '"params" or "learningRates"',
          e.key,
        );
    }
    return { method: key, params, ...(learningRates ? { learningRates } : {}) };
  });
  // counted, not expanded: a few lists of a few hundred values each multiply to millions of points
  const count = gridPointCount(methods);
  if (count > MAX_GRID_POINTS)
    throw new InputError(
      { file, line: methodsNode.at.line, column: methodsNode.at.column },
      `a grid of at most ${MAX_GRID_POINTS.toLocaleString('en-US')} points (each one trains a detector)`,
      `${count.toLocaleString('en-US')} points`,
    );
  const smoothingNode = entryOf(root, 'smoothing')?.value;
  const smoothing = smoothingNode
    ? numbers(file, smoothingNode, 'smoothing factors in [0, 1)', (x) => x >= 0 && x < 1)
    : undefined;
  return { methods, ...(smoothing ? { smoothing } : {}) };
}

/** Cartesian product of the parameter lists, the first parameter varying slowest. */
export function cartesianProduct(params: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(params).reduce<Record<string, unknown>[]>(
    (points, [key, values]) => points.flatMap((p) => values.map((v) => ({ ...p, [key]: v }))),
    [{}],
  );
}

/** Stable id of a grid point: the first 8 hex digits of sha256(method + sorted JSON of the point). */
export function gridPointId(method: string, point: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(point).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256')
    .update(`${method}\u0000${JSON.stringify(sorted)}`)
    .digest('hex')
    .slice(0, 8);
}

/** Largest grid a file may describe: every point is a training run, and expanding 24 million filled the heap. */
export const MAX_GRID_POINTS = 100_000;

/** Points of a grid without expanding it: Σ over methods of Π over parameters of the number of values. */
export function gridPointCount(methods: readonly GridMethod[]): number {
  return methods.reduce((sum, m) => sum + Object.values(m.params).reduce((product, v) => product * v.length, 1), 0);
}

export function gridPoints(grid: GridFile): GridPoint[] {
  const count = gridPointCount(grid.methods);
  if (count > MAX_GRID_POINTS)
    throw new ParameterError(`a grid of ${count.toLocaleString('en-US')} points; at most ${MAX_GRID_POINTS} allowed`);
  return grid.methods.flatMap(({ method, params, learningRates }) =>
    cartesianProduct(params).map((point) => ({
      method,
      point,
      id: gridPointId(method, point),
      ...(learningRates ? { learningRates } : {}),
    })),
  );
}
