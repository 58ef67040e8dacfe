/**
 * Metrics of one node from its load (issue 6: CPU, memory, latency, queue length, error rate). Each
 * relation is a small pure function with its formula; the constants below say what they stand for.
 */

/** CPU share a node uses when idle (daemons, health checks). */
export const CPU_IDLE = 0.05;
/** CPU share of a node working at its full capacity. */
export const CPU_WORK = 0.75;
/** Share of the machine's CPU a contending process takes at intensity 1. */
export const CONTENTION_STEAL = 0.5;
/** Fraction of the service rate a queue build-up (stuck workers, lock convoy) removes at intensity 1. */
export const QUEUE_SLOWDOWN = 0.6;
/** Utilisation at which the M/M/1 terms are capped; above it the fluid backlog takes over. */
export const RHO_CAP = 0.95;
/** Calls give up after this many ms (blocked links, long backlogs). */
export const TIMEOUT_MS = 5000;
/** A call to a dead process fails at once, after this many ms. */
export const FAIL_FAST_MS = 1;
/** Error rate of a healthy, lightly loaded node. */
export const BASE_ERROR_RATE = 0.001;
/** Utilisation above which requests start to fail (timeouts, rejected connections). */
export const SATURATION_START = 0.9;
/** Extra error rate at utilisation 1. */
export const SATURATION_ERRORS = 0.3;
/** Memory (percent) per unit utilisation: buffers and in-flight requests. */
export const MEMORY_PER_UTILISATION = 15;
/** Memory (percent) at `QUEUE_MEMORY_CAP` queued requests. */
export const MEMORY_PER_QUEUE = 10;
export const QUEUE_MEMORY_CAP = 50;
/** Memory (percent) of a process that has just been restarted. */
export const RESTART_MEMORY = 5;

/** ρ = A / μ: admitted requests per step over requests per step the node can serve. */
export function utilisation(admitted: number, capacity: number): number {
  return capacity > 0 ? admitted / capacity : admitted > 0 ? Infinity : 0;
}

/** L_q = ρ² / (1 − ρ) with ρ capped at RHO_CAP: mean number waiting in an M/M/1 queue (Kleinrock 1975, §3.2). */
export function mm1Waiting(rho: number): number {
  const r = Math.min(rho, RHO_CAP);
  return (r * r) / (1 - r);
}

/**
 * b_t = clamp(b_{t−1} + A_t − μ_t, 0, μ_t · τ / Δt): the fluid approximation of a queue in overload, holding at
 * most what can still be served before the timeout; the rest, max(0, b_{t−1} + A_t − μ_t − μ_t·τ/Δt), times out.
 */
export function fluidBacklog(
  previous: number,
  admitted: number,
  capacity: number,
  stepMs: number,
): { backlog: number; dropped: number } {
  const raw = previous + admitted - capacity;
  const limit = (capacity * TIMEOUT_MS) / stepMs;
  return { backlog: Math.min(limit, Math.max(0, raw)), dropped: Math.max(0, raw - limit) };
}

/**
 * μ_t = max(μ_min, μ_{t−1} + (L̄ / u − μ_{t−1}) / τ_a): capacity planning that follows the topology, not the
 * traffic — it sizes the node for the mean load L̄ the current call graph sends it at the base rates (no cycle,
 * no bursts), at target utilisation u, with time constant τ_a. A rewired edge overloads its new callee for a
 * while; the daily cycle and bursts stay visible.
 */
export function plannedCapacity(
  previous: number,
  plannedLoad: number,
  targetUtilisation: number,
  timeConstant: number,
  minimum: number,
): number {
  return Math.max(minimum, previous + (plannedLoad / targetUtilisation - previous) / timeConstant);
}

/** Q = L_q + b: requests waiting, stochastic (M/M/1) plus overload backlog. */
export function queueLength(rho: number, backlog: number): number {
  return mm1Waiting(rho) + backlog;
}

/**
 * R = min(τ, s / (1 − ρ̂) + Δt · b / μ): M/M/1 response time plus the time to serve the backlog ahead, capped at the
 * timeout.
 */
