import {
  type Data,
  DataType,
  Dictionary,
  Field,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Vector,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { ParameterError } from '@driftwatch/contracts';
import { IndexedSchema } from '../arrow/indexed-schema';

/** One output dictionary: every key seen so far, in first-seen order, kept as a list of chunks. */
class GrowingDictionary {
  private readonly codeOf = new Map<unknown, number>();
  private readonly chunks: Data[] = [];
  /** set by the first `translate` */
  vector!: Vector;
  /** the translation of the last source dictionary, reused while batches share it */
  private lastSource: Vector | undefined;
  private lastTranslation = new Int32Array(0);
  private lastIsIdentity = true;

  constructor(private readonly valueType: DataType) {}

  /** Source code → output code for a batch's dictionary; new keys become one new chunk (a delta). */
  translate(source: Vector): { translation: Int32Array; identity: boolean } {
    if (source === this.lastSource) return { translation: this.lastTranslation, identity: this.lastIsIdentity };
    const translation = new Int32Array(source.length);
    const added: unknown[] = [];
    let identity = true;
    for (let j = 0; j < source.length; j++) {
      const key = source.get(j);
      let code = this.codeOf.get(key);
      if (code === undefined) {
        code = this.codeOf.size;
        this.codeOf.set(key, code);
        added.push(key);
      }
      translation[j] = code;
      if (code !== j) identity = false;
    }
    // the first dictionary message must exist even when empty, or the next one would count as a replacement
    if (added.length > 0 || this.chunks.length === 0) {
      this.chunks.push(...vectorFromArray(added, this.valueType).data);
      this.vector = new Vector(this.chunks.slice());
    }
    this.lastSource = source;
    this.lastTranslation = translation;
    this.lastIsIdentity = identity;
    return { translation, identity };
  }
}

/**
 * Re-codes the top-level dictionary columns of a batch stream against one growing dictionary per
 * column, so that each batch's dictionary extends the previous one by a delta chunk. The Arrow IPC file
 * format allows delta dictionaries but not replacements (Arrow columnar spec, "IPC File Format"), and
 * apache-arrow's RecordBatchFileWriter writes a delta only when the new dictionary keeps the previous
 * one's first chunk — while `readCsvBatches` hands out a fresh, longer dictionary with every batch.
 * Codes are kept as they are when they already match (the CSV reader's grow-only dictionaries) and
 * rewritten otherwise (dictionaries that were replaced or reordered). Indices come out as Int32.
 * Dictionaries nested in lists or structs are passed through unchanged.
 */
export class DictionaryUnifier {
  private schema: Schema | undefined;
  private signature = '';
  private dictionaries: (GrowingDictionary | undefined)[] = [];

  unify(batch: RecordBatch): RecordBatch {
    if (!this.schema) this.start(batch.schema);
    const schema = this.schema!;
    const signature = schemaSignature(batch.schema);
    if (signature !== this.signature)
      throw new ParameterError(`record batches must share one schema: got (${signature}) after (${this.signature})`);
    if (!this.dictionaries.some((d) => d !== undefined))
      return batch.schema === schema ? batch : new RecordBatch(schema, batch.data);
    const children = batch.data.children.map((data, k) => {
      const dictionary = this.dictionaries[k];
      return dictionary ? recode(data, dictionary, schema.fields[k].type as Dictionary) : data;
    });
    return new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }),
    );
  }

  private start(source: Schema): void {
    const fields = source.fields.map((field) => {
      if (!DataType.isDictionary(field.type)) return field;
      const type = field.type;
      return new Field(
        field.name,
        new Dictionary(type.dictionary, new Int32(), type.id, type.isOrdered),
        field.nullable,
        field.metadata,
      );
    });
    this.schema = new IndexedSchema(fields, source.metadata);
    this.signature = schemaSignature(source);
    this.dictionaries = source.fields.map((field) =>
      DataType.isDictionary(field.type) ? new GrowingDictionary(field.type.dictionary) : undefined,
    );
  }
}

/** Field names and types (dictionary ids aside) in order: what must not change within one output file. */
export function schemaSignature(schema: Schema): string {
  return schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
}

/** A dictionary column's data with codes against the growing dictionary. */
function recode(data: Data, dictionary: GrowingDictionary, type: Dictionary): Data {
  const source = data.dictionary ?? vectorFromArray([], type.dictionary);
  const { translation, identity } = dictionary.translate(source);
  // values are already sliced to the column's rows; the validity bitmap still counts from `offset`
  const codes = data.values as ArrayLike<number>;
  let out: Int32Array;
  if (identity && codes instanceof Int32Array) out = codes;
  else {
    out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data.getValid(i) ? translation[codes[i]] : 0;
  }
  return makeData({
    type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: data.nullBitmap,
    data: out,
    dictionary: dictionary.vector,
  });
}
