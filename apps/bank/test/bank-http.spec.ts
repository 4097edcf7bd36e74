import { BankHttpModule, MAX_EXTRA_LATENCY_MS } from '../src';
import {
  ADMIN_TOKEN_FOR_TESTS as TOKEN,
  eventually,
  expectApiError,
  startLab,
  type Lab,
} from '../../switch/test/lab-harness';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab((system) => BankHttpModule.register(system.banks, { adminToken: TOKEN }));
});

afterAll(async () => {
  await lab?.stop();
});

afterEach(() => {
  // Each test starts with every bank healthy, whatever the previous one left behind.
  for (const id of lab.system.banks.bankIds) lab.system.banks.setFault(id, null);
});

const balanceOf = async (vpa: string) => {
  const acct = lab.topology.directory.get(vpa)!.account;
  return (await lab.system.ledger.account(acct))!;
};

describe('GET /banks', () => {
  it('lists every hosted bank with its counters and fault, and counts a payment', async () => {
    const before = (await lab.call('GET', '/banks')).json();
    expect(before.banks.map((b: { id: string }) => b.id)).toEqual(['SBI', 'HDFC', 'ICICI', 'KOTAK']);
    for (const b of before.banks) expect(b).toMatchObject({ fault: null, received: 0, answered: 0 });

    const paid = await lab.pay('ICICI', 'HDFC', 2_500);
    expect(paid).toMatchObject({ status: 'SUCCESS', code: '00' });
    const icici = (await lab.call('GET', '/banks/ICICI')).json();
    const hdfc = (await lab.call('GET', '/banks/HDFC')).json();
    // UPI protocol: one DEBIT at the remitter, one CREDIT at the beneficiary.
    expect(icici).toMatchObject({ id: 'ICICI', received: 1, answered: 1, fault: null });
    expect(hdfc).toMatchObject({ id: 'HDFC', received: 1, answered: 1, fault: null });
  });

  it('answers 404 for a bank it does not host', async () => {
    expectApiError(await lab.call('GET', '/banks/NOPE'), 404, 'BANK_NOT_FOUND', 'id');
  });
});

