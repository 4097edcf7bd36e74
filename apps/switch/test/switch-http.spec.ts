import { SwitchHttpModule } from '../src';
import { eventually, expectApiError, startLab, type Lab } from './lab-harness';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab((system) => SwitchHttpModule.register(system.switchNode));
});

afterAll(async () => {
  await lab?.stop();
});

describe('SwitchHttpModule over a real embedded system', () => {
  it('reports no transactions before any payment', async () => {
    const r = await lab.call('GET', '/switch/stats');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ registrySize: 0, coordinatorActive: 0, byStatus: {} });
  });

  it('shows a payment made through the PSP, by txnId and in the stats', async () => {
    const paid = await lab.pay('KOTAK', 'HDFC', 12_345);
    expect(paid).toMatchObject({ status: 'SUCCESS', code: '00' });

    const t = await lab.call('GET', `/switch/txns/${paid.txnId}`);
    expect(t.status).toBe(200);
    expect(t.json()).toEqual({ txnId: paid.txnId, status: 'SUCCESS', code: '00' });

    // The coordinator forgets the payment a turn or two after the outcome is sent.
    await eventually(async () => (await lab.call('GET', '/switch/stats')).json().coordinatorActive === 0);
    const s = await lab.call('GET', '/switch/stats');
    expect(s.json()).toEqual({ registrySize: 1, coordinatorActive: 0, byStatus: { SUCCESS: 1 } });
  });

  it('shows a declined payment with its response code', async () => {
    // A payee on a known handle that no bank account answers to: declined by the switch (ZH).
    const paid = await lab.pay('KOTAK', 'nobody-here@ybl', 5_000);
    expect(paid).toMatchObject({ status: 'DECLINED', code: 'ZH' });
    const t = await lab.call('GET', `/switch/txns/${paid.txnId}`);
    expect(t.json()).toEqual({ txnId: paid.txnId, status: 'DECLINED', code: 'ZH' });
    const s = await lab.call('GET', '/switch/stats');
    expect(s.json()).toMatchObject({ registrySize: 2, byStatus: { SUCCESS: 1, DECLINED: 1 } });
  });

  it('answers 404 in the shared error shape for a txnId it has never seen', async () => {
    expectApiError(await lab.call('GET', '/switch/txns/TXN-NOT-THERE'), 404, 'NOT_FOUND', 'txnId');
  });

  it('answers unknown routes in the shared error shape', async () => {
    const r = await lab.call('GET', '/switch/nope');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), field: null } });
  });
});
