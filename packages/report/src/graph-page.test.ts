import type { GraphSnapshot } from '@driftwatch/contracts';
import { graphSnapshotPage } from './graph-page';

const snapshot: GraphSnapshot = {
  t: 60_000,
  nodes: ['gw', 'orders', 'db<main>'],
  edges: [
    { src: 0, dst: 1, kind: 'call', weight: 3 },
    { src: 1, dst: 2, kind: 'call', weight: 2.5 },
  ],
};

describe('graph snapshot page', () => {
  it('draws one heat-map cell per edge and lists the edges and degrees as given, escaped', async () => {
    const page = await graphSnapshotPage({
      title: 'calls, window 0',
      summary: '3 entities & 1 window',
      snapshot,
      figureTitle: '2 edges among 3 entities',
      topEdges: [
        { source: 'gw', target: 'orders', kind: 'call', weight: 3, meanUs: 1500, p95Us: 2000.4 },
        { source: 'orders', target: 'db<main>', kind: 'call', weight: 2.5 },
      ],
      nodes: [{ node: 'orders', inDegree: 1, outDegree: 1, inWeight: 3, outWeight: 2.5 }],
    });
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<title>calls, window 0</title>');
    expect(page).toContain('<div class="meta">3 entities &amp; 1 window</div>');
    expect(page.match(/aria-roledescription="rect mark"/g)?.length).toBe(snapshot.edges.length);
    // integer weights without decimals, others with three; latencies rounded to µs, blank where missing
    const cells = (texts: string[], cls = '') => texts.map((c) => `<td${cls}>${c}</td>`).join('');
    const row = (left: string[], right: string[]) => `<tr>${cells(left)}${cells(right, ' class="r"')}</tr>`;
    expect(page).toContain(row(['gw', 'orders', 'call'], ['3', '1500', '2000']));
    expect(page).toContain(row(['orders', 'db&lt;main&gt;', 'call'], ['2.500', '', '']));
    expect(page).toContain(row(['orders'], ['1', '1', '3.00', '2.50']));
    expect(page).toContain('hover a cell for the mean and p95 latency');
  });

  it('leaves the latency columns out when no edge has a latency', async () => {
    const topEdges = [{ source: 'gw', target: 'orders', kind: 'call' as const, weight: 3 }];
    const page = await graphSnapshotPage({ title: 't', summary: 's', snapshot, figureTitle: 'f', topEdges, nodes: [] });
    expect(page).not.toContain('mean µs');
    expect(page).not.toContain('hover a cell');
  });
});
