/**
 * `simulateCluster(config, seed)`: a cluster of N nodes over T steps with exact ground truth
 * (docs/spatiotemporal.md §3–§4: node scale, drift rate and structural noise under control).
 *
 * Per window of `graphWindow` steps: the call graph drifts (rewiring), the true and observed graphs are
 * emitted. Per step: external requests enter at the entries and flow along the calls; each node's
 * metrics follow from its load (node-model.ts); faults act where their records say (faults.ts); every
 * metric gets measurement noise.
 */
import { ParameterError, type GraphSnapshot, type NodeSeries } from '@driftwatch/contracts';
import {
  FAULT_TYPES,
  METRICS,
  resolveConfig,
  type FaultSpec,
  type SimulationConfig,
  type SimulationOptions,
} from './config';
import { faultIntensities, faultRecords, groundTruth, randomFaultSchedule, type FaultRecord } from './faults';
import {
  NO_FAULTS,
  PROPAGATED_IMPACT,
  plannedCapacity,
  combinedErrors,
  endToEndLatency,
  noisyMetrics,
  nodeStep,
  type NodeFaults,
  type NodeProfile,
  type NodeState,
} from './node-model';
import { STREAMS, streamNormal, streamUniform } from './random';
import { observedSnapshot } from './structural-noise';
import {
  callSnapshot,
  clusterLayout,
  initialCallGraph,
  rewireEdges,
  routingFractions,
  type CallEdge,
  type ClusterLayout,
  type NodeRole,
  type RewiringStats,
} from './topology';
import { entryProfiles, externalRates, propagateLoad } from './workload';

/** Bumped with the package version; written into simulation.json so a data set names what made it. */
export const SIMULATOR_VERSION = '0.1.0';

export interface Simulation {
  config: SimulationConfig;
  seed: number;
  /** observed metrics, labels, events and observed graphs */
  series: NodeSeries;
  /** the call graph per window, weights = routing fractions p_ij */
  trueGraphs: GraphSnapshot[];
  /** every fault effect, roots and propagated, labelled or not */
  faults: FaultRecord[];
  /** the root faults as injected */
  rootFaults: FaultSpec[];
  layout: Pick<ClusterLayout, 'roles' | 'tier' | 'roots' | 'placement'>;
  /** offered requests per step, `load[t·N + i]`, before faults and noise */
  load: Float64Array;
  /** external requests per step entering each node (non-zero only at the entries), `external[t·N + i]` */
  external: Float64Array;
  /**
   * requests per step each node can serve, `capacity[t·N + i]` (capacity planning follows the mean load the current
   * graph sends)
   */
  capacity: Float64Array;
  profiles: NodeProfile[];
  rewiring: RewiringStats;
}

/** Share of its initial capacity below which planning never shrinks a node. */
const MINIMUM_CAPACITY_SHARE = 0.25;

/** Mean service time (ms) by role, before each node's factor in [0.5, 1.5]. */
const SERVICE_MS: Record<NodeRole, number> = { frontend: 20, service: 30, database: 8, entry: 20, node: 25 };

