/**
 * The simulator's parameters, their defaults and their validation. Every parameter a user can set is
 * checked here, once, with a ParameterError naming it; the rest of the package trusts a resolved config.
 */
import { ParameterError } from '@driftwatch/contracts';

/** The four fault types of docs/spatiotemporal.md §3 / issue 6, in the order of `NodeSeries.eventTypes`. */
export const FAULT_TYPES = ['cpu-contention', 'link-blockage', 'queue-buildup', 'process-failure'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/**
 * Where a fault's effect travels from the faulty node: to the nodes that call it (they wait for it and see its
 * errors), to the nodes it calls, to the nodes on the same machine (they share its CPU), or nowhere.
 */
export type PropagationDirection = 'callers' | 'callees' | 'co-located' | 'none';
export const PROPAGATION_DIRECTIONS: readonly PropagationDirection[] = ['callers', 'callees', 'co-located', 'none'];

/** `layered`: frontends → service tiers → databases, like a microservice application; `dag`: a random DAG. */
export type TopologyKind = 'layered' | 'dag';

/** The metrics of every node, in feature order. */
export const METRICS = ['cpu', 'memory', 'latency', 'queue', 'error_rate'] as const;

export interface WorkloadConfig {
  /** requests per step entering the cluster at its roots, on average */
  baseRate: number;
  /** steps per period of the daily-like sinusoid */
  period: number;
  /** relative amplitude of the sinusoid, in [0, 1) */
  amplitude: number;
  /** expected bursts per step at each root (Poisson arrivals) */
  burstRate: number;
  /** a burst adds `burstAmplitude` × the root's base rate at once, then decays */
  burstAmplitude: number;
  /** e-folding time of a burst, in steps */
  burstDecay: number;
}

/** A root fault to inject at a given node and time (the random schedule is skipped when a list is given). */
export interface FaultSpec {
  /** node index, 0 … N − 1 */
  node: number;
  type: FaultType;
  /** first faulty step */
  start: number;
  /** steps the fault lasts */
  duration: number;
  /** intensity at the faulty node, in (0, 1] */
  severity: number;
}

export interface FaultConfig {
  /** root faults drawn at random (ignored when `schedule` is given); default T·N/3200 */
  count: number;
  /** the types the random schedule draws from, uniformly */
  types: FaultType[];
  /** first step a random fault may start: the steps before it are fault-free (training data) */
  start: number;
  /** [min, max] steps a random fault lasts */
  duration: [number, number];
  /** [min, max] intensity of a random fault at its root */
  severity: [number, number];
  /** steps between a node being hit and its neighbours being hit (per hop) */
  delay: number;
  /** factor applied to the intensity at each hop, in (0, 1] */
  attenuation: number;
  /** hops an effect travels at most */
  maxHops: number;
  /** where each type's effect travels */
  propagation: Record<FaultType, PropagationDirection>;
  /** whether propagated effects are labelled at all */
  labelPropagated: boolean;
  /** a propagated effect is labelled when attenuation^hops ≥ this fraction of the root's intensity */
  labelFraction: number;
  /** explicit root faults instead of a random schedule */
  schedule?: FaultSpec[];
}

export interface SimulationConfig {
  /** N, services or machines */
  nodes: number;
  /** T */
  steps: number;
  /** steps per graph window: the call graph is rewired and the graphs are emitted once per window */
  graphWindow: number;
  /** ms between steps (for timestamps and latency in ms) */
  stepMs: number;
  /** ms since the epoch of step 0 */
  startTime: number;
  topology: TopologyKind;
  /** entry nodes (frontends) that receive the external workload */
  roots: number;
  /** layered: number of service tiers between the frontends and the databases */
  serviceTiers: number;
  /** mean callees per node when the graph is built */
  fanOut: number;
  /** share of its requests a node with callees forwards to them (the rest it serves alone), in [0, 1] */
  forwardShare: number;
  /** machines the nodes are placed on (co-located nodes share CPU) */
  machines: number;
  /** probability per edge and window boundary that the edge is moved to another callee */
  rewiring: number;
  /** mean utilisation each node's capacity is sized for, in (0, 1) */
  utilisation: number;
  /**
   * time constant (steps) with which each node's capacity follows the mean load the current call graph sends it; 0:
   * capacities stay as sized at step 0
   */
  autoscaleSteps: number;
  workload: WorkloadConfig;
  /** relative measurement noise (see node-model.ts for each metric's scale) */
  measurementNoise: number;
  /** fraction of true edges removed from each observed graph, and the same number of false edges added */
  structuralNoise: number;
  faults: FaultConfig;
}

type Partial2<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? Partial<T[K]> : T[K];
};
/** What `simulateCluster` accepts: any subset of the parameters; the rest take their defaults. */
export type SimulationOptions = Partial2<SimulationConfig>;

