import { ParameterError } from '@driftwatch/contracts';
import {
  closestName,
  derived,
  describeAccepted,
  layerWidthsAccepted,
  listOf,
  meets,
  NULL,
  oneOf,
  POSITIVE_INTEGER,
  resolveParameters,
  staticDefaults,
  withFixedParameters,
  type ParameterSchema,
  type ValueConstraint,
} from './schema';

interface Toy {
  mode: 'a' | 'b';
  width: number;
  layers: number | number[];
  rate: number;
  clip: number | null;
  depth: number;
}

const TOY: ParameterSchema<Toy> = {
  parameters: {
    mode: { description: 'which variant', accepts: [oneOf('a', 'b')] },
    width: { description: 'units', accepts: [POSITIVE_INTEGER], default: 8 },
    layers: { description: 'hidden widths', accepts: layerWidthsAccepted(1), default: [4, 4] },
    rate: {
      description: 'a fraction',
      accepts: [{ type: 'number', min: 0, max: 1, exclusiveMin: true }],
      default: 0.5,
    },
    clip: {
      description: 'a clip or none',
      accepts: [{ type: 'number', min: 0, exclusiveMin: true }, NULL],
      default: null,
    },
    depth: {
      description: 'twice the width unless given',
      accepts: [POSITIVE_INTEGER],
      default: derived(['width'], '2·width', (c) => 2 * (c.width as number)),
    },
  },
  rules: [{ keys: ['depth', 'width'], expected: 'depth must be at least width', holds: (c) => c.depth >= c.width }],
};

describe('value constraints', () => {
  it.each<[ValueConstraint, unknown[], unknown[]]>([
    [{ type: 'integer', min: 1 }, [1, 7, 1e9], [0, -1, 2.5, '3', NaN, Infinity, null]],
    [{ type: 'integer', min: 2, max: 255 }, [2, 255], [1, 256, 3.5]],
    [{ type: 'number', min: 0, exclusiveMin: true }, [1e-9, 3, 1e300], [0, -1, Infinity, NaN, '1']],
    [{ type: 'number', min: 0, max: 1, exclusiveMax: true }, [0, 0.999], [1, -0.001]],
    [oneOf('x', 'y'), ['x', 'y'], ['z', 'X', 1, null]],
    [{ type: 'boolean' }, [true, false], [0, 'true', null]],
    [NULL, [null], [undefined, 0, 'null']],
    [{ type: 'literal', value: Infinity }, [Infinity], [-Infinity, 1e308]],
    [listOf(POSITIVE_INTEGER, { minItems: 1, distinct: true }), [[1], [3, 1]], [[], [1, 1], [0], [1.5], 3, '1']],
    [{ type: 'record', fields: { k: [POSITIVE_INTEGER] } }, [{ k: 2 }], [{ k: 0 }, {}, { k: 1, extra: 1 }, [2], null]],
  ])('%j accepts exactly what it says', (constraint, good, bad) => {
    for (const v of good) expect([v, meets(v, constraint)]).toEqual([v, true]);
    for (const v of bad) expect([v, meets(v, constraint)]).toEqual([v, false]);
  });

  it('describes constraints in words, in the singular and for list items in the plural', () => {
    expect(describeAccepted(layerWidthsAccepted(1))).toBe(
      'a positive integer or a non-empty list of positive integers',
    );
    expect(
      describeAccepted([
        { type: 'number', min: 0, max: 1, exclusiveMin: true },
        { type: 'integer', min: 2 },
      ]),
    ).toBe('a number in (0, 1] or an integer ≥ 2');
    expect(describeAccepted([oneOf('auto'), NULL])).toBe("'auto' or null");
    expect(describeAccepted([listOf({ type: 'integer', min: 0, max: 9 }, { distinct: true })])).toBe(
      'a list of distinct integers in [0, 9]',
    );
    expect(describeAccepted([{ type: 'record', fields: { f: [POSITIVE_INTEGER], s: [{ type: 'boolean' }] } }])).toBe(
      'an object { f: a positive integer, s: true or false }',
    );
  });
});

