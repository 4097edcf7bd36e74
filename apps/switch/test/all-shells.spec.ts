import { Module, type DynamicModule } from '@nestjs/common';
import { createMetrics } from '../../../libs/metrics/src';
import { BankHttpModule } from '../../bank/src';
import { ClearingHttpModule } from '../../clearing/src';
import { PspHttpModule } from '../../psp/src';
import { SwitchHttpModule } from '../src';
import { ADMIN_TOKEN_FOR_TESTS as TOKEN, eventually, startLab, type Lab } from './lab-harness';

/** What `upi-lab serve` can mount: the PSP's module and the three shells side by side in one app. */
@Module({})
class AllShellsModule {}

let lab: Lab;

beforeAll(async () => {
  lab = await startLab((system): DynamicModule => ({
    module: AllShellsModule,
    imports: [
      PspHttpModule.forRoot({
        core: system.psp,
        ledger: system.ledger,
        adminToken: TOKEN,
        registry: createMetrics({ defaultMetrics: false }).registry,
      }),
      SwitchHttpModule.register(system.switchNode),
      BankHttpModule.register(system.banks, { adminToken: TOKEN }),
      ClearingHttpModule.register(system.clearing),
    ],
  }));
});

afterAll(async () => {
  await lab?.stop();
});

it('serves a payment over HTTP and shows it on the switch, bank, clearing and PSP admin routes', async () => {
  const payer = lab.topology.accounts.find((a) => a.bank === 'HDFC')!;
  const payee = lab.topology.accounts.find((a) => a.bank === 'KOTAK')!;
  const r = await lab.call('POST', '/v1/payments', {
    body: { payerVpa: payer.vpa, payeeVpa: payee.vpa, amountPaise: 5_555, category: 'BILL' },
    headers: { 'idempotency-key': 'all-shells-1' },
  });
  expect(r.status).toBe(200);
  const { txnId, status, code } = r.json();
  expect({ status, code }).toEqual({ status: 'SUCCESS', code: '00' });

  expect((await lab.call('GET', `/switch/txns/${txnId}`)).json()).toEqual({
    txnId,
    status: 'SUCCESS',
    code: '00',
  });
  expect((await lab.call('GET', '/banks/HDFC')).json()).toMatchObject({ received: 1, answered: 1 });
  await eventually(
    async () =>
      (await lab.call('GET', '/clearing/positions')).json().sum === 0 &&
      (await lab.call('GET', '/clearing/positions')).json().totals.KOTAK === 5_555,
  );

  // Both modules' admin routes take the same token, each through its own AdminGuard.
  expect((await lab.call('GET', '/admin/ledger/summary', { token: TOKEN })).status).toBe(200);
  expect(
    (await lab.call('PUT', '/admin/banks/HDFC/fault', { body: { kind: 'down' }, token: TOKEN })).status,
  ).toBe(200);
  expect((await lab.call('GET', '/admin/ledger/summary')).status).toBe(401);
  expect((await lab.call('DELETE', '/admin/banks/HDFC/fault')).status).toBe(401);
  expect(lab.system.banks.fault('HDFC')).toEqual({ kind: 'down' });

  // Errors keep one shape across modules.
  const missing = await lab.call('GET', '/banks/NOPE');
  expect(missing.json()).toEqual({
    error: { code: 'BANK_NOT_FOUND', message: expect.any(String), field: 'id' },
  });
});
