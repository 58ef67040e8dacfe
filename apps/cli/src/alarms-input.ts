/**
 * What `driftwatch report <scores file>` draws: the record-score file `driftwatch score --input` wrote, its
 * episodes file beside it, and optionally a labels file, as the report package's AlarmsPage.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { DriftwatchError } from '@driftwatch/contracts';
import {
  applyLabels,
  checkLabelEntities,
  episodesPathFor,
  labelTypes,
  readEpisodes,
  readLabelFile,
  readRecordScores,
  recordScoreFormatOf,
  type EntityRecordScores,
} from '@driftwatch/ingest';
import type { AlarmsPage, LabelledRecords } from '@driftwatch/report';

/** Whether a report argument names a record-score file (by extension) rather than benchmark results. */
export function isRecordScorePath(path: string): boolean {
  return recordScoreFormatOf(path) !== undefined;
}

/** The record with the largest smoothed score in [first, last] (the file keeps the peak's time, not its record). */
function peakRecord(s: EntityRecordScores, first: number, last: number): number {
  let best = first;
  for (let r = first + 1; r <= last; r++)
    if (Number.isNaN(s.smoothed[best]) || s.smoothed[r] > s.smoothed[best]) best = r;
  return best;
}

/** Labelled ranges of a labels file in records of the score file's entities. */
async function labelledRecords(path: string, series: EntityRecordScores[]): Promise<LabelledRecords[]> {
  const lines = await readLabelFile(path);
  checkLabelEntities(
    lines,
    series.map((s) => s.entity),
    path,
  );
  const types = labelTypes(lines);
  return series.flatMap((s) => {
    const labelled = applyLabels(
      {
        id: s.entity,
        entity: s.entity,
        domain: s.entity,
        features: [],
        values: new Float32Array(0),
        length: s.score.length,
        timestamps: s.timestamps,
      },
      lines,
      types,
      path,
    );
    return (labelled.ranges ?? []).map((r) => ({
      entity: s.entity,
      first: r.start,
      last: r.end - 1,
      type: r.eventType,
    }));
  });
}

export interface AlarmsInputOptions {
  /** default: the score file's episodes file (`episodesPathFor`) */
  episodes?: string;
  labels?: string;
  title?: string;
}

export async function loadAlarmsPage(scoresPath: string, options: AlarmsInputOptions = {}): Promise<AlarmsPage> {
  const series = await readRecordScores(scoresPath);
  const episodesPath = options.episodes ?? episodesPathFor(scoresPath);
  if (!existsSync(episodesPath))
    throw new DriftwatchError(
      `${episodesPath}: no episodes file beside ${scoresPath}; name it with --episodes (score --input writes it)`,
    );
  const byEntity = new Map(series.map((s) => [s.entity, s]));
  const episodes = (await readEpisodes(episodesPath)).map((e) => {
    const s = byEntity.get(e.entity);
    if (!s || e.lastRecord >= s.score.length)
      throw new DriftwatchError(
        `${episodesPath}: the episode of ${JSON.stringify(e.entity)} at records ${e.firstRecord}..${e.lastRecord} ` +
          `is not in ${scoresPath}: are the two files from the same score run?`,
      );
    return { ...e, peakRecord: peakRecord(s, e.firstRecord, e.lastRecord) };
  });
  const records = series.reduce((n, s) => n + s.score.length, 0);
  const thresholds = [...new Set(series.map((s) => s.threshold[0]))];
  return {
    title: options.title ?? `Alarms in ${basename(scoresPath)}`,
    summary:
      `${series.length} entities, ${records} records, ${episodes.length} alarm episodes; ` +
      `threshold ${thresholds.map((t) => t.toPrecision(4)).join(', ')}`,
    series: series.map((s) => ({
      entity: s.entity,
      timestamps: s.timestamps ? Float64Array.from(s.timestamps, Number) : undefined,
      smoothed: s.smoothed,
      threshold: s.threshold[0],
    })),
    episodes,
    labels: options.labels ? await labelledRecords(options.labels, series) : undefined,
  };
}