export function responseTime(
  serviceMs: number,
  rho: number,
  backlog: number,
  capacity: number,
  stepMs: number,
): number {
  const r = Math.min(rho, RHO_CAP);
  const drain = backlog > 0 ? (capacity > 0 ? (stepMs * backlog) / capacity : Infinity) : 0;
  return Math.min(TIMEOUT_MS, serviceMs / (1 - r) + drain);
}

/**
 * cpu = 100 · min(1, u₀ + w · min(ρ₀, 1) + κ · c): idle share, own work (ρ₀ against the nominal capacity) and CPU
 * stolen by contention.
 */
export function cpuPercent(rhoNominal: number, contention: number): number {
  return 100 * Math.min(1, CPU_IDLE + CPU_WORK * Math.min(rhoNominal, 1) + CONTENTION_STEAL * contention);
}

/** μ_eff = μ · (1 − κ_c · c) · (1 − κ_q · q): contention and a queue build-up both cut the service rate. */
export function effectiveCapacity(capacity: number, contention: number, queueBuildup: number): number {
  return capacity * (1 - CONTENTION_STEAL * contention) * (1 - QUEUE_SLOWDOWN * queueBuildup);
}

/**
 * e_own = 1 − (1 − e₀ − e_sat · clamp((ρ − ρ_s) / (1 − ρ_s), 0, 1)) · (1 − d): errors rise once the node saturates, and
 * d of its requests time out in the backlog.
 */
export function saturationErrors(rho: number, droppedShare = 0): number {
  const over = Math.min(1, Math.max(0, (rho - SATURATION_START) / (1 - SATURATION_START)));
  return 1 - (1 - BASE_ERROR_RATE - SATURATION_ERRORS * over) * (1 - droppedShare);
}

/**
 * e = 1 − (1 − e_own)(1 − l)(1 − f)(1 − Σ_j p_ij e_j): a request fails if the node, its link, its process or a callee
 * it uses fails.
 */
export function combinedErrors(own: number, blocked: number, failed: number, calleeErrors: number): number {
  return 1 - (1 - own) * (1 - blocked) * (1 - failed) * (1 - Math.min(1, calleeErrors));
}

/**
 * λ = (1 − l)(1 − f) · min(τ, R + Σ_j p_ij λ_j) + l · τ + (1 − l) · f · τ_fail: served requests take the response time
 * plus their calls (a caller gives up at the timeout); blocked ones time out, failed ones fail fast.
 */
export function endToEndLatency(response: number, calleeLatency: number, blocked: number, failed: number): number {
  const served = (1 - blocked) * (1 - failed);
  return (
    served * Math.min(TIMEOUT_MS, response + calleeLatency) +
    blocked * TIMEOUT_MS +
    (1 - blocked) * failed * FAIL_FAST_MS
  );
}

/**
 * m = m₀ + d · t / T + m_ρ · min(ρ, 1) + m_Q · min(Q, Q_cap) / Q_cap, then a failed process falls to m_restart: (1 − f)
 * · m + f · m_restart.
 */
export function memoryPercent(
  base: number,
  drift: number,
  progress: number,
  rho: number,
  queue: number,
  failed: number,
): number {
  const m =
    base +
    drift * progress +
    MEMORY_PER_UTILISATION * Math.min(rho, 1) +
    (MEMORY_PER_QUEUE * Math.min(queue, QUEUE_MEMORY_CAP)) / QUEUE_MEMORY_CAP;
  return Math.min(100, (1 - failed) * m + failed * RESTART_MEMORY);
}

/** Per-node constants drawn once per run. */
export interface NodeProfile {
  /** requests per step the node can serve at step 0 (the autoscaler moves it) */
  capacity: number;
  /** utilisation the node's capacity is sized for */
  targetUtilisation: number;
  /** mean service time of one request, ms */
  serviceMs: number;
  /** memory at rest, percent */
  memoryBase: number;
  /** memory leak over the whole run, percent */
  memoryDrift: number;
}