/** Simulates a cluster; the same options and seed give the same output, bit for bit. */
export function simulateCluster(options: SimulationOptions = {}, seed = 0): Simulation {
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
    throw new ParameterError(`seed must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  const config = resolveConfig(options);
  const { nodes: N, steps: T, graphWindow: W } = config;
  const F = METRICS.length;
  const layout = clusterLayout(config, streamUniform(seed, STREAMS.placement));
  const R = layout.roots.length;

  // graphs of every window first: faults propagate over the graph in force when they start
  const rewiringUniform = streamUniform(seed, STREAMS.rewiring);
  const structureUniform = streamUniform(seed, STREAMS.structure);
  const rewiring: RewiringStats = { boundaries: 0, trials: 0, moves: 0, blocked: 0 };
  const windows = Math.ceil(T / W);
  const edgesByWindow: CallEdge[][] = [initialCallGraph(layout, config.fanOut, streamUniform(seed, STREAMS.topology))];
  for (let k = 1; k < windows; k++)
    edgesByWindow.push(rewireEdges(edgesByWindow[k - 1], layout, config.rewiring, rewiringUniform, rewiring));
  const fractionsByWindow = edgesByWindow.map((edges) => routingFractions(edges, N, config.forwardShare));
  const offsetsByWindow = edgesByWindow.map((edges) => edgeOffsets(edges, N));
  const trueGraphs = edgesByWindow.map((edges, k) => callSnapshot(k * W, layout.entities, edges, fractionsByWindow[k]));
  const observedGraphs = trueGraphs.map((g) => observedSnapshot(g, config.structuralNoise, structureUniform));

  const workloadUniform = streamUniform(seed, STREAMS.workload);
  const entries = entryProfiles(R, config.workload, workloadUniform);
  const rates = externalRates(entries, config.workload, T, workloadUniform);
  // mean load of each window's graph at the base rates: what capacity planning sizes the nodes for
  const baseExternal = new Float64Array(N);
  layout.roots.forEach((node, r) => (baseExternal[node] = entries[r].base));
  const plannedLoad = edgesByWindow.map((edges, k) => {
    const out = new Float64Array(N);
    propagateLoad(baseExternal, edges, fractionsByWindow[k], out);
    return out;
  });
  const profiles = nodeProfiles(config, layout.roles, plannedLoad[0], streamUniform(seed, STREAMS.capacity));

  const rootFaults =
    config.faults.schedule ?? randomFaultSchedule(config.faults, N, T, streamUniform(seed, STREAMS.faults));
  const faults = faultRecords(
    rootFaults,
    config.faults,
    layout.entities,
    T,
    (t) => edgesByWindow[Math.floor(t / W)],
    layout.placement,
  );
  const intensity = faultIntensities(faults, T, N);
  const [contention, blockage, queueBuildup, failure] = FAULT_TYPES.map((k) => intensity.direct[k]);
  const additive = FAULT_TYPES.map((k) => intensity.additive[k]);
  const impact = FAULT_TYPES.map((k) => PROPAGATED_IMPACT[k]);

  const values = new Float32Array(T * N * F);
  const load = new Float64Array(T * N);
  const external = new Float64Array(T * N);
  // 1 where a node's own state (before callee terms) differs from its nominal one
  const departs = new Uint8Array(T * N);
  const capacity = new Float64Array(T * N);
  const stepCapacity = Float64Array.from(profiles, (p) => p.capacity);
  // capacity planning never goes below a quarter of the initial size (minimum replicas): a node whose callers
  // all moved away and come back later is not cold
  const minimumCapacity = Float64Array.from(profiles, (p) => MINIMUM_CAPACITY_SHARE * p.capacity);
  const backlog = new Float64Array(N);
  const nominalBacklog = new Float64Array(N);
  const nominalLatency = new Float64Array(N);
  const nominalErrors = new Float64Array(N);
  const normal = streamNormal(seed, STREAMS.noise);
  const z = new Float64Array(F);
  const own = new Array<NodeState>(N);
  const nominal = new Array<NodeState>(N);
  const stepExternal = new Float64Array(N);
  const stepLoad = new Float64Array(N);
  const acting: NodeFaults = { ...NO_FAULTS };
  for (let t = 0; t < T; t++) {
    const k = Math.floor(t / W);
    const edges = edgesByWindow[k];
    const fractions = fractionsByWindow[k];
    const offsets = offsetsByWindow[k];
    stepExternal.fill(0);
    for (let r = 0; r < R; r++) stepExternal[layout.roots[r]] = rates[t * R + r];
    propagateLoad(stepExternal, edges, fractions, stepLoad);
    external.set(stepExternal, t * N);
    load.set(stepLoad, t * N);
    const progress = t / T;
    for (let i = 0; i < N; i++) {
      const cell = t * N + i;
      if (config.autoscaleSteps > 0 && t > 0) {
        stepCapacity[i] = plannedCapacity(
          stepCapacity[i],
          plannedLoad[k][i],
          profiles[i].targetUtilisation,
          config.autoscaleSteps,
          minimumCapacity[i],
        );
      }
      capacity[cell] = stepCapacity[i];
      nominal[i] = nodeStep(
        profiles[i],
        stepCapacity[i],
        stepLoad[i],
        NO_FAULTS,
        nominalBacklog[i],
        progress,
        config.stepMs,
      );
      nominalBacklog[i] = nominal[i].backlog;
      acting.contention = contention[cell];
      acting.blocked = blockage[cell];
      acting.queueBuildup = queueBuildup[cell];
      acting.failed = failure[cell];
      own[i] = nodeStep(profiles[i], stepCapacity[i], stepLoad[i], acting, backlog[i], progress, config.stepMs);
      backlog[i] = own[i].backlog;
      departs[cell] = sameOwnState(own[i], nominal[i]) ? 0 : 1;
    }
    // callers after callees: index order is topological, so walk it backwards
    for (let i = N - 1; i >= 0; i--) {
      const cell = t * N + i;
      let calleeLatency = 0;
      let calleeErrors = 0;
      for (let e = offsets[i]; e < offsets[i + 1]; e++) {
        calleeLatency += fractions[e] * nominalLatency[edges[e].dst];
        calleeErrors += fractions[e] * nominalErrors[edges[e].dst];
      }
      nominalLatency[i] = endToEndLatency(nominal[i].response, calleeLatency, 0, 0);
      nominalErrors[i] = combinedErrors(nominal[i].errors, 0, 0, calleeErrors);
      let latency = endToEndLatency(own[i].response, calleeLatency, blockage[cell], failure[cell]);
      let queue = own[i].queue;
      let errors = combinedErrors(own[i].errors, blockage[cell], failure[cell], calleeErrors);
      for (let type = 0; type < additive.length; type++) {
        const j = additive[type][cell];
        if (j === 0) continue;
        latency += j * impact[type].latencyMs;
        queue += j * impact[type].queue;
        errors += j * impact[type].errors;
      }
      for (let f = 0; f < F; f++) z[f] = normal();
      const observed = noisyMetrics(
        own[i].cpu,
        own[i].memory,
        latency,
        queue,
        Math.min(1, errors),
        config.measurementNoise,
        z,
      );
      values.set(observed, cell * F);
    }
  }

  // a direct effect stays labelled until the node's own state is back to nominal (a backlog it built has drained)
  for (const r of faults) {
    if (!r.direct) continue;
    while (r.labelEnd < T && departs[r.labelEnd * N + r.node] === 1) r.labelEnd++;
  }
  const { labels, eventOf } = groundTruth(faults, T, N);
  const timestamps = BigInt64Array.from(
    { length: T },
    (_, t) => BigInt(config.startTime) + BigInt(t) * BigInt(config.stepMs),
  );
  const series: NodeSeries = {
    id: `sim/seed-${seed}`,
    entities: layout.entities,
    features: [...METRICS],
    length: T,
    values,
    timestamps,
    labels,
    eventOf,
    eventTypes: [...FAULT_TYPES],
    graphs: observedGraphs,
  };
  return {
    config,
    seed,
    series,
    trueGraphs,
    faults,
    rootFaults: [...rootFaults],
    layout: { roles: layout.roles, tier: layout.tier, roots: layout.roots, placement: layout.placement },
    load,
    external,
    capacity,
    profiles,
    rewiring,
  };
}

function sameOwnState(a: NodeState, b: NodeState): boolean {
  return (
    a.backlog === b.backlog &&
    a.queue === b.queue &&
    a.response === b.response &&
    a.errors === b.errors &&
    a.cpu === b.cpu &&
    a.memory === b.memory
  );
}

/** offsets[i] … offsets[i + 1] − 1: the edges of caller i in a list sorted by caller. */
function edgeOffsets(edges: readonly CallEdge[], nodes: number): Int32Array {
  const offsets = new Int32Array(nodes + 1);
  for (const e of edges) offsets[e.src + 1]++;
  for (let i = 0; i < nodes; i++) offsets[i + 1] += offsets[i];
  return offsets;
}

/**
 * Capacity μ_i = max(L̄_i, μ_min) / u_i, with L̄_i node i's mean load under the first window's graph and
 * u_i = min(0.95, u · U[0.7, 1.3]) its target utilisation; service time, memory at rest and memory leak
 * drawn per node.
 */
function nodeProfiles(
  config: SimulationConfig,
  roles: NodeRole[],
  meanLoad: Float64Array,
  uniform: () => number,
): NodeProfile[] {
  const minimum = (0.01 * config.workload.baseRate) / config.nodes;
  return roles.map((role, i) => {
    const target = Math.min(0.95, config.utilisation * (0.7 + 0.6 * uniform()));
    return {
      capacity: Math.max(meanLoad[i], minimum) / target,
      targetUtilisation: target,
      serviceMs: SERVICE_MS[role] * (0.5 + uniform()),
      memoryBase: 20 + 30 * uniform(),
      memoryDrift: 10 * uniform(),
    };
  });
}