describe('resolveParameters', () => {
  it('fills defaults (derived ones from the resolved values) in the schema order, and keeps what is given', () => {
    expect(resolveParameters('toy', TOY, { mode: 'b' })).toEqual({
      mode: 'b',
      width: 8,
      layers: [4, 4],
      rate: 0.5,
      clip: null,
      depth: 16,
    });
    const c = resolveParameters('toy', TOY, { depth: 9, width: 3, mode: 'a', layers: 2, clip: 1.5 });
    expect(Object.keys(c)).toEqual(['mode', 'width', 'layers', 'rate', 'clip', 'depth']);
    expect([c.width, c.layers, c.clip, c.depth]).toEqual([3, 2, 1.5, 9]);
    expect(resolveParameters('toy', TOY, { mode: 'a', width: 5, depth: undefined }).depth).toBe(10);
  });

  it('copies lists, so a config shares nothing with the caller or the defaults', () => {
    const layers = [1, 2];
    const c = resolveParameters('toy', TOY, { mode: 'a', layers });
    layers.push(3);
    (resolveParameters('toy', TOY, { mode: 'a' }).layers as number[]).push(9);
    expect([c.layers, resolveParameters('toy', TOY, { mode: 'a' }).layers]).toEqual([
      [1, 2],
      [4, 4],
    ]);
  });

  it.each<[Record<string, unknown> | unknown, string]>([
    [
      { mode: 'a', widht: 3 },
      "toy: unknown parameter 'widht' (did you mean 'width'?); known: mode, width, layers, rate, clip, depth",
    ],
    [
      { mode: 'a', frobnicate: 3 },
      "toy: unknown parameter 'frobnicate'; known: mode, width, layers, rate, clip, depth",
    ],
    [{}, "toy: mode is required: one of 'a', 'b'"],
    [{ mode: 'c' }, `toy: mode must be one of 'a', 'b', got "c"`],
    [{ mode: 'a', width: 0 }, 'toy: width must be a positive integer, got 0'],
    [{ mode: 'a', rate: 0 }, 'toy: rate must be a number in (0, 1], got 0'],
    [{ mode: 'a', clip: Infinity }, 'toy: clip must be a number > 0 or null, got Infinity'],
    [
      { mode: 'a', layers: [3, 0, 2] },
      'toy: layers must be a positive integer or a non-empty list of positive integers, got [3,0,2] (item 1 is 0)',
    ],
    [{ mode: 'a', width: 10, depth: 4 }, 'toy: depth must be at least width, got depth = 4, width = 10'],
    [[1, 2], 'toy: parameters must be an object of name → value, got [1,2]'],
    [null, 'toy: parameters must be an object of name → value, got null'],
  ])('%j → one ParameterError: %s', (given, message) => {
    let error: unknown;
    try {
      resolveParameters('toy', TOY, given);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParameterError);
    expect((error as Error).message).toBe(message);
  });

  it('suggests a name only when it is close to one', () => {
    expect(closestName('windowLenght', ['windowLength', 'latentDim'])).toBe('windowLength');
    expect(closestName('nestimators', ['nEstimators', 'maxSamples'])).toBe('nEstimators');
    expect(closestName('seed', ['windowLength', 'latentDim'])).toBeUndefined();
  });
});

describe('withFixedParameters', () => {
  const fixed = withFixedParameters(TOY, { mode: 'b', width: 4 });

  it('hides the fixed parameters, turns defaults derived from them into plain values, and keeps the rules on', () => {
    expect(Object.keys(fixed.parameters)).toEqual(['layers', 'rate', 'clip', 'depth']);
    expect(fixed.parameters.depth.default).toBe(8);
    expect(staticDefaults(fixed)).toEqual({ layers: [4, 4], rate: 0.5, clip: null, depth: 8 });
    expect(() => resolveParameters('toy-b', fixed, { depth: 3 })).toThrow(
      'toy-b: depth must be at least width, got depth = 3',
    );
    expect(() => resolveParameters('toy-b', fixed, { mode: 'a' })).toThrow(/^toy-b: unknown parameter 'mode'/);
  });
});
