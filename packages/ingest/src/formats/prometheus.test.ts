import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@driftwatch/contracts';
import { parsePrometheusMatrix, sampleValue } from './prometheus';
import { readSequences } from './read';

/** A range-query response laid out one series per line, so lines and columns are easy to count. */
function response(series: string[], resultType = 'matrix'): string {
  return `{"status":"success","data":{"resultType":"${resultType}","result":[\n${series.join(',\n')}\n]}}\n`;
}

const CPU_A =
  '{"metric":{"__name__":"cpu","instance":"a","job":"node"},"values":[[1700000000,"0.5"],[1700000015,"0.75"]]}';
const MEM_A =
  '{"metric":{"__name__":"mem","instance":"a","job":"node"},"values":[[1700000015,"100"],[1700000030,"NaN"]]}';
const CPU_B = '{"metric":{"__name__":"cpu","instance":"b","job":"node"},"values":[[1700000000.5,"1e3"]]}';

describe('Prometheus range-query JSON', () => {
  it("groups series by instance and __name__, aligned on the union of each entity's times", () => {
    const { features, frames } = parsePrometheusMatrix(response([CPU_A, MEM_A, CPU_B]), 'q.json');
    expect(features).toEqual(['cpu', 'mem']);
    // a: t=…00 → (0.5, —); t=…15 → (0.75, 100); t=…30 → (—, NaN sample)
    expect(frames.map((f) => [f.entity, [...f.timestamps], [...f.values]])).toEqual([
      ['a', [1_700_000_000_000n, 1_700_000_015_000n, 1_700_000_030_000n], [0.5, NaN, 0.75, 100, NaN, NaN]],
      ['b', [1_700_000_000_500n], [1000, NaN]],
    ]);
  });

  it('reads a file into sequences with other grouping labels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-prom-'));
    try {
      const path = join(dir, 'q.json');
      await writeFile(path, response([CPU_A, CPU_B]));
      // grouped by job, named by instance: one entity "node" with features a and b;
      // rows t=…00.0 → (0.5, —), t=…00.5 → (—, 1000), t=…15 → (0.75, —)
      const [node] = await readSequences(path, { entityLabel: 'job', metricLabel: 'instance' });
      expect([node.entity, node.features, [...node.values], [...node.timestamps!]]).toEqual([
        'node',
        ['a', 'b'],
        [0.5, NaN, NaN, 1000, 0.75, NaN],
        [1_700_000_000_000n, 1_700_000_000_500n, 1_700_000_015_000n],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a series without __name__ by its other labels', () => {
    const rate = '{"metric":{"instance":"a","mode":"idle"},"values":[[1,"2"]]}';
    expect(parsePrometheusMatrix(response([rate]), 'q.json').features).toEqual(['{mode="idle"}']);
  });

  it('rejects ±Inf unless asked to read it as missing', () => {
    const inf = '{"metric":{"__name__":"lat","instance":"a"},"values":[[1,"1"],[2,"+Inf"]]}';
    // line 2, the "+Inf" string starts at character 66
    expect(() => parsePrometheusMatrix(response([inf]), 'q.json')).toThrow(
      new InputError(
        { file: 'q.json', line: 2, column: 66 },
        'a finite sample value at index 1 of series lat{instance="a"} (read ±Inf as missing with ' +
          'infinities: "missing") at $.data.result[0].values[1][1]',
        '+Inf',
      ),
    );
    const { frames } = parsePrometheusMatrix(response([inf]), 'q.json', { infinities: 'missing' });
    expect([...frames[0].values]).toEqual([1, NaN]);
  });

  it('names the series and the index of a malformed sample', () => {
    const short = '{"metric":{"__name__":"cpu","instance":"a"},"values":[[1,"1"],[2]]}';
    // line 3 (the second series), the "[2]" pair starts at character 63
    expect(() => parsePrometheusMatrix(response([CPU_B, short]), 'q.json')).toThrow(
      new InputError(
        { file: 'q.json', line: 3, column: 63 },
        'a [unixSeconds, "value"] pair at index 1 of series cpu{instance="a"} at $.data.result[1].values[1]',
        '[2]',
      ),
    );
    const word = '{"metric":{"__name__":"cpu","instance":"a"},"values":[[1,"high"]]}';
    expect(() => parsePrometheusMatrix(response([word]), 'q.json')).toThrow(
      'q.json:2:58: expected a sample value string ("0.5", "NaN", "+Inf") at index 0 of series ' +
        'cpu{instance="a"} at $.data.result[0].values[0][1], found "\\"high\\""',
    );
  });

  it('rejects an instant-query vector, an error status and bad JSON with their positions', () => {
    // `{"status":"success","data":{"resultType":"vector"`: the value starts at character 42
    expect(() => parsePrometheusMatrix(response([], 'vector'), 'q.json')).toThrow(
      new InputError(
        { file: 'q.json', line: 1, column: 42 },
        'resultType "matrix" (the response of a range query, /api/v1/query_range) at $.data.resultType',
        '"vector"',
      ),
    );
    const error = '{"status":"error","errorType":"bad_data","error":"parse error at char 4"}';
    expect(() => parsePrometheusMatrix(error, 'q.json')).toThrow(
      new InputError(
        { file: 'q.json', line: 1, column: 11 },
        'status "success" at $.status',
        '"error" (bad_data: parse error at char 4)',
      ),
    );
    // a missing comma: line 2 is `"data":{"metric":{} "values":[]}}`, the quote after the gap is character 21
    expect(() => parsePrometheusMatrix('{"status":"success",\n"data":{"metric":{} "values":[]}}', 'q.json')).toThrow(
      new InputError({ file: 'q.json', line: 2, column: 21 }, '"," or "}" after a property value', '"'),
    );
  });

  it('names line and column across the pieces a long one-line response is read in', async () => {
    // one line of ~600 KB (Prometheus writes no newlines), labels with multi-byte characters before the fault
    const many = Array.from(
      { length: 4000 },
      (_, k) => `{"metric":{"__name__":"cpu","instance":"hôte-${k}"},"values":[[1,"0.5"],[2,"0.75"]]}`,
    );
    many[3999] = many[3999].replace('"0.75"', '"0,75"');
    const text = `{"status":"success","data":{"resultType":"matrix","result":[${many.join(',')}]}}`;
    const bad = text.lastIndexOf('"0,75"');
    const column = [...text.slice(0, bad)].length + 1;
    const dir = await mkdtemp(join(tmpdir(), 'dw-prom-'));
    try {
      const path = join(dir, 'q.json');
      await writeFile(path, text);
      await expect(readSequences(path)).rejects.toThrow(
        `${path}:1:${column}: expected a sample value string ("0.5", "NaN", "+Inf") at index 1 of series ` +
          'cpu{instance="hôte-3999"} at $.data.result[3999].values[1][1], found "\\"0,75\\""',
      );
      await writeFile(path, text.replace('"0,75"', '"0.25"'));
      const read = await readSequences(path);
      expect(read.map((s) => s.entity)).toEqual(many.map((_, k) => `hôte-${k}`));
      expect([...read[3999].values]).toEqual([0.5, 0.25]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a byte that is not UTF-8 inside a string', async () => {
    const line2 = CPU_B.replace('"b"', '"b?"');
    const bytes = Buffer.from(response([line2]));
    bytes[bytes.indexOf('b?') + 1] = 0xff;
    const dir = await mkdtemp(join(tmpdir(), 'dw-prom-'));
    try {
      const path = join(dir, 'q.json');
      await writeFile(path, bytes);
      await expect(readSequences(path)).rejects.toThrow(
        new InputError({ file: path, line: 2, column: line2.indexOf('b?') + 2 }, 'text in UTF-8', 'byte 0xff'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects two series for the same entity and feature', () => {
    expect(() => parsePrometheusMatrix(response([CPU_A, CPU_A]), 'q.json')).toThrow(
      'q.json:3:1: expected one series per instance and __name__ ($.data.result[0] is also "a" / "cpu") at ' +
        '$.data.result[1], found "cpu{instance=\\"a\\",job=\\"node\\"}"',
    );
  });

  it('reads the sample value strings of the HTTP API', () => {
    expect(['1', '-2.5', '1e+06', '.5', 'NaN', '+Inf', '-Inf'].map(sampleValue)).toEqual([
      1,
      -2.5,
      1e6,
      0.5,
      NaN,
      Infinity,
      -Infinity,
    ]);
    expect(['', ' 1', '0x10', 'inf', 'Infinity'].map(sampleValue)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(sampleValue(1)).toBeUndefined();
  });
});
