import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InputError } from '@driftwatch/contracts';
import { EXATHLON_ANOMALY_TYPES, EXATHLON_TRACE_TYPES } from './exathlon/names';
import { parseExathlonGroundTruth } from './exathlon/ground-truth';
import { NEZHA_FAULT_CODES, parseFaultList } from './nezha/faults';
import { readOmniAnomaly } from './omnianomaly';

/**
 * Property tests of the label parsers: generated label files read back as an independent model of them
 * says, and one corrupted field is reported at its own line and column.
 */

const GT_HEADER =
  'trace_name,trace_type,anomaly_type,anomaly_details,root_cause_start,root_cause_end,extended_effect_end';

const gtEvent = fc.record({
  app: fc.integer({ min: 1, max: 10 }),
  type: fc.integer({ min: 1, max: 5 }),
  rate: fc.constantFrom(10000, 50000, 100000, 1000000),
  id: fc.integer({ min: 1, max: 99 }),
  anomaly: fc.constantFrom(...EXATHLON_ANOMALY_TYPES),
  details: fc.constantFrom('', 'increased_processing_time', 'no_application_impact'),
  start: fc.integer({ min: 1_500_000_000, max: 1_600_000_000 }),
  length: fc.integer({ min: 0, max: 5000 }),
  extended: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
});

