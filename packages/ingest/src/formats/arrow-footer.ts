import type { FileHandle } from 'node:fs/promises';
import { ByteBuffer } from 'flatbuffers';
import { Footer } from 'apache-arrow/fb/footer';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import type { Field } from 'apache-arrow/fb/field';
import { InputError } from '@driftwatch/contracts';

/**
 * Checks the sizes an Arrow IPC file's footer and message headers state against the file's own size, before
 * apache-arrow decodes them. Flatbuffers carry no verifier in JavaScript: a vector length or a row count is
 * believed as written, and apache-arrow allocates by it (a record batch whose field node claims 2^40 rows took
 * the reader to a 4 GB heap and out of memory). Every count here must fit in the bytes that hold it:
 *
 *  - the footer within the file; its block list and each schema vector within the footer (a block is 24 bytes, a
 *    table reference 4);
 *  - each block's metadata and body within the file; each node and buffer list within its metadata (16 bytes each);
 *  - each buffer within its body; a node's rows at most 8 per body byte (the densest layout: one validity or
 *    boolean bit per row) and its nulls at most its rows.
 */
export async function checkArrowFileSizes(handle: FileHandle, path: string, size: number): Promise<void> {
  const fail = (expected: string, found: string): never => {
    throw new InputError({ file: path }, expected, found);
  };
  const MAGIC_AND_LENGTH = 10; // int32 footer length + "ARROW1"
  const HEAD = 8; // "ARROW1" + 2 bytes of padding
  if (size < HEAD + MAGIC_AND_LENGTH) fail('an Arrow IPC file of at least 18 bytes', `${size} bytes`);
  const footerLength = (await readAt(handle, size - MAGIC_AND_LENGTH, 4)).readInt32LE(0);
  const footerStart = size - MAGIC_AND_LENGTH - footerLength;
  if (!(footerLength > 0 && footerStart >= HEAD))
    fail(`a footer within the file's ${size} bytes`, `a footer length of ${footerLength} bytes`);
  const footer = Footer.getRootAsFooter(new ByteBuffer(await readAt(handle, footerStart, footerLength)));
  const fits = (count: number, bytesEach: number, within: number, what: string) => {
    if (!(count >= 0 && count * bytesEach <= within))
      fail(`${what} that fit in ${within} bytes (${bytesEach} bytes each)`, `${count}`);
  };
  fits(footer.recordBatchesLength(), 24, footerLength, 'record batch blocks');
  fits(footer.dictionariesLength(), 24, footerLength, 'dictionary blocks');
  const schema = footer.schema();
  if (schema) {
    fits(schema.fieldsLength(), 4, footerLength, 'schema fields');
    fits(schema.customMetadataLength(), 4, footerLength, 'schema metadata entries');
    let fields = 0;
    const visit = (field: Field | null, depth: number) => {
      if (!field) return;
      if (depth > 64 || ++fields > footerLength / 4) fail('a schema of fields nested at most 64 deep', 'more');
      fits(field.childrenLength(), 4, footerLength, `children of field ${JSON.stringify(field.name() ?? '')}`);
      fits(field.customMetadataLength(), 4, footerLength, 'field metadata entries');
      for (let c = 0; c < field.childrenLength(); c++) visit(field.children(c), depth + 1);
    };
    for (let f = 0; f < schema.fieldsLength(); f++) visit(schema.fields(f), 1);
  }
  const blocks = [
    ...Array.from({ length: footer.dictionariesLength() }, (_, i) => ({ what: `dictionary block ${i + 1}`, i })).map(
      ({ what, i }) => ({ what, block: footer.dictionaries(i) }),
    ),
    ...Array.from({ length: footer.recordBatchesLength() }, (_, i) => ({
      what: `record batch block ${i + 1}`,
      block: footer.recordBatches(i),
    })),
  ];
  for (const { what, block } of blocks) {
    if (!block) continue;
    const offset = Number(block.offset());
    const metaLength = block.metaDataLength();
    const bodyLength = Number(block.bodyLength());
    if (!(offset >= HEAD && metaLength >= 8 && bodyLength >= 0 && offset + metaLength + bodyLength <= footerStart))
      fail(
        `${what} within the file's ${footerStart} bytes before its footer`,
        `${metaLength} + ${bodyLength} bytes at byte ${offset}`,
      );
    await checkMessage(await readAt(handle, offset, metaLength), bodyLength, `${what} (byte ${offset})`, fail);
  }
}

/** One message of a block: its flatbuffer within the metadata, its nodes and buffers within what holds them. */
async function checkMessage(
  metadata: Buffer,
  bodyLength: number,
  what: string,
  fail: (expected: string, found: string) => never,
): Promise<void> {
  // a message starts with 0xFFFFFFFF and its length, or (before Arrow 0.15) with its length alone
  const prefix = metadata.readInt32LE(0) === -1 ? 8 : 4;
  const length = metadata.readInt32LE(prefix - 4);
  if (!(length > 0 && prefix + length <= metadata.length))
    fail(`a ${what} message within its ${metadata.length} metadata bytes`, `${length} bytes`);
  const message = Message.getRootAsMessage(new ByteBuffer(metadata.subarray(prefix, prefix + length)));
  let batch: RecordBatch | null = null;
  if (message.headerType() === MessageHeader.RecordBatch) batch = message.header(new RecordBatch()) as RecordBatch;
  else if (message.headerType() === MessageHeader.DictionaryBatch)
    batch = (message.header(new DictionaryBatch()) as DictionaryBatch).data();
  if (!batch) return;
  const rowsAtMost = 8 * bodyLength;
  const rows = Number(batch.length());
  if (!(rows >= 0 && rows <= rowsAtMost))
    fail(`a row count the ${bodyLength} body bytes of ${what} can hold (at most ${rowsAtMost})`, `${rows}`);
  const nodes = batch.nodesLength();
  const buffers = batch.buffersLength();
  if (!(nodes * 16 <= length && buffers * 16 <= length))
    fail(`field nodes and buffers that fit in the ${length} metadata bytes of ${what}`, `${nodes} and ${buffers}`);
  for (let n = 0; n < nodes; n++) {
    const node = batch.nodes(n)!;
    const nodeRows = Number(node.length());
    const nulls = Number(node.nullCount());
    if (!(nodeRows >= 0 && nodeRows <= rowsAtMost && nulls >= 0 && nulls <= nodeRows))
      fail(
        `column ${n + 1} of ${what} with at most ${rowsAtMost} rows and no more nulls than rows`,
        `${nodeRows} rows, ${nulls} nulls`,
      );
  }
  for (let b = 0; b < buffers; b++) {
    const buffer = batch.buffers(b)!;
    const start = Number(buffer.offset());
    const bytes = Number(buffer.length());
    if (!(start >= 0 && bytes >= 0 && start + bytes <= bodyLength))
      fail(`buffer ${b + 1} of ${what} within its ${bodyLength} body bytes`, `${bytes} bytes at ${start}`);
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
