/**
 * Test code only: rewrites a file of a saved model directory and updates its size and sha256 in manifest.json, as
 * someone editing both would, so that tests reach the checks behind the hash (shapes, node links, finiteness).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeModelFileRehashed(dir: string, name: string, content: string | Uint8Array): Promise<void> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  await writeFile(join(dir, name), bytes);
  const manifestFile = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  const entry = (manifest.files as { name: string; bytes: number; sha256: string }[]).find((f) => f.name === name);
  if (!entry) throw new Error(`${name} is not among the files of ${manifestFile}`);
  entry.bytes = bytes.byteLength;
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
}