describe('label parsers under generated input', () => {
  it('Exathlon ground truth: every generated row reads back; a corrupted time is named at its line and column', () => {
    fc.assert(
      fc.property(
        fc.array(gtEvent, { minLength: 1, maxLength: 15 }),
        fc.nat(),
        fc.constantFrom('abc', '1e', '--3', ''),
        (events, pick, junk) => {
          const rows = events.map((e) => {
            const end = e.start + e.length;
            return [
              `${e.app}_${e.type}_${e.rate}_${e.id}`,
              EXATHLON_TRACE_TYPES[e.type],
              e.anomaly,
              e.details,
              `${e.start}.0`,
              `${end}.0`,
              e.extended === undefined ? '' : `${end + e.extended}.0`,
            ];
          });
          const parsed = parseExathlonGroundTruth(
            [GT_HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n',
            'gt.csv',
          );
          const model = events.map((e, i) => ({
            traceName: rows[i][0],
            anomalyType: e.anomaly,
            rootCauseStartMs: e.start * 1000,
            rootCauseEndMs: (e.start + e.length) * 1000,
            extendedEffectEndMs: e.extended === undefined ? undefined : (e.start + e.length + e.extended) * 1000,
            line: i + 2,
          }));
          expect(
            parsed.map((p) => ({
              traceName: p.traceName,
              anomalyType: p.anomalyType,
              rootCauseStartMs: p.rootCauseStartMs,
              rootCauseEndMs: p.rootCauseEndMs,
              extendedEffectEndMs: p.extendedEffectEndMs,
              line: p.line,
            })),
          ).toEqual(model);
          // corrupt root_cause_start (field 5) of one row: the error names that line and the field's first character
          const k = pick % rows.length;
          const bad = rows.map((r) => [...r]);
          bad[k][4] = junk;
          const text = [GT_HEADER, ...bad.map((r) => r.join(','))].join('\n') + '\n';
          let error: unknown;
          try {
            parseExathlonGroundTruth(text, 'gt.csv');
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(InputError);
          const column = bad[k].slice(0, 4).join(',').length + 2;
          expect((error as InputError).location).toEqual({ file: 'gt.csv', line: k + 2, column });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('Nezha fault lists: generated entries read back in time order; an unknown type is named at its value', () => {
    const types = Object.keys(NEZHA_FAULT_CODES);
    const entry = fc.record({
      minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      second: fc.integer({ min: 0, max: 59 }),
      pod: fc.constantFrom('ts-food-service-f5756978c-k8vqf', 'cartservice-7d8c7c4f9-2x9lq'),
      type: fc.constantFrom(...types),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { minLength: 1, maxLength: 12, selector: (e) => e.minute * 60 + e.second }),
        fc.nat(),
        (entries, pick) => {
          const time = (e: { minute: number; second: number }) =>
            `2023-01-29 ${String(Math.floor(e.minute / 60)).padStart(2, '0')}:` +
            `${String(e.minute % 60).padStart(2, '0')}:${String(e.second).padStart(2, '0')}`;
          const render = (list: typeof entries) => {
            const byHour = new Map<string, string[]>();
            for (const e of list) {
              const hour = String(Math.floor(e.minute / 60)).padStart(2, '0');
              byHour.set(hour, [
                ...(byHour.get(hour) ?? []),
                `    {"inject_time": "${time(e)}", "inject_timestamp": "0", "inject_pod": "${e.pod}", ` +
                  `"inject_type": "${e.type}"}`,
              ]);
            }
            return `{\n${[...byHour].map(([h, xs]) => `  "${h}": [\n${xs.join(',\n')}\n  ]`).join(',\n')}\n}\n`;
          };
          const faults = parseFaultList(render(entries), 'f.json');
          const model = [...entries].sort((a, b) => a.minute * 60 + a.second - (b.minute * 60 + b.second));
          expect(faults.map((f) => [f.injectTime, f.pod, f.type])).toEqual(model.map((e) => [time(e), e.pod, e.type]));
          const k = pick % entries.length;
          const broken = entries.map((e, i) => (i === k ? { ...e, type: 'disk_full' } : e));
          const text = render(broken);
          const lines = text.split('\n');
          const line = lines.findIndex((l) => l.includes('"disk_full"')) + 1;
          const column = lines[line - 1].indexOf('"disk_full"') + 1;
          expect(() => parseFaultList(text, 'f.json')).toThrow(new RegExp(`^f\\.json:${line}:${column}: `));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('ASD/SMD interpretation labels: generated segments become the ranges each convention says', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ingest-labels-fuzz-'));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc
            .uniqueArray(fc.integer({ min: 0, max: 28 }), { minLength: 2, maxLength: 10 })
            .map((cuts) => cuts.sort((a, b) => a - b)),
          fc.constantFrom('asd' as const, 'smd' as const),
          async (cuts, dataset) => {
            // disjoint segments [cuts[2i], cuts[2i+1]] (inclusive) over 30 test records
            const segments: [number, number][] = [];
            for (let i = 0; i + 1 < cuts.length; i += 2) segments.push([cuts[i], cuts[i + 1]]);
            const T = 30;
            const labels = new Array<number>(T).fill(0);
            for (const [a, b] of segments) for (let t = a; t <= b; t++) labels[t] = 1;
            const dir = join(root, dataset);
            for (const d of ['train', 'test', 'test_label', 'interpretation_label'])
              await mkdir(join(dir, d), { recursive: true });
            await writeFile(join(dir, 'train', 'e-1.txt'), '0.5,0.5\n'.repeat(4));
            await writeFile(join(dir, 'test', 'e-1.txt'), '0.5,0.5\n'.repeat(T));
            await writeFile(join(dir, 'test_label', 'e-1.txt'), `${labels.join('\n')}\n`);
            // ASD writes inclusive ends, SMD one past the end (datasets/README.md, "Labels")
            const text = segments.map(([a, b]) => `${a}-${dataset === 'asd' ? b : b + 1}:1,2`).join('\n');
            await writeFile(join(dir, 'interpretation_label', 'e-1.txt'), text);
            if (dataset === 'asd')
              await writeFile(
                join(dir, 'anomaly_type.txt'),
                ['dataset,anomaly_segment,anomaly_type', ...segments.map(([a, b]) => `e-1,${a}-${b},metric`)].join(
                  '\n',
                ),
              );
            const [entity] = await readOmniAnomaly(root, dataset);
            expect(entity.test.ranges!.map((r) => [r.start, r.end])).toEqual(segments.map(([a, b]) => [a, b + 1]));
            expect([...entity.test.labels!]).toEqual(labels);
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
