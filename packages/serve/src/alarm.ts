/**
 * The alarm state machine of one entity, driven only by scored records: inactive → pending (smoothed score ≥
 * threshold) → firing (still ≥ after `for`) → resolved (below again). Missing data moves nothing: no record means
 * no evidence, so it can neither fire nor resolve an alarm; a gap longer than the window ends a pending alarm,
 * because the evidence it was collecting is interrupted.
 */
export type AlarmStatus = 'inactive' | 'pending' | 'firing';

export interface AlarmState {
  status: AlarmStatus;
  /** pending: when the score first crossed; firing: when it crossed before firing (Prometheus's activeAt) */
  activeAt?: number;
  /** when the alarm fired */
  firedAt?: number;
  /** time of the last scored record */
  lastScoreAt?: number;
}

export type AlarmEvent =
  { kind: 'fired'; activeAt: number; at: number } | { kind: 'resolved'; firedAt: number; at: number };

export const INACTIVE: AlarmState = { status: 'inactive' };

/** The next state after a scored record at `time` (ms), and the event it raises. */
export function advanceAlarm(
  state: AlarmState,
  time: number,
  smoothed: number,
  threshold: number,
  forMs: number,
  maxGapMs: number,
): { state: AlarmState; event?: AlarmEvent } {
  let current = state;
  if (current.status === 'pending' && current.lastScoreAt !== undefined && time - current.lastScoreAt > maxGapMs)
    current = INACTIVE;
  const above = smoothed >= threshold;
  switch (current.status) {
    case 'inactive':
      if (!above) return { state: { status: 'inactive', lastScoreAt: time } };
      if (forMs <= 0)
        return {
          state: { status: 'firing', activeAt: time, firedAt: time, lastScoreAt: time },
          event: { kind: 'fired', activeAt: time, at: time },
        };
      return { state: { status: 'pending', activeAt: time, lastScoreAt: time } };
    case 'pending':
      if (!above) return { state: { status: 'inactive', lastScoreAt: time } };
      if (time - current.activeAt! >= forMs)
        return {
          state: { status: 'firing', activeAt: current.activeAt, firedAt: time, lastScoreAt: time },
          event: { kind: 'fired', activeAt: current.activeAt!, at: time },
        };
      return { state: { ...current, lastScoreAt: time } };
    case 'firing':
      if (above) return { state: { ...current, lastScoreAt: time } };
      return {
        state: { status: 'inactive', lastScoreAt: time },
        event: { kind: 'resolved', firedAt: current.firedAt!, at: time },
      };
  }
}
