/**
 * `driftwatch methods [show <id>] [--json]`: what the detector registry holds — every method id with its kind,
 * capabilities and summary; per method its parameters (what each accepts, its default and per-data-set
 * defaults, what it means) and the paper it implements. The text and JSON come from pure functions over the
 * descriptors, which the command definitions only print.
 */
import {
  DETECTOR_DESCRIPTORS,
  DerivedDefault,
  describeAccepted,
  detectorDescriptor,
  showValue,
  unknownDetectorError,
  type DetectorDescriptor,
  type ParameterSpec,
  type ValueConstraint,
} from '@driftwatch/models';
import type { Command } from '../command';
import { renderTable } from '../table';
import { UsageError } from '../cli-error';
import { methodsDefinition } from './methods.def';

/** One parameter as `methods --json` writes it. */
export interface ParameterJson {
  description: string;
  /** any one of these (JSON-schema-like; Infinity is written as the string "Infinity") */
  accepts: ValueConstraint[];
  /** absent when the parameter is required or derived */
  default?: unknown;
  /** how the default follows from other parameters */
  derivedDefault?: { from: string[]; rule: string };
  required?: true;
}

/** One detector as `methods --json` writes it. */
export interface MethodJson {
  id: string;
  kind: 'window' | 'node';
  summary: string;
  citation: string;
  capabilities: DetectorDescriptor['capabilities'];
  parameters: Record<string, ParameterJson>;
  /** requirements between parameters */
  rules: { keys: string[]; expected: string }[];
  datasetDefaults: Record<string, Record<string, unknown>>;
  testParams: Record<string, unknown>;
}

/** JSON has no Infinity: written as the string, as `showValue` prints it. */
function jsonSafe<T>(value: T): T {
  const named = (_: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
  return JSON.parse(JSON.stringify(value, named)) as T;
}

function specsOf(d: DetectorDescriptor): [string, ParameterSpec][] {
  return Object.entries(d.schema.parameters as Record<string, ParameterSpec>);
}

export function methodJson(d: DetectorDescriptor): MethodJson {
  const parameters: Record<string, ParameterJson> = {};
  for (const [name, spec] of specsOf(d)) {
    const p: ParameterJson = { description: spec.description, accepts: [...spec.accepts] };
    const d = spec.default;
    if (d instanceof DerivedDefault) p.derivedDefault = { from: [...d.from], rule: d.rule };
    else if (spec.default === undefined) p.required = true;
    else p.default = spec.default;
    parameters[name] = p;
  }
  return jsonSafe({
    id: d.id,
    kind: d.kind,
    summary: d.summary,
    citation: d.citation,
    capabilities: { ...d.capabilities },
    parameters,
    rules: (d.schema.rules ?? []).map((r) => ({ keys: [...r.keys], expected: r.expected })),
    datasetDefaults: { ...d.datasetDefaults },
    testParams: { ...d.testParams },
  });
}

function capabilityText(d: DetectorDescriptor): string {
  const { tfjs, supervised, epochs } = d.capabilities;
  return [tfjs ? 'tfjs' : 'js', ...(supervised ? ['supervised'] : []), ...(epochs ? ['epochs'] : [])].join(', ');
}

/** The listing of `driftwatch methods`: one row per id, window detectors first. */
export function describeMethods(descriptors: readonly DetectorDescriptor[] = DETECTOR_DESCRIPTORS): string {
  const rows = descriptors.map((d) => [d.id, d.kind, capabilityText(d), d.summary]);
  return [
    renderTable(['method', 'kind', 'needs / takes', 'summary'], rows),
    '',
    'window methods: train, score, bench asd-loso; node methods: bench st.',
    "'driftwatch methods show <id>' lists a method's parameters.",
    '',
  ].join('\n');
}

function settingHint(example: string): string {
  return `Set them with --params of train and bench asd-loso (e.g. '{"${example}": …}') or in an asd-loso grid file.`;
}

function defaultText(spec: ParameterSpec): string {
  if (spec.default instanceof DerivedDefault) return `= ${spec.default.rule}`;
  return spec.default === undefined ? '(required)' : showValue(spec.default);
}

/** The descriptor of a method id, window or node; the error names the closest id and lists them all. */
export function methodDescriptor(id: string): DetectorDescriptor {
  const ids = DETECTOR_DESCRIPTORS.map((d) => d.id);
  if (!ids.includes(id)) throw unknownDetectorError('method', id, ids);
  return detectorDescriptor(id);
}

/** `driftwatch methods show <id>`: the method, its citation, a row per parameter; a ParameterError for unknown ids. */
export function methodDetails(id: string): string {
  const d = methodDescriptor(id);
  const datasets = Object.keys(d.datasetDefaults);
  const headers = ['parameter', 'accepts', 'default', ...datasets.map((s) => `on ${s}`), 'description'];
  const rows = specsOf(d).map(([name, spec]) =>
    [
      name,
      describeAccepted(spec.accepts),
      defaultText(spec),
      ...datasets.map((s) => (name in d.datasetDefaults[s] ? showValue(d.datasetDefaults[s][name]) : '')),
      spec.description,
    ].map((cell) => cell.replace(/\|/g, '\\|')),
  );
  const rules = (d.schema.rules ?? []).map((r) => `  - ${r.expected}`);
  return [
    `${d.id} — ${d.kind} detector (${capabilityText(d)})`,
    d.summary,
    '',
    `Citation: ${d.citation}`,
    '',
    renderTable(headers, rows),
    ...(rules.length > 0 ? ['', 'Requirements between parameters:', ...rules] : []),
    '',
    ...(d.kind === 'window' ? [settingHint(specsOf(d)[0][0]), ''] : []),
  ].join('\n');
}

export const methods: Command<typeof methodsDefinition> = {
  ...methodsDefinition,
  async run(values, positionals) {
    const [show, id] = positionals;
    if (show !== undefined && id === undefined) {
      throw new UsageError("'methods show' needs a method id; 'driftwatch methods' lists them");
    }
    if (id !== undefined) {
      const one = methodJson(methodDescriptor(id));
      process.stdout.write(values.json ? `${JSON.stringify(one, null, 2)}\n` : methodDetails(id));
    } else {
      const json = { format: 1, methods: DETECTOR_DESCRIPTORS.map(methodJson) };
      process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : describeMethods());
    }
    return 0;
  },
};
