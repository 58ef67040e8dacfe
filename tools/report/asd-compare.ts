/**
 * Per-server comparison of the ASD study (docs/divad.md §6, Figure 14): for each held-out server, the maximum and the
 * median peak F1 of every method over its runs (one run = one trained model × one smoothing factor), and how often
 * method A beats method B in each, with the relative gain.
 *
 *   npm run ts -- tools/report/asd-compare.ts <results.jsonl | folder> … [--a rec-divad-gm] [--b tranad]
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface Line {
  method: string;
  testSequence: string;
  peakF1: number;
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function readLines(path: string): Promise<Line[]> {
  const file = (await stat(path)).isDirectory() ? join(path, 'results.jsonl') : path;
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { a: { type: 'string', default: 'rec-divad-gm' }, b: { type: 'string', default: 'tranad' } },
  });
  const lines = (await Promise.all(positionals.map(readLines))).flat();
  const methods = [...new Set(lines.map((l) => l.method))];
  const servers = [...new Set(lines.map((l) => l.testSequence))].sort(
    (x, y) => Number(x.replace(/\D+/g, '')) - Number(y.replace(/\D+/g, '')),
  );
  const stats = new Map<string, { max: number; median: number; runs: number }>();
  for (const m of methods) {
    for (const s of servers) {
      const f1 = lines.filter((l) => l.method === m && l.testSequence === s).map((l) => l.peakF1);
      if (f1.length) stats.set(`${m}|${s}`, { max: Math.max(...f1), median: median(f1), runs: f1.length });
    }
  }
  const cell = (m: string, s: string) => {
    const v = stats.get(`${m}|${s}`);
    return v ? `${v.max.toFixed(3)} / ${v.median.toFixed(3)}` : '–';
  };
  console.log(`| server | ${methods.map((m) => `${m} max / median`).join(' | ')} |`);
  console.log(`|---|${methods.map(() => '---:').join('|')}|`);
  for (const s of servers)
    console.log(`| ${s.replace(/^asd\//, '')} | ${methods.map((m) => cell(m, s)).join(' | ')} |`);
  const a = values.a!;
  const b = values.b!;
  let maxWins = 0;
  let maxWinsBy10 = 0;
  let medianWins = 0;
  let compared = 0;
  const gains: string[] = [];
  for (const s of servers) {
    const x = stats.get(`${a}|${s}`);
    const y = stats.get(`${b}|${s}`);
    if (!x || !y) continue;
    compared++;
    if (x.max > y.max) maxWins++;
    if (x.max > 1.1 * y.max) maxWinsBy10++;
    if (x.median > y.median) medianWins++;
    gains.push(`${s.replace(/^asd\//, '')} ${y.max > 0 ? `${(((x.max - y.max) / y.max) * 100).toFixed(0)}%` : 'n/a'}`);
  }
  console.log(
    `\n${a} vs ${b} over ${compared} servers: higher max peak F1 on ${maxWins}, by >10% on ${maxWinsBy10}; ` +
      `higher median on ${medianWins}`,
  );
  console.log(`relative change of max peak F1 per server: ${gains.join(', ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
