import fc from 'fast-check';
import { ParameterError, mulberry32, shuffleInPlace } from '@driftwatch/contracts';
import { CallGraphBuilder, callGraphFromSpans, type SpanRow } from './call-graph';

const span = (
  traceId: string,
  spanId: string,
  parentId: string | null,
  service: string,
  startMs: number,
  durationUs: number,
): SpanRow => ({ traceId, spanId, parentId, service, startMs, durationUs });

/** Edges of every snapshot as `window start: caller→callee count mean p95`, names resolved. */
function edgeLines(result: ReturnType<typeof callGraphFromSpans>): string[] {
  return result.graph
    .snapshots()
    .flatMap((s) =>
      s.edges.map((e) => `${s.t}: ${s.nodes[e.src]}→${s.nodes[e.dst]} ${e.weight} ${e.meanUs} ${e.p95Us}`),
    );
}

describe('call graph from spans, hand-worked', () => {
  // trace A: gw → orders → db, a later gw → orders in the next minute, and orders → orders (a self-call)
  // trace B: b2 (db) arrives before its parent b1 (orders); b1's own parent b0 never arrives
  const spans = [
    span('A', 'a1', null, 'gw', 1000, 500),
    span('A', 'a2', 'a1', 'orders', 1100, 300),
    span('B', 'b2', 'b1', 'db', 2000, 200),
    span('A', 'a3', 'a2', 'db', 1200, 100),
    span('A', 'a4', 'a1', 'orders', 61_000, 700),
    span('A', 'a5', 'a2', 'orders', 1300, 50),
    span('B', 'b1', 'b0', 'orders', 1900, 400),
  ];

  it('counts calls per minute with mean and nearest-rank p95 of the child durations', () => {
    const result = callGraphFromSpans(spans, { windowMs: 60_000 });
    expect(result.graph.entities).toEqual(['gw', 'orders', 'db']);
    expect(edgeLines(result)).toEqual([
      '0: gw→orders 1 300 300',
      // a3 (100 µs) and b2 (200 µs): mean 150, p95 = the ⌈0.95·2⌉ = 2nd smallest
      '0: orders→db 2 150 200',
      '60000: gw→orders 1 700 700',
    ]);
    // peak: the 7 spans remembered plus b1 waiting for b0
    expect(result.stats).toEqual({
      spans: 7,
      roots: 1,
      calls: 4,
      selfCalls: 1,
      unmatchedParents: 1,
      evictedTraces: 0,
      peakOpenSpans: 8,
    });
  });

  it('keeps self-calls when asked, and cuts windows from the origin', () => {
    const result = callGraphFromSpans(spans, { windowMs: 60_000, selfCalls: true, originMs: 1150 });
    // origin 1150: a2 (1100) falls in window −1; a3, a5, b2 (1200–2000) and a4 (61,000 < 61,150) in window 0
    expect(edgeLines(result)).toEqual([
      '-58850: gw→orders 1 300 300',
      '1150: gw→orders 1 700 700',
      '1150: orders→orders 1 50 50',
      '1150: orders→db 2 150 200',
    ]);
    expect(result.stats.selfCalls).toBe(0);
    expect(result.stats.calls).toBe(5);
  });

  it('gives the same graph whatever the order the spans come in', () => {
    const expected = edgeLines(callGraphFromSpans(spans, { windowMs: 60_000 }));
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const shuffled = [...spans];
        const order = shuffleInPlace(
          Float64Array.from(shuffled, (_, i) => i),
          mulberry32(seed),
        );
        // entity indices follow first appearance, so compare the edges as a set
        expect(
          edgeLines(
            callGraphFromSpans(
              Array.from(order, (i) => shuffled[i]),
              { windowMs: 60_000 },
            ),
          ).sort(),
        ).toEqual([...expected].sort());
      }),
      { numRuns: 50 },
    );
  });

  it('forgets the least recently active trace past maxOpenSpans (sequence traced by hand)', () => {
    const seq = [
      span('X', 'x1', null, 'gw', 0, 1),
      span('Y', 'y1', null, 'gw', 0, 1),
      span('Y', 'y2', 'y1', 'db', 0, 1),
      span('X', 'x2', 'x1', 'api', 0, 1),
    ];
    // y2 brings 3 open spans > 2: X (x1) goes; x2 then re-opens X, waits for x1 (4 held) and Y goes
    const limited = callGraphFromSpans(seq, { windowMs: 1000, maxOpenSpans: 2 });
    expect(edgeLines(limited)).toEqual(['0: gw→db 1 1 1']);
    expect(limited.stats).toEqual({
      spans: 4,
      roots: 2,
      calls: 1,
      selfCalls: 0,
      unmatchedParents: 1,
      evictedTraces: 2,
      peakOpenSpans: 4,
    });
    const unlimited = callGraphFromSpans(seq, { windowMs: 1000 });
    expect(edgeLines(unlimited)).toEqual(['0: gw→db 1 1 1', '0: gw→api 1 1 1']);
    expect(unlimited.stats.unmatchedParents).toBe(0);
  });

  it('a window with spans but no calls is an empty snapshot', () => {
    const result = callGraphFromSpans(
      [
        span('R', 'r1', null, 'gw', 5000, 10),
        span('S', 's1', null, 'gw', 130_000, 10),
        span('S', 's2', 's1', 'api', 130_500, 10),
      ],
      { windowMs: 60_000 },
    );
    expect(result.graph.snapshots().map((s) => [s.t, s.edges.length])).toEqual([
      [0, 0],
      [120_000, 1],
    ]);
    expect(result.graph.snapshots({ fill: true }).map((s) => s.t)).toEqual([0, 60_000, 120_000]);
  });

  it('rejects bad spans and settings', () => {
    const b = new CallGraphBuilder({ windowMs: 1000 });
    expect(() => b.add(span('', 'a', null, 's', 0, 1))).toThrow(ParameterError);
    expect(() => b.add(span('t', 'a', null, 's', 0, -1))).toThrow(/duration/);
    expect(() => b.add(span('t', 'a', null, 's', NaN, 1))).toThrow(/starts/);
    expect(() => b.add(span('t', 'a', null, '', 0, 1))).toThrow(/service/);
    expect(() => new CallGraphBuilder({ windowMs: 0 })).toThrow(ParameterError);
    expect(() => new CallGraphBuilder({ windowMs: 10, maxOpenSpans: 0 })).toThrow(ParameterError);
    b.finish();
    expect(() => b.add(span('t', 'a', null, 's', 0, 1))).toThrow(/after finish/);
  });
});

