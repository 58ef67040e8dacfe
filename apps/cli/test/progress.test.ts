import { fitProgressReporter, formatDuration, progressBar } from '../src/progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    stream: { isTTY, columns: 80, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream,
    writes,
  };
}

describe('progress', () => {
  it('prints plain lines off a terminal: the first update, then at most one per interval, and the last', () => {
    const { stream, writes } = fakeStream(false);
    const bar = progressBar('fit', 4, { stream, lineIntervalMs: 60_000 });
    bar.update(1);
    bar.update(2);
    bar.update(4);
    bar.done('ok');
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^fit 1\/4 25% /);
    expect(writes[1]).toMatch(/^fit 4\/4 100% /);
    expect(writes[2]).toMatch(/^fit done in .* · ok\n$/);
  });

  it('redraws one line with a bar on a terminal', () => {
    const { stream, writes } = fakeStream(true);
    const bar = progressBar('fit', 2, { stream });
    bar.update(2);
    expect(writes[0]).toMatch(/^\rfit \[#{24}\] 2\/2 100%/);
  });

  it('says nothing more after a failure off a terminal, and clears a drawn bar on one', () => {
    const plain = fakeStream(false);
    const bar = progressBar('convert', 4, { stream: plain.stream });
    bar.update(1);
    bar.fail();
    expect(plain.writes).toHaveLength(1);
    expect(plain.writes.join('')).not.toMatch(/done/);
    const tty = fakeStream(true);
    const drawn = progressBar('convert', 4, { stream: tty.stream });
    drawn.fail(); // nothing drawn yet: nothing to clear
    drawn.update(1);
    drawn.fail();
    expect(tty.writes).toHaveLength(2);
    expect(tty.writes[1]).toBe(`\r${' '.repeat(79)}\r`);
  });

  it('turns epochs and batches into one fraction', () => {
    const updates: [number, string | undefined][] = [];
    const report = fitProgressReporter({
      update: (d, s) => updates.push([d, s]),
      setTotal: () => undefined,
      done: () => undefined,
      fail: () => undefined,
    });
    report({ epoch: 1, epochs: 10, batch: 5, batches: 20, phase: 'train' });
    report({ epoch: 2, epochs: 10, valLoss: 1.5, phase: 'train' });
    report({ epoch: 2, epochs: 10, batch: 10, batches: 20, phase: 'train' });
    expect(updates.map((u) => u[0])).toEqual([1.25, 2, 2.5]);
    expect(updates[2][1]).toBe('train, val loss 1.500');
  });

  it('formats durations', () => {
    expect(formatDuration(5.25)).toBe('5.3s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(NaN)).toBe('--');
  });
});
