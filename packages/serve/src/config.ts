/**
 * The serve config file (YAML or JSON): which label names the entity, how often to score, and one PromQL query per
 * model feature. Checked against the model before any query is sent.
 */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { DriftwatchError, InputError, type FeaturePlan } from '@driftwatch/contracts';
import { parseDuration } from './duration';

export interface ServeConfig {
  /** the label whose value is the entity */
  entityLabel: string;
  /** time between scored records; should be the step of the training records */
  intervalMs: number;
  /** oldest sample accepted at an evaluation time (Prometheus's lookback_delta); undefined = the server's */
  lookbackMs?: number;
  /** how long the smoothed score stays over the threshold before the alarm fires */
  forMs: number;
  /** per request, before it is retried */
  timeoutMs: number;
  /** how far back a round fetches missed records (after a restart or an outage); older ones are a gap */
  catchUpMs: number;
  /** a label holding the entity's domain (models trained with --domain column:NAME) */
  domainLabel?: string;
  /** feature name → PromQL, in the file's order */
  features: Record<string, string>;
}

const KEYS = ['entityLabel', 'interval', 'lookback', 'for', 'timeout', 'catchUp', 'domainLabel', 'features'];
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses and checks the config text (not yet against a model). */
export function parseServeConfig(text: string, file: string): ServeConfig {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new InputError({ file }, 'a YAML or JSON config', doc.errors[0].message);
  const raw = doc.toJSON() as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InputError({ file }, `a mapping with ${KEYS.join(', ')}`, JSON.stringify(raw));
  const obj = raw as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new InputError({ file }, `only the keys ${KEYS.join(', ')}`, unknown.join(', '));
  const scalar = (key: string, required: boolean): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (required) throw new InputError({ file }, `a value for ${key}`, 'none');
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw new InputError({ file }, `${key}: a string`, String(v));
    return String(v);
  };
  const duration = (key: string, fallback?: number): number | undefined => {
    const v = scalar(key, false);
    if (v === undefined) return fallback;
    const ms = parseDuration(v, `${file}: ${key}`);
    if (!(ms > 0) && key !== 'for') throw new InputError({ file }, `${key}: a positive duration`, v);
    return ms;
  };
  const entityLabel = scalar('entityLabel', true)!;
  if (!LABEL.test(entityLabel)) throw new InputError({ file }, 'entityLabel: a Prometheus label name', entityLabel);
  const domainLabel = scalar('domainLabel', false);
  if (domainLabel !== undefined && !LABEL.test(domainLabel))
    throw new InputError({ file }, 'domainLabel: a Prometheus label name', domainLabel);
  const intervalMs = duration('interval');
  if (intervalMs === undefined) throw new InputError({ file }, 'a value for interval (e.g. 15s)', 'none');
  const features = obj.features;
  if (typeof features !== 'object' || features === null || Array.isArray(features))
    throw new InputError({ file }, 'features: a mapping of feature name to PromQL query', JSON.stringify(features));
  const queries: Record<string, string> = {};
  for (const [name, query] of Object.entries(features as Record<string, unknown>)) {
    if (typeof query !== 'string' || query.trim() === '')
      throw new InputError({ file }, `features.${name}: a PromQL query`, JSON.stringify(query));
    queries[name] = query.trim();
  }
  if (Object.keys(queries).length === 0) throw new InputError({ file }, 'at least one feature query', 'none');
  return {
    entityLabel,
    intervalMs,
    lookbackMs: duration('lookback'),
    forMs: duration('for', 0)!,
    timeoutMs: duration('timeout', Math.min(intervalMs, 10_000))!,
    catchUpMs: duration('catchUp', 300_000)!,
    ...(domainLabel !== undefined ? { domainLabel } : {}),
    features: queries,
  };
}

export async function readServeConfig(file: string): Promise<ServeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DriftwatchError(`--config ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseServeConfig(text, file);
}

/**
 * The config's features against the model's plan: every model feature needs a query, and every query must name an
 * input of the model (a dropped input may have one: it is read and ignored, as `score --input` ignores it).
 */
export function checkConfigAgainstPlan(config: ServeConfig, plan: FeaturePlan, file: string): void {
  const names = Object.keys(config.features);
  const unknown = names.filter((n) => !plan.inputs.includes(n));
  const missing = plan.features.filter((f) => !(f in config.features));
  const problems = [
    unknown.length > 0 ? `unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : '',
    missing.length > 0 ? `no query for the model feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : '',
  ].filter((p) => p !== '');
  if (problems.length > 0)
    throw new DriftwatchError(
      `${file}: ${problems.join('; ')}. The model reads ${plan.features.join(', ')}` +
        (plan.dropped.length > 0 ? ` (and dropped ${plan.dropped.map((d) => d.name).join(', ')})` : '') +
        ': give one query per feature under features:',
    );
  if (typeof plan.domain === 'object' && config.domainLabel === undefined)
    throw new DriftwatchError(
      `${file}: the model takes each entity's domain from the column ${plan.domain.column}: ` +
        'name the label that holds it with domainLabel:',
    );
}
