import { ParameterError } from '@driftwatch/contracts';
import { main } from '../src/main';
import { captureOutput } from './fixtures';

/** docs/divad.md §3–4 (13 baselines, 4 DIVAD variants), docs/spatiotemporal.md §1–2 (st-dda, 4 supervised ones) */
const WINDOW = [
  ...['iforest', 'pca', 'mahalanobis', 'dense-ae', 'dense-vae', 'dense-dsvdd', 'rec-ae', 'rec-vae', 'rec-dsvdd'],
  ...['tranad', 'mscred', 'omnianomaly', 'lstm-ad'],
];
const DIVAD = ['dense-divad-g', 'dense-divad-gm', 'rec-divad-g', 'rec-divad-gm'];
const NODE = ['st-dda', 'mlp', 'gbdt', 'cnn1d', 'transformer'];

interface ListedParameter {
  description: string;
  accepts: unknown[];
  default?: unknown;
  derivedDefault?: { rule: string };
  required?: true;
}

interface Listed {
  id: string;
  kind: string;
  citation: string;
  capabilities: { tfjs: boolean; supervised: boolean; epochs: boolean };
  parameters: Record<string, ListedParameter>;
}

describe('driftwatch methods', () => {
  it('--json lists the 22 methods with their kind, capabilities and a described schema', async () => {
    const { result, stdout } = await captureOutput(() => main(['methods', '--json']));
    expect(result).toBe(0);
    const listed = (JSON.parse(stdout) as { format: number; methods: Listed[] }).methods;
    expect(listed.map((m) => m.id)).toEqual([...WINDOW, ...DIVAD, ...NODE]);
    expect(listed.filter((m) => m.kind === 'node').map((m) => m.id)).toEqual(NODE);
    const ids = (keep: (m: Listed) => boolean) => listed.filter(keep).map((m) => m.id);
    expect(ids((m) => m.capabilities.supervised)).toEqual(['mlp', 'gbdt', 'cnn1d', 'transformer']);
    expect(ids((m) => !m.capabilities.tfjs)).toEqual(['iforest', 'pca', 'mahalanobis', 'gbdt']);
    for (const m of listed) {
      expect(m.citation).not.toBe('');
      expect(Object.keys(m.parameters)).toContain('windowLength');
      for (const p of Object.values(m.parameters)) {
        expect(p.description).not.toBe('');
        expect(p.accepts.length).toBeGreaterThan(0);
        expect('default' in p || p.derivedDefault !== undefined || p.required).toBeTruthy();
      }
    }
    // a few defaults as the papers give them (docs/divad.md §4; docs/spatiotemporal.md §1)
    const param = (id: string, name: string) => listed.find((m) => m.id === id)!.parameters[name];
    expect(param('iforest', 'nEstimators').default).toBe(100);
    expect(param('omnianomaly', 'flows').default).toBe(20);
    expect(param('st-dda', 'scales').derivedDefault?.rule).toMatch(/W − 1/);
    expect(param('rec-divad-gm', 'patience').accepts).toContainEqual({ type: 'literal', value: 'Infinity' });
  });

  it('show <id> prints the parameter table with per-data-set defaults and the citation', async () => {
    const { result, stdout } = await captureOutput(() => main(['methods', 'show', 'dense-divad-gm']));
    expect(result).toBe(0);
    expect(stdout).toMatch(/^dense-divad-gm — window detector \(tfjs, epochs\)/);
    expect(stdout).toMatch(/Citation: Jacob & Diao/);
    const row = stdout.split('\n').find((l) => l.startsWith('| alpha '))!;
    // default α 1e5 (Dense column), 1e3 on ASD and SMD (the ASD script)
    const cells = row.split('|').map((c) => c.trim());
    expect(cells.slice(1, 6)).toEqual(['alpha', 'a number ≥ 0', '100000', '1000', '1000']);
    const listing = await captureOutput(() => main(['methods']));
    const rows = listing.stdout.split('\n').filter((l) => /^\| [a-z]/.test(l));
    const firstColumn = rows.map((l) => l.split('|')[1].trim());
    expect(firstColumn).toEqual(['method', ...WINDOW, ...DIVAD, ...NODE]);
  });

  it('show with an unknown id is a ParameterError naming the id, the closest one and the known ones', async () => {
    await expect(main(['methods', 'show', 'nope'])).rejects.toThrow(ParameterError);
    const known = /^unknown method 'nope'; known: iforest, pca, .*, transformer$/;
    await expect(main(['methods', 'show', 'nope'])).rejects.toThrow(known);
    await expect(main(['methods', 'show', 'iforrest'])).rejects.toThrow(/did you mean 'iforest'\?/);
    await expect(main(['methods', 'show'])).rejects.toThrow(/'methods show' needs a method id/);
    await expect(main(['methods', 'list'])).rejects.toThrow(/show/);
  });
});
