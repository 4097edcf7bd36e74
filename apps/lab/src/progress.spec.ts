import { TimerlessBar, progressView } from './progress';

function sink(isTTY: boolean): { out: { write(s: string): boolean; isTTY: boolean }; text: () => string } {
  let buf = '';
  return {
    out: {
      isTTY,
      write: (s: string) => {
        buf += s;
        return true;
      },
    },
    text: () => buf,
  };
}

describe('progress on a virtual clock', () => {
  it('sets no timer, so a simulated run keeps its events to itself', () => {
    const spies = (['setTimeout', 'setInterval', 'setImmediate'] as const).map((f) => jest.spyOn(global, f));
    try {
      const bar = progressView(
        '{bar} {value}/{total} s {phase}',
        10,
        { phase: 'load' },
        { virtualClock: true },
      );
      for (let s = 0; s <= 10; s++) bar.update(s, { phase: s < 10 ? 'load' : 'drain' });
      bar.stop();
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('redraws in place on a terminal', () => {
    const s = sink(true);
    const bar = new TimerlessBar('{value}/{total} s | ok {ok}', 4, { ok: '-' }, s.out);
    bar.update(1, { ok: '99.0%' });
    bar.update(2, {});
    bar.stop();
    expect(s.text()).toBe('\r\x1b[2K 1/4 s | ok 99.0%\r\x1b[2K 2/4 s | ok 99.0%\n');
  });

  it('writes a line per tenth of the way elsewhere, and the last one on stop', () => {
    const s = sink(false);
    const bar = new TimerlessBar('{bar} {value}/{total}', 100, {}, s.out);
    for (let v = 0; v <= 57; v++) bar.update(v, {});
    bar.stop();
    const lines = s.text().trim().split('\n');
    expect(lines.map((l) => l.split(' ').pop())).toEqual([
      '0/100',
      '10/100',
      '20/100',
      '30/100',
      '40/100',
      '50/100',
      '57/100',
    ]);
    expect(lines[6]).toContain('\u2588'.repeat(23) + '\u2591'.repeat(17));
  });
});
