import { open } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import { InputError } from '@driftwatch/contracts';
import { readCsvBatches, type CsvColumn, type CsvProgress } from './csv-batches';

/** A header-less numeric CSV as a row-major float32 matrix. */
export interface NumericMatrix {
  rows: number;
  columns: number;
  values: Float32Array;
}

export interface NumericMatrixOptions {
  /** required fields per row (default: the first row's) */
  expectedColumns?: number;
  /** a file with no rows gives a 0 × expectedColumns matrix instead of an error */
  allowEmpty?: boolean;
  onProgress?: (progress: CsvProgress) => void;
}

/**
 * Streams a header-less CSV of numbers (every field required, finite) through the typed reader and
 * lays the float32 columns of each batch out row-major, the layout `Sequence.values` uses.
 */
export async function readNumericMatrix(path: string, options: NumericMatrixOptions = {}): Promise<NumericMatrix> {
  const width = options.expectedColumns ?? (await firstRowWidth(path));
  if (width === 0) {
    if (options.allowEmpty) return { rows: 0, columns: options.expectedColumns ?? 0, values: new Float32Array(0) };
    throw new InputError({ file: path, line: 1, column: 1 }, 'at least one data row', 'an empty file');
  }
  const columns: CsvColumn[] = Array.from({ length: width }, (_, j) => ({
    name: `c${j + 1}`,
    type: 'float32',
    nullable: false,
  }));
  const parts: RecordBatch[] = [];
  let rows = 0;
  for await (const batch of readCsvBatches(path, {
    columns,
    allowEmpty: options.allowEmpty,
    onProgress: options.onProgress,
  })) {
    parts.push(batch);
    rows += batch.numRows;
  }
  const values = new Float32Array(rows * width);
  let offset = 0;
  for (const batch of parts) {
    for (let j = 0; j < width; j++) {
      const column = batch.getChildAt(j)!.data[0].values as Float32Array;
      for (let r = 0; r < batch.numRows; r++) values[(offset + r) * width + j] = column[r];
    }
    offset += batch.numRows;
  }
  return { rows, columns: width, values };
}

/** Fields in the first non-blank line (0 for an empty file); reads only the file's head. */
async function firstRowWidth(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(1 << 16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const text = head.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '');
    const line = text.split('\n').find((l) => l.trim() !== '');
    return line === undefined ? 0 : line.split(',').length;
  } finally {
    await handle.close();
  }
}
