import fc from 'fast-check';
import { daysFromCivil, daysInMonth, formatUtc, parseGoTimeMs, parseInjectTimeMs } from './times';

describe('parseGoTimeMs', () => {
  it('reads the README example as UTC, fraction truncated to ms', () => {
    expect(parseGoTimeMs('2022-08-22 03:51:19.607158889 +0000 UTC m=+0.113112869')).toBe(
      Date.UTC(2022, 7, 22, 3, 51, 19, 607),
    );
  });

  it('reads a fraction with its trailing zeros dropped (Go prints .59747603 for .597476030)', () => {
    expect(parseGoTimeMs('2023-01-29 08:42:09.59747603 +0000 UTC m=+60.673637890')).toBe(
      Date.UTC(2023, 0, 29, 8, 42, 9, 597),
    );
  });

  it('reads a time without fraction and without monotonic suffix', () => {
    expect(parseGoTimeMs('2023-01-29 08:42:09 +0000 UTC')).toBe(Date.UTC(2023, 0, 29, 8, 42, 9));
  });

  it('subtracts the zone offset', () => {
    // 18:21 at UTC+8 is 10:21 UTC (the log lines print local time UTC+8, datasets README)
    expect(parseGoTimeMs('2023-01-29 18:21:00.5 +0800 CST')).toBe(Date.UTC(2023, 0, 29, 10, 21, 0, 500));
    expect(parseGoTimeMs('2023-01-29 00:10:00 -0130 -0130')).toBe(Date.UTC(2023, 0, 29, 1, 40, 0));
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseGoTimeMs('2024-02-29 00:00:00 +0000 UTC')).toBe(Date.UTC(2024, 1, 29));
    expect(parseGoTimeMs('2023-02-29 00:00:00 +0000 UTC')).toBeUndefined();
    expect(parseGoTimeMs('1900-02-29 00:00:00 +0000 UTC')).toBeUndefined();
    expect(parseGoTimeMs('2000-02-29 00:00:00 +0000 UTC')).toBe(Date.UTC(2000, 1, 29));
  });

  it.each([
    ['ISO separator', '2022-08-22T03:51:19.607158889 +0000 UTC'],
    ['no zone', '2022-08-22 03:51:19.607158889 +0000'],
    ['no offset', '2022-08-22 03:51:19.607158889 UTC'],
    ['month 13', '2022-13-22 03:51:19 +0000 UTC'],
    ['hour 24', '2022-08-22 24:00:00 +0000 UTC'],
    ['second 60', '2022-08-22 23:59:60 +0000 UTC'],
    ['ten fraction digits', '2022-08-22 03:51:19.6071588891 +0000 UTC'],
    ['empty fraction', '2022-08-22 03:51:19. +0000 UTC'],
    ['monotonic with 8 digits', '2022-08-22 03:51:19 +0000 UTC m=+0.11311286'],
    ['trailing space', '2022-08-22 03:51:19 +0000 UTC '],
    ['Unix seconds', '1661140279'],
    ['offset minutes 60', '2022-08-22 03:51:19 +0060 UTC'],
  ])('rejects %s', (_, text) => {
    expect(parseGoTimeMs(text)).toBeUndefined();
  });

  it('round-trips any ms time written the way Go prints it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2099, 11, 31) }),
        fc.integer({ min: 0, max: 999_999 }),
        (ms, subMs) => {
          // Go: 9 fraction digits without trailing zeros, no fraction at all when zero
          const nanos = (ms % 1000) * 1_000_000 + subMs;
          const fraction = nanos === 0 ? '' : '.' + String(nanos).padStart(9, '0').replace(/0+$/, '');
          const text =
            `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}${fraction} +0000 UTC ` + `m=+12.000000001`;
          expect(parseGoTimeMs(text)).toBe(ms);
        },
      ),
    );
  });
});

describe('parseInjectTimeMs', () => {
  it('reads inject_time as UTC', () => {
    expect(parseInjectTimeMs('2023-01-29 09:34:19')).toBe(Date.UTC(2023, 0, 29, 9, 34, 19));
  });

  it.each([
    '2023-01-29 09:34',
    '2023-01-29T09:34:19',
    '2023-01-29 09:34:19Z',
    '2023-02-30 00:00:00',
    ' 2023-01-29 09:34:19',
  ])('rejects %j', (text) => {
    expect(parseInjectTimeMs(text)).toBeUndefined();
  });
});

describe('calendar arithmetic', () => {
  it('counts days from 1970-01-01 as Date.UTC does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          fc.pre(d <= daysInMonth(y, m));
          expect(daysFromCivil(y, m, d) * 86_400_000).toBe(Date.UTC(y, m - 1, d));
        },
      ),
    );
  });

  it('formats ms as UTC text', () => {
    expect(formatUtc(Date.UTC(2023, 0, 29, 14, 49, 57, 999))).toBe('2023-01-29 14:49:57');
  });
});
