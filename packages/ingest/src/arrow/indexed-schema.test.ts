import { Dictionary, Field, Float64, Int32, RecordBatch, Schema, Struct, Utf8, makeData } from 'apache-arrow';
import { IndexedSchema } from './indexed-schema';

const field = (name: string, meta?: Record<string, string>) =>
  new Field(name, new Float64(), true, meta ? new Map(Object.entries(meta)) : undefined);

describe('IndexedSchema', () => {
  it('assigns as apache-arrow does: same names replaced in place with merged metadata, new ones appended', () => {
    const fields = [field('a', { x: '1' }), field('b'), new Field('e', new Dictionary(new Utf8(), new Int32(), 7))];
    const other = [field('b', { y: '2' }), field('c'), field('a', { x: '3', z: '4' })];
    const metadata = new Map([['source', 'f.csv']]);
    const ours = new IndexedSchema(fields, metadata).assign(other);
    const arrows = new Schema(fields, metadata).assign(other);
    const describe = (s: Schema) => [
      s.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata]]),
      [...s.metadata],
      [...s.dictionaries.keys()],
    ];
    expect(describe(ours)).toEqual(describe(arrows));
    expect(ours).toBeInstanceOf(IndexedSchema);
  });

  it('builds a record batch reading each field name a few times, not once per other field', () => {
    const width = 5_000;
    let nameReads = 0;
    const fields = Array.from({ length: width }, (_, j) => {
      const f = field(`m${j}`);
      // counts every read of the name: apache-arrow's assign reads them width²/2 times (12.5 million here)
      Object.defineProperty(f, 'name', {
        get: () => {
          nameReads++;
          return `m${j}`;
        },
      });
      return f;
    });
    const children = fields.map((f, j) => makeData({ type: f.type, length: 2, data: new Float64Array([j, -j]) }));
    nameReads = 0;
    const batch = new RecordBatch(
      new IndexedSchema(fields),
      makeData({ type: new Struct(fields), length: 2, children }),
    );
    expect([batch.numCols, batch.numRows, batch.getChildAt(width - 1)!.get(1)]).toEqual([width, 2, -(width - 1)]);
    expect(nameReads).toBeLessThanOrEqual(4 * width);
    expect(batch.schema).toBeInstanceOf(IndexedSchema);
  });
});
