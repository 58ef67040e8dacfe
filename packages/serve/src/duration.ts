import { DriftwatchError } from '@driftwatch/contracts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a Prometheus-style duration: `500ms`, `15s`, `1m30s`, `2h`; `what` names it in errors. */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (trimmed === '' || parts.map((p) => p[0]).join('') !== trimmed)
    throw new DriftwatchError(`${what}: expected a duration such as 500ms, 15s, 1m or 1m30s, got '${text}'`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]], 0);
}

/** A duration as Prometheus's API accepts it (seconds, decimal). */
export function promSeconds(ms: number): string {
  return `${ms / 1000}`;
}
