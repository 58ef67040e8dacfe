/**
 * Declarative detector parameters, in the manner of scikit-learn's `_param_validation`: a detector states per
 * parameter the values it accepts, its default and what it means; `resolveParameters` merges a caller's values
 * over the defaults, checks them and returns the typed config, or throws one ParameterError that names the
 * detector, the parameter, what was expected and what was given. The schema is plain data (but for derived
 * defaults and cross-parameter rules), so `driftwatch methods` prints the same thing that is enforced.
 */
import { ParameterError } from '@driftwatch/contracts';

/** One kind of value a parameter accepts; a parameter takes any value that meets one of its constraints. */
export type ValueConstraint =
  /** bounds inclusive */
  | { readonly type: 'integer'; readonly min?: number; readonly max?: number }
  /** finite numbers; bounds inclusive unless marked exclusive */
  | {
      readonly type: 'number';
      readonly min?: number;
      readonly max?: number;
      readonly exclusiveMin?: boolean;
      readonly exclusiveMax?: boolean;
    }
  | { readonly type: 'string'; readonly oneOf: readonly string[] }
  | { readonly type: 'boolean' }
  /** one special value: null (e.g. "none") or Infinity (e.g. "never stop early") */
  | { readonly type: 'literal'; readonly value: null | number }
  | {
      readonly type: 'list';
      readonly items: readonly ValueConstraint[];
      readonly minItems?: number;
      readonly distinct?: boolean;
    }
  /** an object with exactly these fields */
  | { readonly type: 'record'; readonly fields: Readonly<Record<string, readonly ValueConstraint[]>> };

/** A default computed from other parameters once those are resolved (e.g. st-dda's scales from W). */
export class DerivedDefault<T = unknown> {
  constructor(
    /** the parameters it is computed from */
    readonly from: readonly string[],
    /** how, for people: '{1, 4, W − 1} capped at W − 1' */
    readonly rule: string,
    readonly compute: (resolved: Readonly<Record<string, unknown>>) => T,
  ) {}
}

export function derived<T>(
  from: readonly string[],
  rule: string,
  compute: (resolved: Readonly<Record<string, unknown>>) => T,
): DerivedDefault<T> {
  return new DerivedDefault(from, rule, compute);
}

export interface ParameterSpec<T = unknown> {
  /** one line: what the parameter is, with the source of its default where it has one */
  readonly description: string;
  readonly accepts: readonly ValueConstraint[];
  /** absent: the caller must give it */
  readonly default?: T | DerivedDefault<T>;
}

/** A relation between parameters that no single constraint expresses (e.g. heads must divide dModel). */
export interface ParameterRule<C> {
  readonly keys: readonly (keyof C & string)[];
  /** the requirement as the error states it: 'heads must divide dModel' */
  readonly expected: string;
  readonly holds: (config: C) => boolean;
}

export type ParameterSpecs<C> = { readonly [K in keyof C & string]-?: ParameterSpec<C[K]> };

export interface ParameterSchema<C = Record<string, unknown>> {
  readonly parameters: ParameterSpecs<C>;
  readonly rules?: readonly ParameterRule<C>[];
}

// ---- constraint shorthands ----

export const POSITIVE_INTEGER: ValueConstraint = { type: 'integer', min: 1 };
export const NON_NEGATIVE_INTEGER: ValueConstraint = { type: 'integer', min: 0 };
export const POSITIVE_NUMBER: ValueConstraint = { type: 'number', min: 0, exclusiveMin: true };
export const NON_NEGATIVE_NUMBER: ValueConstraint = { type: 'number', min: 0 };
export const NULL: ValueConstraint = { type: 'literal', value: null };
export const BOOLEAN: ValueConstraint = { type: 'boolean' };

export function oneOf(...values: string[]): ValueConstraint {
  return { type: 'string', oneOf: values };
}

export function listOf(
  items: ValueConstraint | readonly ValueConstraint[],
  opts: { minItems?: number; distinct?: boolean } = {},
): ValueConstraint {
  return { type: 'list', items: Array.isArray(items) ? items : [items as ValueConstraint], ...opts };
}

/** Layer widths: one positive integer (one layer) or a list of them (`minItems` 1 where the network needs a layer). */
export function layerWidthsAccepted(minItems = 0): readonly ValueConstraint[] {
  return [POSITIVE_INTEGER, listOf(POSITIVE_INTEGER, minItems > 0 ? { minItems } : {})];
}

// ---- checking ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function within(v: number, c: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }): boolean {
  const aboveMin = c.min === undefined || (c.exclusiveMin ? v > c.min : v >= c.min);
  const belowMax = c.max === undefined || (c.exclusiveMax ? v < c.max : v <= c.max);
  return aboveMin && belowMax;
}

