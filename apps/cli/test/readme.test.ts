import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../src/commands';
import { TABLE_END, TABLE_START, commandTable, withCommandTable } from '../src/command-table';

describe('the README command table', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

  it('is the one the definitions give (npm run docs:cli rewrites it)', () => {
    const between = readme.slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END)).trim();
    const rows = between.split('\n').slice(2);
    // one row per listed command, in the list's order, each naming its command and summary
    expect(rows).toHaveLength(COMMANDS.length);
    rows.forEach((row, i) => {
      const { path, summary } = COMMANDS[i].definition;
      expect(row.startsWith(`| \`driftwatch ${path.join(' ')}`)).toBe(true);
      expect(row.replace(/\\\|/g, '|').endsWith(` | ${summary} |`)).toBe(true);
    });
    expect(between).toBe(commandTable(COMMANDS.map((c) => c.definition)));
  });

  it('is replaced between the markers only, and missing markers are an error', () => {
    const text = `intro\n${TABLE_START}\nold\n${TABLE_END}\noutro\n`;
    expect(withCommandTable(text, 'new')).toBe(`intro\n${TABLE_START}\nnew\n${TABLE_END}\noutro\n`);
    expect(() => withCommandTable('no markers', 'new', 'X.md')).toThrow(/X\.md: expected one/);
  });
});
