import { loadScenario } from '../../../libs/scenarios/src';
import { SwitchHttpModule } from '../src';
import {
  ADMIN_TOKEN_FOR_TESTS as TOKEN,
  eventually,
  expectApiError,
  startLab,
  type Lab,
} from './lab-harness';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab((system) => SwitchHttpModule.register(system.switchNode, { adminToken: TOKEN }));
});

afterAll(async () => {
  await lab?.stop();
});

const put = (body: unknown) => lab.call('PUT', '/admin/run-clock', { body, token: TOKEN });
/** Seconds since midnight of an 'HH:MM:SS' answer. */
const secs = (hms: string) => hms.split(':').reduce((a, x) => a * 60 + Number(x), 0);

describe('PUT /admin/run-clock: a run tells a switch that was up before it when it started', () => {
  it('is an admin route', async () => {
    expect((await lab.call('GET', '/admin/run-clock')).status).toBe(401);
    expect((await lab.call('PUT', '/admin/run-clock', { body: { startedAt: Date.now() } })).status).toBe(401);
  });

  it('moves the time of day the gate reads, and says what it reads now', async () => {
    const before = await lab.call('GET', '/admin/run-clock', { token: TOKEN });
    expect(before.status).toBe(200);
    expect(before.json().startTimeOfDay).toBe(loadScenario('scenarios/smoke.yaml').traffic.startTimeOfDay);

    const startedAt = Date.now() - 2_000;
    const r = await put({ startedAt, startTimeOfDay: '09:59:30' });
    expect(r.status).toBe(200);
    const v = r.json();
    // One switch node: no Raft log to commit it to.
    expect(v).toMatchObject({ startedAt, startTimeOfDay: '09:59:30', replicated: false });
    // Two seconds into a run that began at 09:59:30.
    expect(secs(v.timeOfDayNow)).toBeGreaterThanOrEqual(secs('09:59:32'));
    expect(secs(v.timeOfDayNow)).toBeLessThanOrEqual(secs('09:59:34'));
    // Without startTimeOfDay, the one it has stays.
    expect((await put({ startedAt })).json().startTimeOfDay).toBe('09:59:30');
  });

  it('holds a system-initiated payment in a peak window, and lets it go when a run outside one starts', async () => {
    await put({ startedAt: Date.now(), startTimeOfDay: '10:30' });
    const payer = lab.topology.accounts[0]!;
    const payee = lab.topology.accounts.find((a) => a.bank !== payer.bank)!;
    const paid = lab.system.psp.pay('run-clock-system-1', {
      payerVpa: payer.vpa,
      payeeVpa: payee.vpa,
      amountPaise: 1_000,
      category: 'P2P',
      initiation: 'SYSTEM',
    });
    await eventually(() => lab.system.switchNode.stageStats().held === 1);
    await put({ startedAt: Date.now(), startTimeOfDay: '13:00' });
    await eventually(() => lab.system.switchNode.stageStats().held === 0);
    const r = await paid;
    expect(r.httpStatus).toBe(200);
    expect(r.body).toMatchObject({ status: 'SUCCESS' });
  });

  it('refuses a bad body with a 400 naming the field', async () => {
    const now = Date.now();
    expectApiError(await put([]), 400, 'INVALID_BODY', null);
    expectApiError(await put({}), 400, 'MISSING_FIELD', 'startedAt');
    expectApiError(await put({ startedAt: now, at: 1 }), 400, 'UNKNOWN_FIELD', 'at');
    expectApiError(await put({ startedAt: String(now) }), 400, 'INVALID_START', 'startedAt');
    // Seconds instead of milliseconds: decades away from the switch's clock.
    expectApiError(await put({ startedAt: Math.floor(now / 1000) }), 400, 'INVALID_START', 'startedAt');
    expectApiError(
      await put({ startedAt: now, startTimeOfDay: '24:00' }),
      400,
      'INVALID_TIME_OF_DAY',
      'startTimeOfDay',
    );
    expectApiError(
      await put({ startedAt: now, startTimeOfDay: 930 }),
      400,
      'INVALID_TIME_OF_DAY',
      'startTimeOfDay',
    );
    // Nothing refused changed the clock.
    expect((await lab.call('GET', '/admin/run-clock', { token: TOKEN })).json().startTimeOfDay).toBe('13:00');
  });
});