export function meets(value: unknown, c: ValueConstraint): boolean {
  switch (c.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && within(value, c);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && within(value, c);
    case 'string':
      return typeof value === 'string' && c.oneOf.includes(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'literal':
      return value === c.value;
    case 'list':
      return (
        Array.isArray(value) &&
        value.length >= (c.minItems ?? 0) &&
        value.every((item) => meetsAny(item, c.items)) &&
        (!c.distinct || new Set(value).size === value.length)
      );
    case 'record': {
      if (!isPlainObject(value)) return false;
      const names = Object.keys(c.fields);
      return Object.keys(value).every((k) => names.includes(k)) && names.every((k) => meetsAny(value[k], c.fields[k]));
    }
  }
}

export function meetsAny(value: unknown, accepts: readonly ValueConstraint[]): boolean {
  return accepts.some((c) => meets(value, c));
}

// ---- describing ----

function interval(c: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }): string {
  if (c.min !== undefined && c.max !== undefined) {
    return `in ${c.exclusiveMin ? '(' : '['}${c.min}, ${c.max}${c.exclusiveMax ? ')' : ']'}`;
  }
  if (c.min !== undefined) return `${c.exclusiveMin ? '>' : '≥'} ${c.min}`;
  if (c.max !== undefined) return `${c.exclusiveMax ? '<' : '≤'} ${c.max}`;
  return '';
}

/** 'a positive integer' (or 'positive integers' in the plural, for list items). */
export function describeConstraint(c: ValueConstraint, plural = false): string {
  const noun = (singular: string, many: string, article = 'a') => (plural ? many : `${article} ${singular}`);
  switch (c.type) {
    case 'integer': {
      if (c.max === undefined && c.min === 1) return noun('positive integer', 'positive integers');
      if (c.max === undefined && c.min === 0) return noun('non-negative integer', 'non-negative integers');
      const range = interval(c);
      return `${noun('integer', 'integers', 'an')}${range ? ` ${range}` : ''}`;
    }
    case 'number': {
      const range = interval(c);
      return range ? `${noun('number', 'numbers')} ${range}` : noun('finite number', 'finite numbers');
    }
    case 'string':
      if (c.oneOf.length === 1) return `'${c.oneOf[0]}'`;
      return `${plural ? 'each ' : ''}one of ${c.oneOf.map((v) => `'${v}'`).join(', ')}`;
    case 'boolean':
      return plural ? 'booleans' : 'true or false';
    case 'literal':
      return String(c.value);
    case 'list': {
      const kind = (c.minItems ?? 0) >= 1 ? 'non-empty list' : 'list';
      const items = c.items.map((i) => describeConstraint(i, true)).join(' or ');
      return `${noun(kind, `${kind}s`)} of ${c.distinct ? 'distinct ' : ''}${items}`;
    }
    case 'record': {
      const fields = Object.entries(c.fields).map(([k, a]) => `${k}: ${describeAccepted(a)}`);
      return `${noun('object', 'objects', 'an')} { ${fields.join(', ')} }`;
    }
  }
}

/** 'a positive integer or a list of positive integers' */
export function describeAccepted(accepts: readonly ValueConstraint[]): string {
  return accepts.map((c) => describeConstraint(c)).join(' or ');
}

/** A value as an error message shows it (JSON, but Infinity and NaN by name). */
export function showValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
}

// ---- resolving ----

/**
 * Optimal-string-alignment distance (Levenshtein plus swaps of neighbours, the commonest typo): d[i][j] =
 * min(d[i−1][j] + 1, d[i][j−1] + 1, d[i−1][j−1] + [a_i ≠ b_j], d[i−2][j−2] + 1 if a_i a_{i−1} = b_{j−1} b_j).
 */
function editDistance(a: string, b: string): number {
  // d[i][0] = i and d[0][j] = j: deletions and insertions only
  const row = (i: number) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0));
  const d = Array.from({ length: a.length + 1 }, (_, i) => row(i));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to a misspelt one, when it is close enough to be the likely intent (case ignored). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(name.toLowerCase(), k.toLowerCase());
    if (!best || distance < best.distance) best = { name: k, distance };
  }
  // a third of the name's length: catches 'windowLenght' or 'nEstimator', not 'foo' for 'seed'
  return best && best.distance <= Math.max(1, Math.floor(name.length / 3)) ? best.name : undefined;
}

export function unknownParameterError(id: string, key: string, known: readonly string[]): ParameterError {
  const near = closestName(key, known);
  const hint = near ? ` (did you mean '${near}'?)` : '';
  return new ParameterError(`${id}: unknown parameter '${key}'${hint}; known: ${known.join(', ')}`);
}

/** A copy, so that a config never shares lists or objects with the caller or with the schema's defaults. */
function copied<T>(v: T): T {
  return v !== null && typeof v === 'object' ? structuredClone(v) : v;
}

