/**
 * The PyTorch port of `npm run bench -- reference` (divad_step.py) must build the networks driftwatch builds. Its
 * layer-size table (pure Python arithmetic, no torch needed; the script checks its torch modules against the table
 * before timing) is compared here, network by network, with the parameter specs driftwatch's models are made
 * from, and with the counts the issue states.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { divadParamSpecs } from '@driftwatch/models';
import { architectureOf, REFERENCE_CASES, type ReferenceCase } from './cases';

const SCRIPT = join(__dirname, 'divad_step.py');
const python = spawnSync('python3', ['--version']);
const withPython = python.error ? describe.skip : describe;
if (python.error) process.stderr.write('divad_step.py table: skipped, python3 not found\n');

function torchTable(c: ReferenceCase): { parameters: number; groups: Record<string, number> } {
  const r = spawnSync('python3', [SCRIPT, '--table', JSON.stringify(c)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`divad_step.py --table failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { parameters: number; groups: Record<string, number> };
}

/** driftwatch's parameters per network: the first component of each name (enc_y/dense_0/kernel → enc_y) */
function driftwatchGroups(c: ReferenceCase): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const spec of divadParamSpecs(architectureOf(c))) {
    const network = spec.name.split('/')[0];
    groups[network] = (groups[network] ?? 0) + spec.shape.reduce((a, b) => a * b, 1);
  }
  return groups;
}

withPython('divad_step.py layer table against driftwatch', () => {
  it.each(REFERENCE_CASES.map((c) => [c.name, c] as const))('%s: the same count per network', (_, c) => {
    expect(torchTable(c).groups).toEqual(driftwatchGroups(c));
  });

  it("gives the issue's counts: 213,237 (Dense, D 237, W 1, 11 domains) and 35,273 (Rec on ASD)", () => {
    const byName = (name: string) => REFERENCE_CASES.find((c) => c.name === name)!;
    expect(torchTable(byName('dense-237x1')).parameters).toBe(213_237);
    expect(torchTable(byName('rec-19x20')).parameters).toBe(35_273);
  });

  it('follows the layout: two conv layers and two GRUs change the table as they change the model', () => {
    const rec = REFERENCE_CASES.find((c) => c.network === 'rec')!;
    const deeper = { ...rec, rec: { convFilters: [8, 6], kernelSize: 3, stride: 1, gruUnits: [5, 4] } };
    expect(torchTable(deeper).groups).toEqual(driftwatchGroups(deeper));
    const dense = REFERENCE_CASES.find((c) => c.network === 'dense')!;
    const wider = { ...dense, hidden: [50, 30], domains: 4, components: 3 };
    expect(torchTable(wider).groups).toEqual(driftwatchGroups(wider));
  });
});
