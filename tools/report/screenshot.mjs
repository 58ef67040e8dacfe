// Full-page screenshot of an HTML report in headless Chromium, failing on any console error:
//   node tools/report/screenshot.mjs report.html report.png [width]
// Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium.
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [html, png, width = '1240'] = process.argv.slice(2);
if (!html || !png) {
  console.error('usage: node tools/report/screenshot.mjs <report.html> <out.png> [width]');
  process.exit(2);
}
const executablePath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!executablePath) {
  console.error("no Chromium found: install Debian's chromium or set CHROMIUM_PATH");
  process.exit(1);
}
const profile = mkdtempSync(join(tmpdir(), 'driftwatch-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  viewport: { width: Number(width), height: 900 },
});
try {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' });
  const figures = await page.$$eval('figure[data-figure] svg', (svgs) => svgs.length);
  await page.screenshot({ path: png, fullPage: true });
  const height = await page.evaluate('document.documentElement.scrollHeight');
  console.log(`${png}: ${width} × ${height} px, ${figures} figures, ${errors.length} console errors`);
  if (errors.length > 0) {
    console.error(errors.join('\n'));
    process.exitCode = 1;
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
