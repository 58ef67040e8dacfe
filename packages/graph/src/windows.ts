import { ParameterError } from '@driftwatch/contracts';

/**
 * What a graph's time axis counts: milliseconds (graphs from spans and placements) or steps of a
 * NodeSeries (correlation graphs), whose snapshots can go straight into `NodeSeries.graphs`.
 */
export type TimeUnit = 'ms' | 'step';

/**
 * The windows a dynamic graph is cut into: window k is [origin + k·width, origin + (k+1)·width), k any
 * integer. Every snapshot of a dynamic graph covers one window (docs/spatiotemporal.md §1: one A_obs(t) per
 * window).
 */
export interface WindowGrid {
  /** window length, > 0, in `unit` */
  width: number;
  /** start of window 0, in `unit` */
  origin: number;
  unit: TimeUnit;
}

/** Throws a ParameterError naming `where` unless the grid has a positive finite width and a finite origin. */
export function checkGrid(grid: WindowGrid, where: string): void {
  if (!(Number.isFinite(grid.width) && grid.width > 0))
    throw new ParameterError(`${where}: window length must be a positive number, got ${grid.width}`);
  if (!Number.isFinite(grid.origin))
    throw new ParameterError(`${where}: window origin must be a finite number, got ${grid.origin}`);
  if (grid.unit === 'step' && !(Number.isInteger(grid.width) && Number.isInteger(grid.origin))) {
    throw new ParameterError(
      `${where}: windows in steps need an integer length and origin, got ${grid.width} and ${grid.origin}`,
    );
  }
}

/** k = ⌊(t − origin) / width⌋: the window holding time t. */
export function windowOf(t: number, grid: WindowGrid): number {
  return Math.floor((t - grid.origin) / grid.width);
}

/** Start of window k: origin + k·width. */
export function windowStart(k: number, grid: WindowGrid): number {
  return grid.origin + k * grid.width;
}

/**
 * The windows an interval [start, end) overlaps, as [first, last]: first = ⌊(start − origin)/width⌋,
 * last = ⌈(end − origin)/width⌉ − 1. An instant (end = start) lies in the window of its start.
 */
export function windowsOverlapped(start: number, end: number, grid: WindowGrid): [number, number] {
  const first = windowOf(start, grid);
  if (end <= start) return [first, first];
  return [first, Math.max(first, Math.ceil((end - grid.origin) / grid.width) - 1)];
}

/** |[a0, a1) ∩ [b0, b1)| = max(0, min(a1, b1) − max(a0, b0)). */
export function overlapLength(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}
