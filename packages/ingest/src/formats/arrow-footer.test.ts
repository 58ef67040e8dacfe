import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ByteBuffer } from 'flatbuffers';
import { Footer } from 'apache-arrow/fb/footer';
import { Message } from 'apache-arrow/fb/message';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { readBatches } from './read';
import { writeBatches } from './write-batches';

/**
 * Arrow IPC files whose footer or message header states sizes the file cannot hold. Each is read in a child
 * process with a 256 MB heap: a reader that believes the sizes dies there (it reached 4 GB in-process) instead of
 * taking the test runner with it.
 */
const CHILD = `
const { readArrowBatches } = require(process.env.BUNDLE);
(async () => {
  const outcomes = [];
  for (const path of process.argv.slice(1)) {
    try {
      let rows = 0;
      for await (const batch of readArrowBatches(path)) rows += batch.numRows;
      outcomes.push({ rows });
    } catch (e) {
      outcomes.push({ error: e.constructor.name + ': ' + String(e.message).slice(0, 300) });
    }
  }
  process.stdout.write(JSON.stringify(outcomes));
})();
`;

/** Where, in a flatbuffer, the length of the vector in field `slot` of the table at `pos` is stored. */
function vectorLengthAt(bb: ByteBuffer, pos: number, slot: number): number {
  const field = pos + bb.__offset(pos, slot);
  return field + bb.readInt32(field);
}

describe('Arrow IPC footers and headers that claim more than the file holds', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-arrow-footer-'));
    bundle = join(dir, 'arrow-ipc.js');
    await build({
      entryPoints: [join(__dirname, 'arrow-ipc.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['source'],
      logLevel: 'warning',
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the file and the impossible size, in bounded memory', async () => {
    const csv = join(dir, 'base.csv');
    const rows = Array.from({ length: 60 }, (_, k) => `h${k % 3},${k + 1},${k * 0.5},${k % 7}`);
    await writeFile(csv, ['entity,timestamp,cpu,mem', ...rows].join('\n') + '\n');
    const base = join(dir, 'base.arrow');
    await writeBatches(base, readBatches(csv), 'arrow');
    const bytes = await readFile(base);

    // the footer: int32 length and "ARROW1" at the end; its first record batch block points at the message
    const footerLength = bytes.readInt32LE(bytes.length - 10);
    const footerStart = bytes.length - 10 - footerLength;
    const footerBb = new ByteBuffer(bytes.subarray(footerStart, footerStart + footerLength));
    const footer = Footer.getRootAsFooter(footerBb);
    const blocksLength = footerStart + vectorLengthAt(footerBb, footer.bb_pos, 10);
    const block = footer.recordBatches(0)!;
    const messageStart = Number(block.offset()) + 8; // after 0xFFFFFFFF and the metadata length
    const messageBb = new ByteBuffer(bytes.subarray(messageStart, messageStart + block.metaDataLength() - 8));
    const batch = Message.getRootAsMessage(messageBb).header(new RecordBatch()) as RecordBatch;
    const nodesLength = messageStart + vectorLengthAt(messageBb, batch.bb_pos, 6);
    const buffersLength = messageStart + vectorLengthAt(messageBb, batch.bb_pos, 8);
    const firstNodeRows = nodesLength + 4; // a FieldNode struct: int64 length, int64 null count
    expect([batch.nodesLength(), batch.buffersLength()]).toEqual([
      bytes.readInt32LE(nodesLength),
      bytes.readInt32LE(buffersLength),
    ]);

    const cases: [string, (copy: Buffer) => void, string][] = [
      ['buffers', (c) => c.writeInt32LE(0x45000003, buffersLength), 'field nodes and buffers that fit'],
      ['nodes', (c) => c.writeInt32LE(0x40000000, nodesLength), 'field nodes and buffers that fit'],
      ['rows', (c) => c.writeBigInt64LE(1n << 40n, firstNodeRows), 'column 1 of record batch block 1'],
      ['blocks', (c) => c.writeInt32LE(0x10000000, blocksLength), 'record batch blocks that fit'],
      ['footer', (c) => c.writeInt32LE(0x7fffffff, c.length - 10), 'a footer within the file'],
    ];
    const paths: string[] = [];
    for (const [name, mutate] of cases) {
      const copy = Buffer.from(bytes);
      mutate(copy);
      paths.push(join(dir, `${name}.arrow`));
      await writeFile(paths[paths.length - 1], copy);
    }
    const child = spawnSync(process.execPath, ['--max-old-space-size=256', '-e', CHILD, ...paths], {
      env: { ...process.env, BUNDLE: bundle },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr.slice(0, 200) }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const outcomes = JSON.parse(child.stdout) as { error?: string }[];
    outcomes.forEach((outcome, k) => {
      expect(outcome.error).toContain(`InputError: ${paths[k]}: expected ${cases[k][2]}`);
    });
  }, 60_000);
});
