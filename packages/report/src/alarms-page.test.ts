import { alarmsPage, alarmTimelines, type AlarmsPage } from './alarms-page';

const T0 = Date.UTC(2026, 0, 2);
const MINUTE = 60_000;

/** web-1 with times (alarm on records 5..7, peak 6); db-1 without times and without alarms; NaN = warm-up. */
function page(): AlarmsPage {
  const smoothed = [NaN, NaN, 0.1, 0.2, 0.1, 3, 4, 2, 0.3, 0.2];
  return {
    title: 'alarms of scores.csv',
    summary: 'mahalanobis, POT threshold',
    series: [
      {
        entity: 'web-1',
        timestamps: smoothed.map((_, i) => T0 + i * MINUTE),
        smoothed,
        threshold: 1.5,
      },
      { entity: 'db-1', smoothed: [NaN, 0.5, 0.4, 0.6], threshold: 1 },
    ],
    episodes: [
      {
        entity: 'web-1',
        firstRecord: 5,
        lastRecord: 7,
        peakRecord: 6,
        peakScore: 4,
        topFeatures: [
          { name: 'latency_ms', share: 0.71 },
          { name: 'cpu', share: 0.2 },
        ],
      },
    ],
    labels: [{ entity: 'web-1', first: 4, last: 6, type: 'latency' }],
  };
}

/** The inline data of the layer drawn with `mark`, by index among the layers with that mark. */
function layerData(spec: unknown, mark: string, k = 0): Record<string, unknown>[] {
  const layers = (spec as { layer: { mark: { type: string }; data: { values: Record<string, unknown>[] } }[] }).layer;
  return layers.filter((l) => l.mark.type === mark)[k].data.values;
}

describe('alarms page', () => {
  it('places episodes, labels and the score line at the records’ times, leaving unscored records out', () => {
    const [web, db] = alarmTimelines(page());
    expect(layerData(web, 'rect', 1)).toEqual([
      { start: T0 + 5 * MINUTE, end: T0 + 7 * MINUTE, peak: T0 + 6 * MINUTE, peakScore: 4, label: 'latency_ms, cpu' },
    ]);
    expect(layerData(web, 'rect', 0)).toEqual([{ start: T0 + 4 * MINUTE, end: T0 + 6 * MINUTE, type: 'latency' }]);
    expect(layerData(web, 'line').map((p) => p.x)).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((i) => T0 + i * MINUTE));
    // without times the axis is the record index
    expect(layerData(db, 'line')).toEqual([
      { x: 1, smoothed: 0.5 },
      { x: 2, smoothed: 0.4 },
      { x: 3, smoothed: 0.6 },
    ]);
    // nothing to shade: no rect layers at all (an empty layer makes Vega warn)
    expect((db as { layer: { mark: { type: string } }[] }).layer.map((l) => l.mark.type)).toEqual(['line', 'rule']);
  });

  it('renders without plot warnings and lists each episode with its top features', async () => {
    const html = await alarmsPage(page(), { strict: true });
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain(
      '<td>web-1</td><td>2026-01-02T00:05:00Z</td><td>2026-01-02T00:07:00Z</td><td class="r">3</td>' +
        '<td class="r">4.000</td><td>latency_ms 71%, cpu 20%</td>',
    );
    const quiet = await alarmsPage({ ...page(), episodes: [], labels: undefined });
    expect(quiet).toContain('No alarm');
  });
});