/**
 * `given` over the schema's defaults, validated: unknown keys, values outside what a parameter accepts, missing
 * required ones and broken rules each give a ParameterError naming `id`. A key whose value is undefined counts as
 * not given. Keys come out in the schema's order.
 */
export function resolveParameters<C>(id: string, schema: ParameterSchema<C>, given: unknown = {}): C {
  if (!isPlainObject(given)) {
    throw new ParameterError(`${id}: parameters must be an object of name → value, got ${showValue(given)}`);
  }
  const specs = schema.parameters as Readonly<Record<string, ParameterSpec>>;
  const known = Object.keys(specs);
  for (const key of Object.keys(given)) {
    const isKnown = Object.prototype.hasOwnProperty.call(specs, key);
    if (given[key] !== undefined && !isKnown) throw unknownParameterError(id, key, known);
  }
  const resolved: Record<string, unknown> = {};
  const later: string[] = [];
  for (const key of known) {
    const spec = specs[key];
    if (given[key] !== undefined) resolved[key] = checkedValue(id, key, spec, given[key]);
    else if (spec.default instanceof DerivedDefault) later.push(key);
    else if (spec.default !== undefined) resolved[key] = copied(spec.default);
    else throw new ParameterError(`${id}: ${key} is required: ${describeAccepted(spec.accepts)}`);
  }
  for (const key of later) {
    resolved[key] = checkedValue(id, key, specs[key], (specs[key].default as DerivedDefault).compute(resolved));
  }
  const config = Object.fromEntries(known.map((k) => [k, resolved[k]])) as C;
  for (const rule of schema.rules ?? []) {
    if (!rule.holds(config)) {
      const values = rule.keys.map((k) => `${k} = ${showValue((config as Record<string, unknown>)[k])}`).join(', ');
      throw new ParameterError(`${id}: ${rule.expected}, got ${values}`);
    }
  }
  return config;
}

function checkedValue(id: string, key: string, spec: ParameterSpec, value: unknown): unknown {
  if (!meetsAny(value, spec.accepts)) {
    const got = `${showValue(value)}${badItem(value, spec.accepts)}`;
    throw new ParameterError(`${id}: ${key} must be ${describeAccepted(spec.accepts)}, got ${got}`);
  }
  return copied(value);
}

/** ' (item 1 is 2.5)': the first item of a list that no list constraint's items accept, to point at in long lists. */
function badItem(value: unknown, accepts: readonly ValueConstraint[]): string {
  const lists = accepts.filter((c): c is Extract<ValueConstraint, { type: 'list' }> => c.type === 'list');
  if (!Array.isArray(value) || lists.length === 0) return '';
  const i = value.findIndex((item) => !lists.some((c) => meetsAny(item, c.items)));
  return i < 0 ? '' : ` (item ${i} is ${showValue(value[i])})`;
}

/** The defaults that need no other parameter (derived ones are left out), e.g. to show or to merge over. */
export function staticDefaults<C>(schema: ParameterSchema<C>): Partial<C> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema.parameters as Readonly<Record<string, ParameterSpec>>)) {
    if (spec.default !== undefined && !(spec.default instanceof DerivedDefault)) out[key] = copied(spec.default);
  }
  return out as Partial<C>;
}

/** A schema with some parameters fixed and hidden from callers (DIVAD's network and variant per registry id). */
export function withFixedParameters<C, K extends keyof C & string>(
  schema: ParameterSchema<C>,
  fixed: Pick<C, K>,
): ParameterSchema<Omit<C, K>> {
  const isFixed = (key: string) => Object.prototype.hasOwnProperty.call(fixed, key);
  const parameters: Record<string, ParameterSpec> = {};
  for (const [key, spec] of Object.entries(schema.parameters as Readonly<Record<string, ParameterSpec>>)) {
    if (isFixed(key)) continue;
    const d = spec.default;
    if (!(d instanceof DerivedDefault)) parameters[key] = spec;
    // a default derived only from fixed parameters is a plain value now
    else if (d.from.every(isFixed)) parameters[key] = { ...spec, default: d.compute(fixed as Record<string, unknown>) };
    else {
      const from = d.from.filter((k) => !isFixed(k));
      parameters[key] = { ...spec, default: derived(from, d.rule, (r) => d.compute({ ...r, ...fixed })) };
    }
  }
  const rules = (schema.rules ?? []).map((r) => ({
    ...r,
    keys: r.keys.filter((k) => !isFixed(k)),
    holds: (c: unknown) => r.holds({ ...(c as C), ...fixed }),
  }));
  return {
    parameters: parameters as unknown as ParameterSpecs<Omit<C, K>>,
    rules: rules as unknown as ParameterRule<Omit<C, K>>[],
  };
}
