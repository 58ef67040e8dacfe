import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { realDataRoot } from '../../testing/real-data';
import { parseTraceName } from './names';
import {
  eventLabelOf,
  labelTrace,
  parseExathlonGroundTruth,
  readExathlonGroundTruth,
  type ExathlonEvent,
} from './ground-truth';

const HEADER = 'trace_name,trace_type,anomaly_type,anomaly_details,root_cause_start,root_cause_end,extended_effect_end';
const GOOD = '2_1_100000_60,bursty_input,bursty_input,,1527535260.0,1527536189.0,1527536250.0';

/** The InputError thrown by parsing `text`. */
function errorOf(text: string): InputError {
  try {
    parseExathlonGroundTruth(text, 'gt.csv');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no error thrown');
}

describe('parseExathlonGroundTruth', () => {
  it('reads rows with CRLF endings, seconds → ms, an empty extended end as undefined', () => {
    const text =
      `${HEADER}\r\n${GOOD}\r\n8_4_1000000_77,cpu_contention,cpu_contention,no_application_impact,1529007602.` +
      `0,1529008102.0,\r\n`;
    const events = parseExathlonGroundTruth(text, 'gt.csv');
    expect(events).toEqual([
      {
        traceName: '2_1_100000_60',
        traceType: 'bursty_input',
        anomalyType: 'bursty_input',
        anomalyDetails: '',
        rootCauseStartMs: 1527535260000,
        rootCauseEndMs: 1527536189000,
        extendedEffectEndMs: 1527536250000,
        line: 2,
      },
      {
        traceName: '8_4_1000000_77',
        traceType: 'cpu_contention',
        anomalyType: 'cpu_contention',
        anomalyDetails: 'no_application_impact',
        rootCauseStartMs: 1529007602000,
        rootCauseEndMs: 1529008102000,
        line: 3,
      },
    ]);
  });

  // columns below are counted by hand: "2_1_100000_60," is 14 characters, "bursty_input," 13
  it('names line and column of an unknown anomaly type', () => {
    const e = errorOf(`${HEADER}\n${GOOD}\n2_1_100000_60,bursty_input,bursty_inputs,,1527535260.0,1527536189.0,\n`);
    expect(e.location).toEqual({ file: 'gt.csv', line: 3, column: 28 });
    expect(e.message).toMatch(
      /^gt\.csv:3:28: expected an anomaly type \(bursty_input, .*unknown\), found "bursty_inputs"$/,
    );
  });

  it('names line and column of a time that is not a decimal', () => {
    const e = errorOf(`${HEADER}\n2_1_100000_60,bursty_input,bursty_input,,abc,1527536189.0,\n`);
    expect(e.location).toEqual({ file: 'gt.csv', line: 2, column: 42 });
    expect(e.expected).toBe('Unix seconds as a decimal');
  });

  it('names the end column when the end precedes the start', () => {
    const e = errorOf(`${HEADER}\n2_1_100000_60,bursty_input,bursty_input,,200.0,100.0,\n`);
    expect(e.location).toEqual({ file: 'gt.csv', line: 2, column: 48 });
    expect(e.message).toContain('root_cause_end ≥ root_cause_start');
  });

  it('rejects an extended end before the start', () => {
    expect(errorOf(`${HEADER}\n2_1_100000_60,bursty_input,bursty_input,,200.0,300.0,100.0\n`).location).toEqual({
      file: 'gt.csv',
      line: 2,
      column: 54,
    });
  });

  it('names where a row with too few or too many fields goes wrong', () => {
    // 6 fields: 48 characters, so the missing field would start at 49
    expect(errorOf(`${HEADER}\n2_1_100000_60,bursty_input,bursty_input,,1.0,2.0\n`).location).toEqual({
      file: 'gt.csv',
      line: 2,
      column: 49,
    });
    // 8 fields: the 8th starts at 51
    const e = errorOf(`${HEADER}\n2_1_100000_60,bursty_input,bursty_input,,1.0,2.0,,x\n`);
    expect(e.location).toEqual({ file: 'gt.csv', line: 2, column: 51 });
    expect(e.message).toContain('found "8 fields"');
  });

  it('rejects a trace type that disagrees with the trace name, and a bad trace name', () => {
    expect(errorOf(`${HEADER}\n2_1_100000_60,stalled_input,bursty_input,,1.0,2.0,\n`).location).toEqual({
      file: 'gt.csv',
      line: 2,
      column: 15,
    });
    expect(errorOf(`${HEADER}\n2_1_x_60,bursty_input,bursty_input,,1.0,2.0,\n`).location).toEqual({
      file: 'gt.csv',
      line: 2,
      column: 1,
    });
  });

  it('requires the header', () => {
    expect(errorOf(`trace,type\n${GOOD}\n`).location).toEqual({ file: 'gt.csv', line: 1, column: 1 });
  });
});

/** An event on the test clock (seconds). */
function event(
  anomalyType: ExathlonEvent['anomalyType'],
  start: number,
  end: number,
  extended?: number,
  details = '',
): ExathlonEvent {
  return {
    traceName: '4_4_100000_1',
    traceType: 'cpu_contention',
    anomalyType,
    anomalyDetails: details,
    rootCauseStartMs: start * 1000,
    rootCauseEndMs: end * 1000,
    ...(extended !== undefined ? { extendedEffectEndMs: extended * 1000 } : {}),
    line: 2,
  };
}

describe('labelTrace', () => {
  const times = BigInt64Array.from({ length: 10 }, (_, s) => BigInt(s * 1000));

  it(
    'labels start ≤ t ≤ end (extended end when set); later events overwrite; unknown and os_only get 7, ' + 'ignored',
    () => {
      const events = [
        event('bursty_input', 2, 4),
        event('cpu_contention', 3, 5, 6),
        event('unknown', 8, 8),
        event('cpu_contention', 9, 20, undefined, 'no_application_impact'),
        event('stalled_input', 100, 200),
      ];
      const { labels, ranges } = labelTrace(times, events);
      expect([...labels]).toEqual([0, 0, 1, 4, 4, 4, 4, 0, 7, 7]);
      expect(ranges).toEqual([
        { start: 2, end: 5, eventType: 'bursty_input' },
        { start: 3, end: 7, eventType: 'cpu_contention' },
        { start: 8, end: 9, eventType: 'unknown', ignored: true },
        { start: 9, end: 10, eventType: 'os_only', ignored: true },
      ]);
    },
  );

  it(
    'keeps CPU contention without impact as T4 when asked, and starts at the first record at or after a ' +
      'fractional start',
    () => {
      const { labels } = labelTrace(
        times,
        [event('cpu_contention', 8.5, 20, undefined, 'no_application_impact')],
        false,
      );
      expect([...labels]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    },
  );

  it('codes T1…T6 as 1…6', () => {
    const codes = (
      [
        'bursty_input',
        'bursty_input_crash',
        'stalled_input',
        'cpu_contention',
        'driver_failure',
        'executor_failure',
      ] as const
    ).map((t) => eventLabelOf({ anomalyType: t, anomalyDetails: '' }).code);
    expect(codes).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

const dataRoot = realDataRoot('exathlon');
const onRealData = dataRoot ? describe : describe.skip;

onRealData('ground_truth.csv of the data root', () => {
  let events: ExathlonEvent[];
  beforeAll(async () => {
    events = await readExathlonGroundTruth(join(dataRoot!, 'exathlon', 'ground_truth.csv'));
  });

  it('has the 109 rows and per-type counts of the data README', () => {
    expect(events).toHaveLength(109);
    const byType: Record<string, number> = {};
    for (const e of events) byType[e.anomalyType] = (byType[e.anomalyType] ?? 0) + 1;
    expect(byType).toEqual({
      bursty_input: 29,
      bursty_input_crash: 7,
      cpu_contention: 26,
      driver_failure: 9,
      executor_failure: 10,
      stalled_input: 16,
      unknown: 12,
    });
  });

  it('has the anomaly_details counts, 28 empty extended ends and 34 disturbed traces of the data README', () => {
    const details: Record<string, number> = {};
    for (const e of events) details[e.anomalyDetails || 'empty'] = (details[e.anomalyDetails || 'empty'] ?? 0) + 1;
    expect(details).toEqual({
      empty: 83,
      increased_processing_time: 18,
      no_application_impact: 5,
      application_crash: 3,
    });
    expect(events.filter((e) => e.extendedEffectEndMs === undefined)).toHaveLength(28);
    expect(new Set(events.map((e) => e.traceName)).size).toBe(34);
    expect(events.every((e) => parseTraceName(e.traceName).type !== 0)).toBe(true);
  });

  it('ignores 12 unknown + 5 os_only events', () => {
    expect(events.filter((e) => eventLabelOf(e).ignored)).toHaveLength(17);
  });
});