/**
 * Random traces: trees over 6 services, starts over 4 minutes, some spans dropped so their children lose the parent.
 */
function randomSpans(seed: number, traces: number): SpanRow[] {
  const random = mulberry32(seed);
  const services = ['gw', 'auth', 'orders', 'db', 'cache', 'pay'];
  const spans: SpanRow[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = `t${t}`;
    const size = 1 + Math.floor(random() * 12);
    const base = Math.floor(random() * 240_000);
    for (let s = 0; s < size; s++) {
      if (s > 0 && random() < 0.05) continue; // a span that never arrived
      const parent = s === 0 ? null : `s${Math.floor(random() * s)}`;
      spans.push(
        span(
          traceId,
          `s${s}`,
          parent,
          services[Math.floor(random() * services.length)],
          base + Math.floor(random() * 90_000),
          Math.floor(random() * 50_000),
        ),
      );
    }
  }
  return shuffleInPlace(
    Float64Array.from(spans, (_, i) => i),
    random,
  ).reduce<SpanRow[]>((out, i) => (out.push(spans[i]), out), []);
}

/** The call graph by brute force: every span in memory, parents looked up, exact statistics by sorting. */
function bruteForce(
  spans: readonly SpanRow[],
  windowMs: number,
): Map<string, { count: number; mean: number; p95: number }> {
  const serviceOf = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s.service]));
  const groups = new Map<string, number[]>();
  for (const s of spans) {
    if (s.parentId === null) continue;
    const caller = serviceOf.get(`${s.traceId}/${s.parentId}`);
    if (caller === undefined || caller === s.service) continue;
    const key = `${Math.floor(s.startMs / windowMs) * windowMs}: ${caller}→${s.service}`;
    groups.set(key, [...(groups.get(key) ?? []), s.durationUs]);
  }
  const out = new Map<string, { count: number; mean: number; p95: number }>();
  for (const [key, d] of groups) {
    const sorted = [...d].sort((a, b) => a - b);
    out.set(key, {
      count: d.length,
      mean: d.reduce((a, b) => a + b, 0) / d.length,
      p95: sorted[Math.ceil(0.95 * d.length) - 1],
    });
  }
  return out;
}

describe('call graph from spans against brute force', () => {
  it('matches counts and means exactly, p95 exactly when kept exact and within 1 % when sketched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const spans = randomSpans(seed, 120);
        const expected = bruteForce(spans, 60_000);
        for (const exactLatencies of [1e9, 4]) {
          const { graph } = callGraphFromSpans(spans, { windowMs: 60_000, exactLatencies });
          const got = new Map<string, { count: number; mean: number; p95: number }>();
          for (const s of graph.snapshots())
            for (const e of s.edges)
              got.set(`${s.t}: ${s.nodes[e.src]}→${s.nodes[e.dst]}`, {
                count: e.weight,
                mean: e.meanUs!,
                p95: e.p95Us!,
              });
          expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
          for (const [key, want] of expected) {
            const g = got.get(key)!;
            expect(g.count).toBe(want.count);
            expect(g.mean).toBeCloseTo(want.mean, 6);
            if (exactLatencies > 1e6) expect(g.p95).toBe(want.p95);
            else expect(Math.abs(g.p95 - want.p95)).toBeLessThanOrEqual(0.01 * want.p95 + 1e-9);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('holds at most maxOpenSpans plus one trace while reading 200,000 spans of contiguous traces', () => {
    const builder = new CallGraphBuilder({ windowMs: 60_000, maxOpenSpans: 100 });
    const services = ['gw', 'orders', 'db', 'cache'];
    let spans = 0;
    for (let t = 0; t < 20_000; t++) {
      // a chain gw → orders → db → cache → gw … of 10 spans, parents first
      for (let s = 0; s < 10; s++) {
        builder.add(span(`t${t}`, `s${s}`, s === 0 ? null : `s${s - 1}`, services[s % 4], t * 30, 10));
        spans++;
      }
    }
    const { graph, stats } = builder.finish();
    expect(stats.spans).toBe(spans);
    expect(stats.peakOpenSpans).toBeLessThanOrEqual(100 + 10);
    expect(stats.unmatchedParents).toBe(0);
    expect(stats.calls).toBe(20_000 * 9);
    // traces start every 30 ms over 600 s: 10 minutes, 4 distinct edges in each
    expect(graph.windowCount).toBe(10);
    expect(graph.snapshots().every((s) => s.edges.length === 4)).toBe(true);
    expect(graph.snapshots().reduce((n, s) => n + s.edges.reduce((m, e) => m + e.weight, 0), 0)).toBe(20_000 * 9);
  });
});
