import { ClearingHttpModule } from '../src';
import { eventually, startLab, type Lab } from '../../switch/test/lab-harness';

let lab: Lab;

beforeAll(async () => {
  // Short cycles, so a cycle holding the payment closes within the test.
  lab = await startLab((system) => ClearingHttpModule.register(system.clearing), { settlementCycleSec: 0.2 });
});

afterAll(async () => {
  await lab?.stop();
});

describe('ClearingHttpModule over a real embedded system', () => {
  it('starts with no positions', async () => {
    const r = await lab.call('GET', '/clearing/positions');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ totals: {}, sum: 0 });
  });

  it('nets a payment made through the PSP: positions, then a closed cycle', async () => {
    const paid = await lab.pay('SBI', 'ICICI', 43_210);
    expect(paid).toMatchObject({ status: 'SUCCESS', code: '00' });

    // The settlement entry reaches clearing over the bus a turn after the outcome.
    await eventually(
      async () => Object.keys((await lab.call('GET', '/clearing/positions')).json().totals).length > 0,
    );
    expect((await lab.call('GET', '/clearing/positions')).json()).toEqual({
      totals: { SBI: -43_210, ICICI: 43_210 },
      sum: 0,
    });

    // A declined payment moves no money and is not settled.
    const declined = await lab.pay('SBI', 'nobody-here@ybl', 1_000);
    expect(declined.status).toBe('DECLINED');

    const withPayment = async () =>
      (await lab.call('GET', '/clearing/cycles'))
        .json()
        .cycles.find((c: { entries: number }) => c.entries > 0);
    await eventually(async () => (await withPayment()) !== undefined);
    const body = (await lab.call('GET', '/clearing/cycles')).json();
    const nonEmpty = body.cycles.filter((c: { entries: number }) => c.entries > 0);
    expect(nonEmpty).toEqual([
      expect.objectContaining({
        entries: 1,
        pays: 1,
        rets: 0,
        grossPaise: 43_210,
        netPositions: { ICICI: 43_210, SBI: -43_210 },
        sum: 0,
      }),
    ]);
    expect(body.stats).toMatchObject({ accepted: 1, duplicates: 0, invalid: 0 });
    expect(body.stats.cyclesClosed).toBe(body.cycles.length);
    expect((await lab.call('GET', '/clearing/positions')).json()).toEqual({
      totals: { SBI: -43_210, ICICI: 43_210 },
      sum: 0,
    });
  });
});
