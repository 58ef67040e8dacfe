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
    expect(page).toContain('<tr><td>gw</td><td>orders</td><td>call</td><td class="r">3</td><td class="r">1500</td><td class="r">2000</td></tr>');
    expect(page).toContain('<tr><td>orders</td><td>db&lt;main&gt;</td><td>call</td><td class="r">2.500</td><td class="r"></td><td class="r"></td></tr>');
    expect(page).toContain('<tr><td>orders</td><td class="r">1</td><td class="r">1</td><td class="r">3.00</td><td class="r">2.50</td></tr>');
    expect(page).toContain('hover a cell for the mean and p95 latency');
  });

  it('leaves the latency columns out when no edge has a latency', async () => {
    const page = await graphSnapshotPage({ title: 't', summary: 's', snapshot, figureTitle: 'f', topEdges: [{ source: 'gw', target: 'orders', kind: 'call', weight: 3 }], nodes: [] });
    expect(page).not.toContain('mean µs');
    expect(page).not.toContain('hover a cell');
  });
});