export const DEFAULT_PROPAGATION: Readonly<Record<FaultType, PropagationDirection>> = Object.freeze({
  'cpu-contention': 'co-located',
  'link-blockage': 'callers',
  'queue-buildup': 'callers',
  'process-failure': 'callers',
});

/** 2024-01-01T00:00:00Z */
const DEFAULT_START = Date.UTC(2024, 0, 1);

/** The parameters with every default filled in, validated. */
export function resolveConfig(options: SimulationOptions = {}): SimulationConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ParameterError('simulation config must be an object');
  rejectUnknown(options as Record<string, unknown>, TOP_KEYS, 'simulation config');
  const nodes = integer(options.nodes ?? 32, 'nodes', 2, 10_000);
  const steps = integer(options.steps ?? 2000, 'steps', 2, 100_000_000);
  const workloadIn = objectOf(options.workload, 'workload');
  rejectUnknown(workloadIn, WORKLOAD_KEYS, 'workload');
  const faultsIn = objectOf(options.faults, 'faults');
  rejectUnknown(faultsIn, FAULT_KEYS, 'faults');
  const topology = options.topology ?? 'layered';
  if (topology !== 'layered' && topology !== 'dag')
    throw new ParameterError(`topology must be 'layered' or 'dag', got ${JSON.stringify(topology)}`);
  const config: SimulationConfig = {
    nodes,
    steps,
    graphWindow: integer(options.graphWindow ?? Math.min(20, steps), 'graphWindow', 1, steps),
    stepMs: integer(options.stepMs ?? 60_000, 'stepMs', 1, 86_400_000 * 366),
    startTime: integer(options.startTime ?? DEFAULT_START, 'startTime', -8.64e15, 8.64e15),
    topology,
    roots: integer(options.roots ?? Math.max(1, Math.round(nodes / 16)), 'roots', 1, nodes - 1),
    serviceTiers: integer(options.serviceTiers ?? 2, 'serviceTiers', 1, nodes),
    fanOut: integer(options.fanOut ?? 2, 'fanOut', 1, nodes),
    forwardShare: fraction(options.forwardShare ?? 0.8, 'forwardShare'),
    machines: integer(options.machines ?? Math.max(1, Math.round(nodes / 4)), 'machines', 1, nodes),
    rewiring: fraction(options.rewiring ?? 0.01, 'rewiring'),
    utilisation: openFraction(options.utilisation ?? 0.5, 'utilisation'),
    autoscaleSteps: 0,
    workload: {
      baseRate: positive(workloadIn.baseRate ?? 100, 'workload.baseRate'),
      period: positive(workloadIn.period ?? 500, 'workload.period'),
      amplitude: between(workloadIn.amplitude ?? 0.5, 'workload.amplitude', 0, 1, true, false),
      burstRate: between(workloadIn.burstRate ?? 0.003, 'workload.burstRate', 0, 10, true),
      burstAmplitude: between(workloadIn.burstAmplitude ?? 2, 'workload.burstAmplitude', 0, 1000, true),
      burstDecay: positive(workloadIn.burstDecay ?? 10, 'workload.burstDecay'),
    },
    measurementNoise: between(options.measurementNoise ?? 0.05, 'measurementNoise', 0, 10, true),
    structuralNoise: fraction(options.structuralNoise ?? 0.1, 'structuralNoise'),
    faults: resolveFaults(faultsIn, nodes, steps),
  };
  const autoscale = options.autoscaleSteps ?? config.graphWindow;
  if (!(typeof autoscale === 'number' && Number.isFinite(autoscale) && (autoscale === 0 || autoscale >= 1))) {
    throw new ParameterError(
      `autoscaleSteps must be 0 (fixed capacities) or a number ≥ 1, got ${JSON.stringify(autoscale)}`,
    );
  }
  config.autoscaleSteps = autoscale;
  if (topology === 'layered') {
    const databases = databaseCount(nodes);
    const services = nodes - config.roots - databases;
    if (services < config.serviceTiers) {
      throw new ParameterError(
        `a layered cluster of ${nodes} nodes with ${plural(config.roots, 'frontend')} ` +
          `and ${plural(databases, 'database')} has ${plural(Math.max(0, services), 'service')}, fewer than ` +
          `serviceTiers = ${config.serviceTiers}: use more nodes, fewer roots or tiers, or topology 'dag'`,
      );
    }
  }
  return config;
}

