/**
 * The command table of apps/cli/README.md, made from the command definitions: `npm run docs:cli` writes it between
 * the markers, and test/readme.test.ts fails when the README and the definitions differ.
 */
import type { CommandDefinition } from './command';
import { argumentSynopsis } from './program';

export const TABLE_START = '<!-- commands:start — generated from the command definitions by `npm run docs:cli` -->';
export const TABLE_END = '<!-- commands:end -->';

/** `driftwatch bench st <compare|window|scale|robustness>` */
export function synopsis(d: CommandDefinition): string {
  return ['driftwatch', ...d.path, ...(d.arguments ?? []).map(argumentSynopsis)].join(' ');
}

/** One row per command: its synopsis and summary (a `|` inside a cell is escaped, as GitHub tables need). */
export function commandTable(commands: readonly CommandDefinition[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = commands.map((d) => `| \`${cell(synopsis(d))}\` | ${cell(d.summary)} |`);
  return ['| command | what it does |', '|---|---|', ...rows].join('\n');
}

/** `text` with the lines between the markers replaced by `table`; an error when the markers are not there once each. */
export function withCommandTable(text: string, table: string, file = 'README'): string {
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start || text.indexOf(TABLE_START, start + 1) >= 0) {
    throw new Error(`${file}: expected one '${TABLE_START}' line followed by one '${TABLE_END}' line`);
  }
  return `${text.slice(0, start + TABLE_START.length)}\n${table}\n${text.slice(end)}`;
}