/** Fault intensities acting on one node at one step, each in [0, 1]. */
export interface NodeFaults {
  contention: number;
  blocked: number;
  queueBuildup: number;
  failed: number;
}

export const NO_FAULTS: Readonly<NodeFaults> = Object.freeze({ contention: 0, blocked: 0, queueBuildup: 0, failed: 0 });

/** One node's own state at one step, before callee terms and measurement noise. */
export interface NodeState {
  /** requests admitted (offered load minus blocked and failed) */
  admitted: number;
  /** ρ against the effective capacity */
  rho: number;
  backlog: number;
  cpu: number;
  memory: number;
  queue: number;
  /** own response time, ms */
  response: number;
  /** own error rate */
  errors: number;
}

/**
 * A node's own metrics at one step from its offered load, the faults acting on it and its backlog at the
 * previous step (the only state carried from step to step).
 */
export function nodeStep(
  profile: NodeProfile,
  capacity: number,
  load: number,
  faults: NodeFaults,
  previousBacklog: number,
  progress: number,
  stepMs: number,
): NodeState {
  const admitted = load * (1 - faults.blocked) * (1 - faults.failed);
  const effective = effectiveCapacity(capacity, faults.contention, faults.queueBuildup);
  const rho = utilisation(admitted, effective);
  const { backlog, dropped } = fluidBacklog(previousBacklog, admitted, effective, stepMs);
  const queue = queueLength(rho, backlog);
  return {
    admitted,
    rho,
    backlog,
    cpu: cpuPercent(utilisation(admitted, capacity), faults.contention),
    memory: memoryPercent(profile.memoryBase, profile.memoryDrift, progress, rho, queue, faults.failed),
    queue,
    response: responseTime(profile.serviceMs, rho, backlog, effective, stepMs),
    errors: saturationErrors(rho, admitted > 0 ? Math.min(1, dropped / admitted) : 0),
  };
}

/**
 * Additive effects on a node that a fault elsewhere reaches by propagation, per unit intensity: its calls
 * time out (link blockage), wait (queue build-up) or fail and are retried (process failure).
 */
export interface PropagatedImpact {
  latencyMs: number;
  queue: number;
  errors: number;
}

export const PROPAGATED_IMPACT: Readonly<
  Record<'cpu-contention' | 'link-blockage' | 'queue-buildup' | 'process-failure', PropagatedImpact>
> = Object.freeze({
  // reached along calls (not the default co-located path): slower callee responses
  'cpu-contention': { latencyMs: 200, queue: 2, errors: 0 },
  'link-blockage': { latencyMs: 0.5 * TIMEOUT_MS, queue: 0, errors: 0.2 },
  'queue-buildup': { latencyMs: 500, queue: 10, errors: 0 },
  'process-failure': { latencyMs: 1000, queue: 0, errors: 0.5 },
});

/** Measurement noise: per metric, how one unit of `measurementNoise` × a standard normal draw enters. */
export const NOISE_SCALE = Object.freeze({
  /** cpu ± 50 · σ · z percentage points */
  cpu: 50,
  /** memory ± 20 · σ · z percentage points */
  memory: 20,
  /** error rate ± 0.02 · σ · z */
  errors: 0.02,
});

/**
 * Observed value of each metric: x + s·σ·z for percentages and rates (clamped to their range), x · e^{σ z} for latency
 * and queue (positive, skewed).
 */
export function noisyMetrics(
  cpu: number,
  memory: number,
  latency: number,
  queue: number,
  errors: number,
  sigma: number,
  z: ArrayLike<number>,
): [number, number, number, number, number] {
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  return [
    clamp(cpu + NOISE_SCALE.cpu * sigma * z[0], 0, 100),
    clamp(memory + NOISE_SCALE.memory * sigma * z[1], 0, 100),
    latency * Math.exp(sigma * z[2]),
    queue * Math.exp(sigma * z[3]),
    clamp(errors + NOISE_SCALE.errors * sigma * z[4], 0, 1),
  ];
}
