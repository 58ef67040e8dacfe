/**
 * Strict parsers for the two time formats of the Nezha files: Go's `time.Time.String()` (metric `Time`
 * columns) and the fault lists' `inject_time` (`YYYY-MM-DD HH:MM:SS`, UTC). Both return ms since the
 * Unix epoch, or undefined when the text is not exactly of that form (callers turn that into an
 * InputError that names the file, line and column).
 */

/** What the metric `Time` column holds, for error messages (Go's reference-time layout plus the monotonic suffix). */
export const GO_TIME_LAYOUT = '2006-01-02 15:04:05.999999999 -0700 MST m=+0.000000001';
/** What a fault list's `inject_time` holds, for error messages. */
export const INJECT_TIME_LAYOUT = 'YYYY-MM-DD HH:MM:SS (UTC)';

// Go prints `2006-01-02 15:04:05.999999999 -0700 MST` (fraction without trailing zeros, absent when zero),
// then ` m=±<seconds>.<9 digits>` when the value carries a monotonic reading (Go `time` package docs, Time.String)
const GO_TIME =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2})(\d{2}) ([A-Za-z]{1,10}|[+-]\d{2}(?:\d{2})?)(?: m=[+-]\d+\.\d{9})?$/;
const INJECT_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms"). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Days in a month of the Gregorian calendar (leap years: divisible by 4, except centuries not divisible by 400). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A calendar date and wall-clock time are valid when every field is in range (no leap seconds: Go prints none). */
function validDateTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

/** UTC date and time → ms since the epoch, by calendar arithmetic (Date.UTC maps years 0–99 to 1900–1999). */
export function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/**
 * Go `Time.String()` text → ms since the epoch: the wall time minus its zone offset, the fraction truncated to
 * whole ms; the zone abbreviation and the monotonic-clock suffix `m=±…` (seconds since the process started,
 * not a date) are checked for form and otherwise ignored (datasets README, Nezha, "Pod metric files").
 */
export function parseGoTimeMs(text: string): number | undefined {
  const m = GO_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!validDateTime(year, month, day, hour, minute, second)) return undefined;
  const offsetHours = Number(m[9]);
  const offsetMinutes = Number(m[10]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const fractionMs = m[7] === undefined ? 0 : Math.floor(Number(m[7].padEnd(9, '0')) / 1e6);
  const offsetMs = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return utcMs(year, month, day, hour, minute, second) + fractionMs - offsetMs;
}

/** A fault list's `inject_time` (`YYYY-MM-DD HH:MM:SS`, UTC per the datasets README) → ms since the epoch. */
export function parseInjectTimeMs(text: string): number | undefined {
  const m = INJECT_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!validDateTime(year, month, day, hour, minute, second)) return undefined;
  return utcMs(year, month, day, hour, minute, second);
}

/** ms since the epoch → `YYYY-MM-DD HH:MM:SS` in UTC (for tables and messages). */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