/** Databases of a layered cluster: a quarter of the nodes, at least one. */
export function databaseCount(nodes: number): number {
  return Math.max(1, Math.round(nodes / 4));
}

function resolveFaults(f: Record<string, unknown>, nodes: number, steps: number): FaultConfig {
  const types = (f.types ?? [...FAULT_TYPES]) as unknown;
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.some((t) => !(FAULT_TYPES as readonly string[]).includes(t))
  ) {
    throw new ParameterError(
      `faults.types must be a non-empty list of ${FAULT_TYPES.join(', ')}, got ${JSON.stringify(types)}`,
    );
  }
  const start = integer(f.start ?? Math.floor(steps / 4), 'faults.start', 0, steps);
  // by default faults last 20 to 60 steps, less when the run leaves less room after `start`
  const room = Math.max(1, steps - start);
  const duration = pair(f.duration ?? [Math.min(20, room), Math.min(60, room)], 'faults.duration', (v, name) =>
    integer(v, name, 1, steps),
  );
  const severity = pair(f.severity ?? [0.5, 1], 'faults.severity', (v, name) => between(v, name, 0, 1, false, true));
  // T·N/3200 (20 for 32 nodes × 2000 steps): the share of faulty node-steps stays put as N grows
  const count = integer(f.count ?? Math.round((steps * nodes) / 3200), 'faults.count', 0, 1_000_000);
  const propagationIn = objectOf(f.propagation, 'faults.propagation');
  rejectUnknown(propagationIn, FAULT_TYPES, 'faults.propagation');
  const propagation = { ...DEFAULT_PROPAGATION } as Record<FaultType, PropagationDirection>;
  for (const [type, direction] of Object.entries(propagationIn)) {
    if (!PROPAGATION_DIRECTIONS.includes(direction as PropagationDirection)) {
      throw new ParameterError(
        `faults.propagation.${type} must be one of ${PROPAGATION_DIRECTIONS.join(', ')}, ` +
          `got ${JSON.stringify(direction)}`,
      );
    }
    propagation[type as FaultType] = direction as PropagationDirection;
  }
  const schedule = f.schedule === undefined ? undefined : resolveSchedule(f.schedule, nodes, steps);
  if (!schedule && count > 0 && start + duration[1] > steps) {
    throw new ParameterError(
      `faults.start (${start}) + the longest fault (${duration[1]} steps) exceeds the ${steps} steps: ` +
        `start faults earlier, shorten them or simulate more steps`,
    );
  }
  if (typeof (f.labelPropagated ?? true) !== 'boolean')
    throw new ParameterError(`faults.labelPropagated must be true or false, got ${JSON.stringify(f.labelPropagated)}`);
  return {
    count,
    types: types as FaultType[],
    start,
    duration,
    severity,
    delay: integer(f.delay ?? 2, 'faults.delay', 0, steps),
    attenuation: between(f.attenuation ?? 0.5, 'faults.attenuation', 0, 1, false, true),
    maxHops: integer(f.maxHops ?? 3, 'faults.maxHops', 0, 1000),
    propagation,
    labelPropagated: (f.labelPropagated ?? true) as boolean,
    labelFraction: fraction(f.labelFraction ?? 0.5, 'faults.labelFraction'),
    ...(schedule ? { schedule } : {}),
  };
}

