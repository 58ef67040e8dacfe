// Writes a small wide CSV (time, host, two metrics) into a temporary folder, converts it to an Arrow IPC
// file, a Parquet file and a CSV file (what `driftwatch convert <in> --to arrow|parquet|csv` does), then
// reads each one back and prints its rows and first values.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type InputMappingSpec, type OutputFormat, readBatches, readSequences, writeBatches } from '../src/index';

/** Three hosts, four samples a minute apart; host c misses one memory reading. */
function wideCsv(): string {
  const lines = ['ts,host,cpu,mem_mb'];
  const start = 1_714_521_600; // 2024-05-01T00:00:00Z
  for (let minute = 0; minute < 4; minute++) {
    for (const [k, host] of ['a', 'b', 'c'].entries()) {
      const cpu = (0.25 * (k + 1) + 0.05 * minute).toFixed(2);
      const mem = host === 'c' && minute === 2 ? '' : String(512 * (k + 1) + 8 * minute);
      lines.push(`${start + 60 * minute},${host},${cpu},${mem}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'driftwatch-convert-'));
  try {
    const source = join(dir, 'metrics.csv');
    await writeFile(source, wideCsv());
    const mapping: InputMappingSpec = { timestamp: 'ts', entity: 'host' };
    console.log(`${basename(source)}: wide CSV, mapping ${JSON.stringify(mapping)}`);

    const outputs: [OutputFormat, string, InputMappingSpec][] = [
      ['arrow', 'metrics.arrow', { entity: 'host' }],
      ['parquet', 'metrics.parquet', { entity: 'host' }],
      ['csv', 'metrics-out.csv', { timestamp: 'ts', timestampUnit: 'iso', entity: 'host' }],
    ];
    for (const [format, name, readBack] of outputs) {
      const path = join(dir, name);
      // batches of 5 rows: the host dictionary grows from batch to batch
      const report = await writeBatches(path, readBatches(source, mapping, { batchRows: 5 }), format);
      let rows = 0;
      let batches = 0;
      for await (const batch of readBatches(path, readBack)) {
        rows += batch.numRows;
        batches++;
      }
      const sequences = await readSequences(path, readBack);
      const first = sequences[0];
      const values = first.features.map((f, i) => `${f} ${first.values[i]}`).join(', ');
      console.log(
        `${format.padEnd(7)} ${name.padEnd(16)} ${String(report.bytes).padStart(5)} bytes, ` +
          `wrote ${report.rows} rows in ${report.batches} batches; ` +
          `read back ${rows} rows in ${batches} batch${batches === 1 ? '' : 'es'}, ${sequences.length} sequences`,
      );
      console.log(
        `        first: ${first.entity} at ${new Date(Number(first.timestamps![0])).toISOString()}: ` +
          `${values}; ${first.entity} has ${first.length} records`,
      );
      // the empty field of host c stays missing through every format
      const c = sequences.find((s) => s.entity === 'c')!;
      const mem = c.features.indexOf('mem_mb');
      console.log(
        '        c mem_mb: ' +
          Array.from({ length: c.length }, (_, t) => c.values[t * c.features.length + mem]).join(', '),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
