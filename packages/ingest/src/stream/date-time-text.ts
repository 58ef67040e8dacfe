/**
 * Recognising ISO 8601 date-time text, so that a CSV time column in that form is read as such without a flag and a
 * number column that holds times gets an error naming the mapping that reads it.
 */

/** A date, optionally with a time of day (`T` or a space), seconds, fractions and an offset. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Whether `text` is a date or date-time in ISO 8601 form that Date.parse reads. */
export function isDateTimeText(text: string): boolean {
  const t = text.trim();
  return DATE_TIME.test(t) && !Number.isNaN(Date.parse(t));
}
