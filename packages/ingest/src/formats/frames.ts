import {
  Dictionary,
  Field,
  Float64,
  Int32,
  RecordBatch,
  Struct,
  TimestampMillisecond,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { ParameterError, type Sequence } from '@driftwatch/contracts';
import { IndexedSchema } from '../arrow/indexed-schema';

/** One entity's records after pivoting: times and row-major values (NaN = missing) over a shared feature list. */
export interface EntityFrame {
  entity: string;
  /** ms since the epoch, increasing */
  timestamps: BigInt64Array;
  /** row-major, timestamps.length × features.length */
  values: Float64Array;
}

/** Entities' frames over one feature list: what the long-CSV pivot and the Prometheus reader produce. */
export interface PivotedFrames {
  features: string[];
  frames: EntityFrame[];
}

export interface SequenceNaming {
  /** sequence id of an entity (default: the entity) */
  idOf?: (entity: string) => string;
  /** domain of an entity (default: the entity) */
  domainOf?: (entity: string) => string;
}

/** One Sequence per frame, values rounded to float32 as the contract requires. */
export function framesToSequences(pivoted: PivotedFrames, naming: SequenceNaming = {}): Sequence[] {
  return pivoted.frames.map((frame) => ({
    id: naming.idOf ? naming.idOf(frame.entity) : frame.entity,
    entity: frame.entity,
    domain: naming.domainOf ? naming.domainOf(frame.entity) : frame.entity,
    features: pivoted.features.slice(),
    values: Float32Array.from(frame.values),
    length: frame.timestamps.length,
    timestamps: frame.timestamps,
  }));
}

export interface FrameColumnNames {
  /** default "entity" */
  entity?: string;
  /** default "timestamp" */
  timestamp?: string;
}

/**
 * Frames as record batches in the wide layout, one batch per entity: `entity` Dictionary<Utf8, Int32>
 * (one dictionary of all entities, shared by every batch), `timestamp` Timestamp[ms], then one Float64
 * column per feature, null where the value is missing.
 */
export function* framesToBatches(
  pivoted: PivotedFrames,
  names: FrameColumnNames = {},
  source = '',
): Generator<RecordBatch> {
  const entityName = names.entity ?? 'entity';
  const timeName = names.timestamp ?? 'timestamp';
  const clash = pivoted.features.find((f) => f === entityName || f === timeName);
  if (clash !== undefined || entityName === timeName)
    throw new ParameterError(
      `column name ${JSON.stringify(clash ?? entityName)} is used twice: pick other entity/timestamp column names`,
    );
  const entityType = new Dictionary(new Utf8(), new Int32());
  const fields = [
    new Field(entityName, entityType, false),
    new Field(timeName, new TimestampMillisecond(), false),
    ...pivoted.features.map((f) => new Field(f, new Float64(), true)),
  ];
  const schema = new IndexedSchema(fields, new Map([['source', source]]));
  const entities = vectorFromArray(
    pivoted.frames.map((f) => f.entity),
    new Utf8(),
  );
  const width = pivoted.features.length;
  for (const [k, frame] of pivoted.frames.entries()) {
    const length = frame.timestamps.length;
    const children = [
      makeData({ type: entityType, length, nullCount: 0, data: new Int32Array(length).fill(k), dictionary: entities }),
      makeData({ type: new TimestampMillisecond(), length, nullCount: 0, data: frame.timestamps }),
      ...pivoted.features.map((_, f) => featureColumn(frame.values, width, f, length)),
    ];
    yield new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
  }
}

/** Column `f` of a row-major matrix as Float64 data with a validity bitmap where values are NaN. */
function featureColumn(values: Float64Array, width: number, f: number, length: number) {
  const column = new Float64Array(length);
  let bitmap: Uint8Array | undefined;
  let nulls = 0;
  for (let t = 0; t < length; t++) {
    const v = values[t * width + f];
    column[t] = v;
    if (Number.isNaN(v)) {
      bitmap ??= new Uint8Array((length + 7) >> 3).fill(0xff);
      bitmap[t >> 3] &= ~(1 << (t & 7));
      nulls++;
    }
  }
  return makeData({
    type: new Float64(),
    length,
    data: column,
    nullCount: nulls,
    ...(bitmap ? { nullBitmap: bitmap } : {}),
  });
}
