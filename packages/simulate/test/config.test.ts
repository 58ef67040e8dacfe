import { ParameterError } from '@driftwatch/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig, simulateCluster, SIMULATOR_VERSION } from '../src';

describe('configuration', () => {
  it('has the documented defaults: 32 nodes, 2000 steps, 5 metrics, graphs every 20 steps', () => {
    const c = resolveConfig();
    expect([c.nodes, c.steps, c.graphWindow, c.topology, c.roots, c.machines, c.rewiring, c.structuralNoise]).toEqual([
      32,
      2000,
      20,
      'layered',
      2,
      8,
      0.01,
      0.1,
    ]);
    expect([
      c.faults.count,
      c.faults.start,
      c.faults.delay,
      c.faults.attenuation,
      c.faults.labelFraction,
      c.faults.labelPropagated,
    ]).toEqual([20, 500, 2, 0.5, 0.5, true]);
    expect(c.faults.propagation).toEqual({
      'cpu-contention': 'co-located',
      'link-blockage': 'callers',
      'queue-buildup': 'callers',
      'process-failure': 'callers',
    });
    expect(c.autoscaleSteps).toBe(20);
    // short runs shrink the defaults that would not fit
    const short = resolveConfig({ steps: 100, faults: { start: 90 } });
    expect([short.graphWindow, short.faults.duration, short.faults.count]).toEqual([20, [10, 10], 1]);
    expect(resolveConfig({ steps: 12 }).graphWindow).toBe(12);
  });

  it('names the parameter and what it expects when a value is wrong', () => {
    const bad: [unknown, RegExp][] = [
      [{ nodes: 1 }, /^nodes must be an integer in \[2, 10000\], got 1$/],
      [{ steps: 10.5 }, /^steps must be an integer/],
      [{ rewiring: 1.5 }, /^rewiring must be a number in \[0, 1\], got 1.5$/],
      [{ structuralNoise: -0.1 }, /^structuralNoise must be a number in \[0, 1\]/],
      [{ topology: 'ring' }, /^topology must be 'layered' or 'dag', got "ring"$/],
      [{ workload: { amplitude: 1 } }, /^workload.amplitude must be a number in \[0, 1\), got 1$/],
      [{ workload: { rate: 3 } }, /^workload: unknown parameter rate; known: baseRate/],
      [{ nodez: 3 }, /^simulation config: unknown parameter nodez/],
      [
        { faults: { types: ['disk-full'] } },
        /^faults.types must be a non-empty list of cpu-contention, link-blockage, queue-buildup, process-failure/,
      ],
      [{ faults: { duration: [30, 10] } }, /^faults.duration must have min ≤ max, got \[30, 10\]$/],
      [
        { steps: 100, faults: { start: 90, duration: [20, 60] } },
        /^faults.start \(90\) \+ the longest fault \(60 steps\) exceeds the 100 steps/,
      ],
      [
        { faults: { schedule: [{ node: 40, type: 'link-blockage', start: 0, duration: 5 }] } },
        /^faults.schedule\[0\].node must be an integer in \[0, 31\], got 40$/,
      ],
      [
        { faults: { propagation: { 'link-blockage': 'sideways' } } },
        /^faults.propagation.link-blockage must be one of callers, callees, co-located, none/,
      ],
      [
        { nodes: 4, roots: 2 },
        /^a layered cluster of 4 nodes with 2 frontends and 1 database has 1 service, fewer than serviceTiers = 2: .*topology 'dag'$/,
      ],
      [{ autoscaleSteps: 0.5 }, /^autoscaleSteps must be 0 \(fixed capacities\) or a number ≥ 1/],
    ];
    const wrong = bad.flatMap(([options, message]) => {
      try {
        resolveConfig(options as never);
        return [`${JSON.stringify(options)} was accepted`];
      } catch (e) {
        return e instanceof ParameterError && message.test(e.message)
          ? []
          : [`${JSON.stringify(options)}: ${(e as Error).message}`];
      }
    });
    expect(wrong).toEqual([]);
    expect(() => simulateCluster({}, -1)).toThrow(/^seed must be an integer in \[0, 2\^32\), got -1$/);
  });

  it('accepts the smallest clusters of both topologies', () => {
    expect(simulateCluster({ nodes: 3, steps: 30, serviceTiers: 1, faults: { count: 0 } }, 1).series.entities).toEqual([
      'frontend-0',
      'svc1-0',
      'db-0',
    ]);
    expect(simulateCluster({ nodes: 2, steps: 30, topology: 'dag', faults: { count: 0 } }, 1).series.entities).toEqual([
      'entry-0',
      'node-0',
    ]);
  });

  it('reports the version of its package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    expect(SIMULATOR_VERSION).toBe(pkg.version);
  });
});
