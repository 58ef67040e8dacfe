// npm run bench -- <name> [args…]: runs tools/bench/<name>.ts (see tools/run-ts.mjs) with the remaining arguments.
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTypeScript } from '../run-ts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
if (!name || name === '--help' || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [options]\nbenchmarks: ${available.join(', ')}`);
  process.exit(name && name !== '--help' ? 2 : 0);
}
process.exit(await runTypeScript(join(here, `${name}.ts`), args));
