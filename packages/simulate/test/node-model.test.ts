import {
  RHO_CAP,
  TIMEOUT_MS,
  combinedErrors,
  cpuPercent,
  endToEndLatency,
  fluidBacklog,
  mm1Waiting,
  plannedCapacity,
  queueLength,
  responseTime,
  saturationErrors,
} from '../src';

describe('node model formulas', () => {
  it("obey Little's law for the M/M/1 part: L = Lq + ρ = λ·R with λ = ρ / s", () => {
    const serviceMs = 25;
    for (const rho of [0.05, 0.3, 0.5, 0.8, 0.9, 0.94]) {
      const inSystem = queueLength(rho, 0) + rho;
      const arrivalsPerMs = rho / serviceMs;
      expect(inSystem).toBeCloseTo(arrivalsPerMs * responseTime(serviceMs, rho, 0, 10, 60_000), 12);
    }
  });

  it('cap the M/M/1 terms at ρ = 0.95 and leave overload to the backlog (hand-worked)', () => {
    expect(mm1Waiting(0.5)).toBeCloseTo(0.5, 15);
    expect(RHO_CAP).toBe(0.95);
    expect(mm1Waiting(3)).toBeCloseTo(0.9025 / 0.05, 12);
    // 2 waiting + 10 arriving − 8 served = 4 left, of which 8 · 5000/60000 = 0.667 can still be served in time
    const { backlog, dropped } = fluidBacklog(2, 10, 8, 60_000);
    expect(backlog).toBeCloseTo(2 / 3, 12);
    expect(dropped).toBeCloseTo(4 - 2 / 3, 12);
    expect(fluidBacklog(1, 3, 8, 60_000)).toEqual({ backlog: 0, dropped: 0 });
  });

  it('add the time to drain the backlog to the response time and give up at the timeout (hand-worked)', () => {
    expect(responseTime(20, 0.5, 0, 10, 60_000)).toBeCloseTo(40, 12);
    // 0.05 requests ahead at 10 per minute: 0.005 min = 300 ms
    expect(responseTime(20, 0.5, 0.05, 10, 60_000)).toBeCloseTo(340, 9);
    expect(responseTime(20, 0.5, 5, 10, 60_000)).toBe(TIMEOUT_MS);
  });

  it('combine CPU, errors and latency as documented (hand-worked)', () => {
    expect(cpuPercent(0.4, 0)).toBeCloseTo(35, 12);
    expect(cpuPercent(0.4, 0.5)).toBeCloseTo(60, 12);
    expect(cpuPercent(2, 1)).toBe(100);
    expect(saturationErrors(0.5)).toBeCloseTo(0.001, 15);
    expect(saturationErrors(0.95)).toBeCloseTo(0.001 + 0.3 * 0.5, 12);
    expect(saturationErrors(0.5, 0.5)).toBeCloseTo(1 - 0.999 * 0.5, 12);
    expect(combinedErrors(0.1, 0.5, 0, 0.2)).toBeCloseTo(1 - 0.9 * 0.5 * 0.8, 12);
    // half the requests time out (5000 ms), half take 40 + 60 ms
    expect(endToEndLatency(40, 60, 0.5, 0)).toBeCloseTo(2550, 9);
    expect(endToEndLatency(40, 60, 0, 1)).toBeCloseTo(1, 12);
  });

  it('plan capacity by exponential smoothing towards L̄ / u: after k steps the gap has shrunk by (1 − 1/τ)^k', () => {
    let mu = 10;
    for (let k = 0; k < 30; k++) mu = plannedCapacity(mu, 8, 0.5, 20, 0.1);
    expect(mu).toBeCloseTo(16 + (10 - 16) * (1 - 1 / 20) ** 30, 9);
    expect(plannedCapacity(1, 0, 0.5, 2, 0.7)).toBe(0.7);
  });
});
