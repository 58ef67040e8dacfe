import type { ResultRecord } from '@driftwatch/contracts';
import { summaryTable } from '../src/commands/bench-st';

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
});