function resolveSchedule(value: unknown, nodes: number, steps: number): FaultSpec[] {
  if (!Array.isArray(value))
    throw new ParameterError(
      `faults.schedule must be a list of {node, type, start, duration, severity}, got ${JSON.stringify(value)}`,
    );
  return value.map((raw, k) => {
    const where = `faults.schedule[${k}]`;
    const spec = objectOf(raw, where);
    rejectUnknown(spec, ['node', 'type', 'start', 'duration', 'severity'], where);
    if (!(FAULT_TYPES as readonly string[]).includes(spec.type as string))
      throw new ParameterError(
        `${where}.type must be one of ${FAULT_TYPES.join(', ')}, got ${JSON.stringify(spec.type)}`,
      );
    const start = integer(spec.start, `${where}.start`, 0, steps - 1);
    return {
      node: integer(spec.node, `${where}.node`, 0, nodes - 1),
      type: spec.type as FaultType,
      start,
      duration: integer(spec.duration, `${where}.duration`, 1, steps - start),
      severity: between(spec.severity ?? 1, `${where}.severity`, 0, 1, false, true),
    };
  });
}

const TOP_KEYS: readonly string[] = [
  'nodes',
  'steps',
  'graphWindow',
  'stepMs',
  'startTime',
  'topology',
  'roots',
  'serviceTiers',
  'fanOut',
  'forwardShare',
  'machines',
  'rewiring',
  'utilisation',
  'autoscaleSteps',
  'workload',
  'measurementNoise',
  'structuralNoise',
  'faults',
];
const WORKLOAD_KEYS: readonly string[] = [
  'baseRate',
  'period',
  'amplitude',
  'burstRate',
  'burstAmplitude',
  'burstDecay',
];
const FAULT_KEYS: readonly string[] = [
  'count',
  'types',
  'start',
  'duration',
  'severity',
  'delay',
  'attenuation',
  'maxHops',
  'propagation',
  'labelPropagated',
  'labelFraction',
  'schedule',
];

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function rejectUnknown(obj: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new ParameterError(
      `${where}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ParameterError(`${name} must be an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ParameterError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function between(
  value: unknown,
  name: string,
  min: number,
  max: number,
  minIncluded: boolean,
  maxIncluded = false,
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minIncluded ? value >= min : value > min) &&
    (maxIncluded ? value <= max : value < max);
  if (!ok)
    throw new ParameterError(
      `${name} must be a number in ${minIncluded ? '[' : '('}${min}, ${max}${maxIncluded ? ']' : ')'}, ` +
        `got ${JSON.stringify(value)}`,
    );
  return value as number;
}

function fraction(value: unknown, name: string): number {
  return between(value, name, 0, 1, true, true);
}

function openFraction(value: unknown, name: string): number {
  return between(value, name, 0, 1, false, false);
}

function positive(value: unknown, name: string): number {
  return between(value, name, 0, Number.MAX_VALUE, false, true);
}

function pair(value: unknown, name: string, check: (v: unknown, name: string) => number): [number, number] {
  if (!Array.isArray(value) || value.length !== 2)
    throw new ParameterError(`${name} must be a pair [min, max], got ${JSON.stringify(value)}`);
  const lo = check(value[0], `${name}[0]`);
  const hi = check(value[1], `${name}[1]`);
  if (lo > hi) throw new ParameterError(`${name} must have min ≤ max, got [${lo}, ${hi}]`);
  return [lo, hi];
}
