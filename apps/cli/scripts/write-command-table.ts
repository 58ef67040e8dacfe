// npm run docs:cli [-- --check]: writes the command table of apps/cli/README.md from the command definitions;
// with --check, only says whether it is up to date (exit 1 when not).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../src/commands';
import { commandTable, withCommandTable } from '../src/command-table';
import { repoRoot } from '../src/workspace';

const readme = join(repoRoot(), 'apps', 'cli', 'README.md');
const text = readFileSync(readme, 'utf8');
const updated = withCommandTable(text, commandTable(COMMANDS.map((c) => c.definition)), readme);
if (process.argv.includes('--check')) {
  const verdict = updated === text ? 'up to date' : 'out of date; run npm run docs:cli';
  process.stdout.write(`${readme}: command table ${verdict}\n`);
  process.exitCode = updated === text ? 0 : 1;
} else if (updated !== text) {
  writeFileSync(readme, updated);
  process.stdout.write(`${readme}: command table written (${COMMANDS.length} commands)\n`);
} else process.stdout.write(`${readme}: command table already up to date\n`);
