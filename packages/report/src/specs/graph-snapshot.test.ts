import type { GraphSnapshot } from '@driftwatch/contracts';
import { renderSvgs } from '../render/svg';
import { graphCells, graphSnapshotSpec } from './graph-snapshot';

const snapshot: GraphSnapshot = {
  t: 120_000,
  nodes: ['gw', 'orders', 'db', 'idle'],
  edges: [
    { src: 0, dst: 1, kind: 'call', weight: 3 },
    { src: 1, dst: 2, kind: 'call', weight: 7 },
    { src: 1, dst: 2, kind: 'contention', weight: 0.5 },
    { src: 2, dst: 1, kind: 'contention', weight: 0.5 },
  ],
};

describe('graph snapshot figure', () => {
  it('draws one cell per edge of the chosen kinds, over the nodes that have edges, sorted by name', () => {
    const { cells, order } = graphCells(snapshot, { kinds: ['call'] });
    expect(order).toEqual(['db', 'gw', 'orders']);
    expect(cells).toEqual([
      { source: 'gw', target: 'orders', kind: 'call', weight: 3 },
      { source: 'orders', target: 'db', kind: 'call', weight: 7 },
    ]);
    expect(
      graphCells(snapshot, { order: ['orders', 'db'] }).cells.map((c) => `${c.source}→${c.target} ${c.kind}`),
    ).toEqual(['orders→db call', 'orders→db contention', 'db→orders contention']);
  });

  it('renders without warnings: one rect per edge, node names on the axes; two kinds give two panels', async () => {
    const [single, faceted] = await renderSvgs(
      [graphSnapshotSpec(snapshot, { kinds: ['call'], title: 'calls' }), graphSnapshotSpec(snapshot)],
      { strict: true },
    );
    for (const name of ['gw', 'orders', 'db']) expect(single).toContain(`>${name}</text>`);
    expect(single).not.toContain('>idle</text>');
    // one rect mark per edge
    expect(single.match(/aria-roledescription="rect mark"/g)?.length).toBe(2);
    expect(single).toContain('aria-label="target (callee): db; source (caller): orders; weight: 7;');
    expect(faceted.match(/aria-roledescription="rect mark"/g)?.length).toBe(4);
    expect(faceted).toContain('>contention</text>');
  });

  it('uses a log colour scale when weights span more than a decade', () => {
    const wide: GraphSnapshot = {
      t: 0,
      nodes: ['a', 'b'],
      edges: [
        { src: 0, dst: 1, kind: 'call', weight: 1 },
        { src: 1, dst: 0, kind: 'call', weight: 11 },
      ],
    };
    const spec = graphSnapshotSpec(wide) as unknown as { encoding: { color: { scale: { type: string } } } };
    expect(spec.encoding.color.scale.type).toBe('log');
    const narrow = graphSnapshotSpec(snapshot, { kinds: ['call'] }) as unknown as {
      encoding: { color: { scale: { type: string } } };
    };
    expect(narrow.encoding.color.scale.type).toBe('linear');
  });
});
