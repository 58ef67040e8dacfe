import type { ResultRecord } from '@driftwatch/contracts';
import { seedTable, summaryTable } from '../src/commands/bench-st';

describe('bench st summary table', () => {
  it('shows TSB-AD’s VUS-PR beside ours, and a dash for lines written before it existed', () => {
    const line = { dataset: 'sim', method: 'st-dda', f1: 0.5, vusPr: 0.25, peakF1: 0.75 } as unknown as ResultRecord;
    const table = summaryTable([{ ...line, tsbAdVusPr: 0.625 } as ResultRecord, line]).split('\n');
    const header = table[0].split('|').map((c) => c.trim());
    const at = header.indexOf('VUS-PR TSB-AD');
    expect(header[at - 1]).toBe('VUS-PR');
    const cells = (row: string) => row.split('|').map((c) => c.trim());
    expect([cells(table[2])[at - 1], cells(table[2])[at]]).toEqual(['0.250', '0.625']);
    expect(cells(table[3])[at]).toBe('–');
  });

  it('gives each cell its seeds and F1, VUS-PR and peak F1 as mean ± sd (min–max)', () => {
    const line = (seed: number, f1: number) =>
      ({ experiment: 'compare', dataset: 'sim', method: 'st-dda-latent', seed, f1, vusPr: 0.5, peakF1: 1 }) as never;
    const table = seedTable([line(0, 0.5), line(1, 0.7), line(2, 0.9)]).split('\n');
    expect(table).toHaveLength(3);
    const cells = table[2].split('|').map((c) => c.trim());
    expect(cells).toContain('0,1,2');
    // 0.5, 0.7, 0.9: mean 0.7, sample sd 0.2
    expect(cells).toContain('0.700 ± 0.200 (0.500–0.900)');
    expect(cells).toContain('0.500 ± 0.000 (0.500–0.500)');
  });
});