describe('PUT/DELETE /admin/banks/:id/fault', () => {
  it('refuses without a valid token (401) and changes nothing', async () => {
    const body = { kind: 'down' };
    for (const token of [undefined, 'wrong-token', '']) {
      expectApiError(
        await lab.call('PUT', '/admin/banks/KOTAK/fault', {
          body,
          ...(token === undefined ? {} : { token }),
        }),
        401,
        'UNAUTHORIZED',
        'Authorization',
      );
    }
    lab.system.banks.setFault('KOTAK', { kind: 'slow', extraLatencyMs: 5 });
    expectApiError(
      await lab.call('DELETE', '/admin/banks/KOTAK/fault'),
      401,
      'UNAUTHORIZED',
      'Authorization',
    );
    expect(lab.system.banks.fault('KOTAK')).toEqual({ kind: 'slow', extraLatencyMs: 5 });
    lab.system.banks.setFault('KOTAK', null);

    expect((await lab.call('GET', '/banks/KOTAK')).json().fault).toBeNull();
    const paid = await lab.pay('KOTAK', 'SBI', 1_000);
    expect(paid).toMatchObject({ status: 'SUCCESS', code: '00' });
  });

  it('with the token: a down remitter bank declines XY, a down beneficiary bank declines Y1 and the debit is reversed', async () => {
    const set = await lab.call('PUT', '/admin/banks/KOTAK/fault', { body: { kind: 'down' }, token: TOKEN });
    expect(set.status).toBe(200);
    expect(set.json()).toEqual({ bank: 'KOTAK', fault: { kind: 'down' } });
    expect((await lab.call('GET', '/banks/KOTAK')).json().fault).toEqual({ kind: 'down' });

    const out = await lab.pay('KOTAK', 'SBI', 7_000);
    expect(out).toMatchObject({ status: 'DECLINED', code: 'XY' });
    const payerAfterXY = await balanceOf(out.payer);
    expect(payerAfterXY.heldPaise).toBe(0);

    const inbound = await lab.pay('SBI', 'KOTAK', 9_000);
    expect(inbound).toMatchObject({ status: 'DECLINED', code: 'Y1' });
    const opening = lab.topology.accounts.find((a) => a.vpa === inbound.payer)!.balancePaise;
    // No money lost: the SBI payer's debit comes back through the reversal.
    await eventually(async () => (await balanceOf(inbound.payer)).availablePaise === opening);
    expect((await balanceOf(inbound.payee)).availablePaise).toBe(
      lab.topology.accounts.find((a) => a.vpa === inbound.payee)!.balancePaise,
    );

    const cleared = await lab.call('DELETE', '/admin/banks/KOTAK/fault', { token: TOKEN });
    expect(cleared.status).toBe(200);
    expect(cleared.json()).toEqual({ bank: 'KOTAK', fault: null });
    expect(lab.system.banks.fault('KOTAK')).toBeNull();
    expect(await lab.pay('KOTAK', 'SBI', 7_000)).toMatchObject({ status: 'SUCCESS', code: '00' });
  });

  it('sets a slow fault with its extra latency', async () => {
    const r = await lab.call('PUT', '/admin/banks/HDFC/fault', {
      body: { kind: 'slow', extraLatencyMs: 250 },
      token: TOKEN,
    });
    expect(r.status).toBe(200);
    expect(lab.system.banks.fault('HDFC')).toEqual({ kind: 'slow', extraLatencyMs: 250 });
  });

  it('answers 404 for an unknown bank, and leaves the hosted ones alone', async () => {
    const put = await lab.call('PUT', '/admin/banks/NOPE/fault', { body: { kind: 'down' }, token: TOKEN });
    expectApiError(put, 404, 'BANK_NOT_FOUND', 'id');
    expectApiError(
      await lab.call('DELETE', '/admin/banks/NOPE/fault', { token: TOKEN }),
      404,
      'BANK_NOT_FOUND',
      'id',
    );
    for (const id of lab.system.banks.bankIds) expect(lab.system.banks.fault(id)).toBeNull();
  });

  const bad: [string, { body?: unknown; rawBody?: string }, string, string | null][] = [
    ['no body', {}, 'INVALID_BODY', null],
    ['malformed JSON', { rawBody: '{"kind":' }, 'INVALID_JSON', null],
    ['an array', { body: [{ kind: 'down' }] }, 'INVALID_BODY', null],
    ['a string', { body: 'down' }, 'INVALID_BODY', null],
    ['missing kind', { body: {} }, 'MISSING_FIELD', 'kind'],
    ['unknown kind', { body: { kind: 'flaky' } }, 'INVALID_FAULT_KIND', 'kind'],
    ['kind of the wrong case', { body: { kind: 'DOWN' } }, 'INVALID_FAULT_KIND', 'kind'],
    ['an extra field', { body: { kind: 'down', until: 5 } }, 'UNKNOWN_FIELD', 'until'],
    [
      'latency on a down fault',
      { body: { kind: 'down', extraLatencyMs: 10 } },
      'UNKNOWN_FIELD',
      'extraLatencyMs',
    ],
    ['slow without latency', { body: { kind: 'slow' } }, 'MISSING_FIELD', 'extraLatencyMs'],
    ['negative latency', { body: { kind: 'slow', extraLatencyMs: -1 } }, 'INVALID_LATENCY', 'extraLatencyMs'],
    [
      'fractional latency',
      { body: { kind: 'slow', extraLatencyMs: 1.5 } },
      'INVALID_LATENCY',
      'extraLatencyMs',
    ],
    [
      'latency as a string',
      { body: { kind: 'slow', extraLatencyMs: '10' } },
      'INVALID_LATENCY',
      'extraLatencyMs',
    ],
    [
      'latency over the cap',
      { body: { kind: 'slow', extraLatencyMs: MAX_EXTRA_LATENCY_MS + 1 } },
      'INVALID_LATENCY',
      'extraLatencyMs',
    ],
  ];
  it.each(bad)(
    'refuses %s with 400 in the shared shape and changes nothing',
    async (_name, o, code, field) => {
      const r = await lab.call('PUT', '/admin/banks/SBI/fault', { ...o, token: TOKEN });
      expectApiError(r, 400, code, field);
      expect(lab.system.banks.fault('SBI')).toBeNull();
    },
  );
});
