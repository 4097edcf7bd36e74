import { Registry } from 'prom-client';
import {
  BankBreakers,
  breakerDeclineCode,
  legOutcomeForCode,
  resilienceMetrics,
  type LegOutcome,
} from '../src';

const SETTINGS = {
  timeoutMs: 2_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  rollingCountTimeoutMs: 10_000,
  rollingCountBuckets: 10,
  resetTimeoutMs: 5_000,
  capacity: 0,
};

/** Lets timers due now and promise callbacks run (opossum's reset timer, its rejected calls). */
const settle = () => jest.advanceTimersByTimeAsync(0);

let seq = 0;
/** One leg to `bank`, answered at once with `outcome`; returns whether it was admitted. */
async function leg(b: BankBreakers, bank: string, outcome: LegOutcome): Promise<boolean> {
  const id = `t${++seq}`;
  if (!b.admit(bank, id)) return false;
  expect(b.record(bank, id, outcome)).toBe(true);
  await settle();
  return true;
}

describe('BankBreakers (opossum per destination bank)', () => {
  let breakers: BankBreakers;
  let registry: Registry;

  beforeEach(() => {
    jest.useFakeTimers();
    registry = new Registry();
    breakers = new BankBreakers(SETTINGS, 'switch', resilienceMetrics(registry));
  });

  afterEach(() => {
    breakers.shutdown();
    jest.useRealTimers();
  });

  it('counts a leg and moves the breaker inside record(), before any microtask runs', () => {
    for (let i = 1; i <= SETTINGS.volumeThreshold; i++) {
      const id = `sync${i}`;
      expect(breakers.admit('HDFC', id)).toBe(true);
      expect(breakers.record('HDFC', id, 'technical')).toBe(true);
      expect(breakers.breaker('HDFC').stats().failures).toBe(i);
    }
    // No await since the first admit: the opening happened synchronously.
    expect(breakers.breaker('HDFC').state).toBe('open');
    expect(breakers.admit('HDFC', 'sync-late')).toBe(false);
  });

  it('opens a failing bank within the volume threshold, and leaves other banks alone', async () => {
    for (let i = 1; i < SETTINGS.volumeThreshold; i++) {
      expect(await leg(breakers, 'HDFC', 'technical')).toBe(true);
      expect(await leg(breakers, 'SBI', 'ok')).toBe(true);
      // Below the volume threshold one failure, or nine, proves nothing yet.
      expect(breakers.breaker('HDFC').state).toBe('closed');
    }
    expect(await leg(breakers, 'HDFC', 'technical')).toBe(true);
    expect(breakers.breaker('HDFC').state).toBe('open');
    expect(await leg(breakers, 'HDFC', 'ok')).toBe(false);

    for (let i = 0; i < 50; i++) expect(await leg(breakers, 'SBI', 'ok')).toBe(true);
    expect(breakers.breaker('SBI').state).toBe('closed');
  });

  it('half-opens after resetTimeout, admits exactly one trial, and closes when the bank has recovered', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold; i++) await leg(breakers, 'HDFC', 'technical');
    expect(breakers.breaker('HDFC').state).toBe('open');

    jest.advanceTimersByTime(SETTINGS.resetTimeoutMs - 1);
    expect(breakers.breaker('HDFC').state).toBe('open');
    expect(breakers.admit('HDFC', 'early')).toBe(false);
    jest.advanceTimersByTime(1);
    expect(breakers.breaker('HDFC').state).toBe('halfOpen');

    expect(breakers.admit('HDFC', 'trial')).toBe(true);
    expect(breakers.admit('HDFC', 'second')).toBe(false);
    expect(breakers.record('HDFC', 'second', 'ok')).toBe(false);
    expect(breakers.record('HDFC', 'trial', 'ok')).toBe(true);
    await settle();
    expect(breakers.breaker('HDFC').state).toBe('closed');
    for (let i = 0; i < 20; i++) expect(await leg(breakers, 'HDFC', 'ok')).toBe(true);
    expect(breakers.breaker('HDFC').state).toBe('closed');
  });

  it('re-opens when the half-open trial fails, and waits a full resetTimeout again', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold; i++) await leg(breakers, 'HDFC', 'technical');
    jest.advanceTimersByTime(SETTINGS.resetTimeoutMs);
    expect(breakers.breaker('HDFC').state).toBe('halfOpen');
    expect(await leg(breakers, 'HDFC', 'technical')).toBe(true);
    expect(breakers.breaker('HDFC').state).toBe('open');
    jest.advanceTimersByTime(SETTINGS.resetTimeoutMs - 1);
    expect(breakers.breaker('HDFC').state).toBe('open');
    jest.advanceTimersByTime(1);
    expect(breakers.breaker('HDFC').state).toBe('halfOpen');
  });

  it('closes from half-open when the trial ends in a business decline (the bank answered)', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold; i++) await leg(breakers, 'HDFC', 'technical');
    jest.advanceTimersByTime(SETTINGS.resetTimeoutMs);
    expect(await leg(breakers, 'HDFC', 'business')).toBe(true);
    expect(breakers.breaker('HDFC').state).toBe('closed');
  });

  it('never opens on business declines (Z9, ZH, ZM), however many', async () => {
    const codes = ['Z9', 'ZH', 'ZM'] as const;
    for (let i = 0; i < 300; i++) {
      expect(await leg(breakers, 'ICICI', legOutcomeForCode(codes[i % 3]!))).toBe(true);
    }
    expect(breakers.breaker('ICICI').state).toBe('closed');
    // …while the same number of technical declines would have opened it.
    for (let i = 0; i < SETTINGS.volumeThreshold; i++) await leg(breakers, 'ICICI', legOutcomeForCode('XY'));
    expect(breakers.breaker('ICICI').stats().failures).toBe(SETTINGS.volumeThreshold);
  });

  it('counts an unanswered leg as a failure after timeoutMs, and ignores its late answer', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold; i++) expect(breakers.admit('AXIS', `slow${i}`)).toBe(true);
    expect(breakers.breaker('AXIS').inFlight).toBe(SETTINGS.volumeThreshold);
    jest.advanceTimersByTime(SETTINGS.timeoutMs);
    await settle();
    expect(breakers.breaker('AXIS').state).toBe('open');
    expect(breakers.breaker('AXIS').inFlight).toBe(0);
    expect(breakers.record('AXIS', 'slow0', 'ok')).toBe(false);
  });

  it('times out each leg exactly timeoutMs after its own admission, as opossum would', () => {
    const b = breakers.breaker('UCO');
    expect(b.admit('a')).toBe(true);
    jest.advanceTimersByTime(300);
    expect(b.admit('b')).toBe(true);
    jest.advanceTimersByTime(300);
    expect(b.admit('c')).toBe(true);
    expect(b.record('b', 'ok')).toBe(true); // answered in time: never times out
    jest.advanceTimersByTime(SETTINGS.timeoutMs - 600 - 1);
    expect(b.inFlight).toBe(2);
    jest.advanceTimersByTime(1); // a's deadline
    expect(b.inFlight).toBe(1);
    expect(b.stats().timeouts).toBe(1);
    jest.advanceTimersByTime(599);
    expect(b.inFlight).toBe(1);
    jest.advanceTimersByTime(1); // c's deadline
    expect(b.inFlight).toBe(0);
    expect(b.stats()).toMatchObject({ timeouts: 2, failures: 2, successes: 1 });
    expect(b.record('c', 'ok')).toBe(false);
    // A leg admitted after the last sweep gets its own deadline.
    expect(b.admit('d')).toBe(true);
    jest.advanceTimersByTime(SETTINGS.timeoutMs);
    expect(b.stats().timeouts).toBe(3);
  });

  it('markDown opens a breaker refused for less than resetTimeoutMs, and half-opens it a full reset later', () => {
    breakers.markDown('YES', SETTINGS.resetTimeoutMs - 1);
    expect(breakers.breaker('YES').state).toBe('open');
    expect(breakers.admit('YES', 'y1')).toBe(false);
    jest.advanceTimersByTime(SETTINGS.resetTimeoutMs);
    expect(breakers.breaker('YES').state).toBe('halfOpen');
    // Refused for a full reset already: the old breaker would be half-open, so this one stays closed.
    breakers.markDown('FED', SETTINGS.resetTimeoutMs);
    expect(breakers.breaker('FED').state).toBe('closed');
    expect(breakers.admit('FED', 'f1')).toBe(true);
  });

  it('forgets failures that slid out of the rolling window', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold - 1; i++) await leg(breakers, 'PNB', 'technical');
    jest.advanceTimersByTime(SETTINGS.rollingCountTimeoutMs);
    await leg(breakers, 'PNB', 'technical');
    expect(breakers.breaker('PNB').state).toBe('closed');
  });

  it('rejects a leg id already in flight and records unknown legs as no-ops', () => {
    expect(breakers.admit('BOB', 'x')).toBe(true);
    expect(() => breakers.admit('BOB', 'x')).toThrow(/already in flight/);
    expect(breakers.record('BOB', 'nope', 'ok')).toBe(false);
    expect(breakers.record('NEVER', 'x', 'ok')).toBe(false);
  });

  it('exports state and events as metrics', async () => {
    const value = async (name: string, labels: Record<string, string>) => {
      const m = await registry.getSingleMetric(name)!.get();
      const v = m.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
      return v?.value;
    };
    await leg(breakers, 'SBI', 'ok');
    for (let i = 0; i < SETTINGS.volumeThreshold; i++) await leg(breakers, 'HDFC', 'technical');
    await leg(breakers, 'HDFC', 'ok'); // refused
    expect(await value('upi_breaker_state', { to: 'HDFC' })).toBe(2);
    expect(await value('upi_breaker_state', { to: 'SBI' })).toBe(0);
    expect(await value('upi_breaker_events_total', { to: 'HDFC', event: 'failure' })).toBe(10);
    expect(await value('upi_breaker_events_total', { to: 'HDFC', event: 'open' })).toBe(1);
    expect(await value('upi_breaker_events_total', { to: 'HDFC', event: 'reject' })).toBe(1);
    expect(await value('upi_breaker_events_total', { to: 'SBI', event: 'success' })).toBe(1);

    jest.advanceTimersByTime(SETTINGS.resetTimeoutMs);
    expect(await value('upi_breaker_state', { to: 'HDFC' })).toBe(1);
    await leg(breakers, 'HDFC', 'ok');
    expect(await value('upi_breaker_state', { to: 'HDFC' })).toBe(0);
    expect(await value('upi_breaker_events_total', { to: 'HDFC', event: 'close' })).toBe(1);

    expect(breakers.admit('IDBI', 'never-answered')).toBe(true);
    jest.advanceTimersByTime(SETTINGS.timeoutMs);
    expect(await value('upi_breaker_events_total', { to: 'IDBI', event: 'timeout' })).toBe(1);
    expect(await value('upi_breaker_events_total', { to: 'IDBI', event: 'failure' })).toBe(1);

    const text = await registry.metrics();
    expect(text).toContain(
      'upi_breaker_leg_latency_seconds_count{from="switch",to="HDFC",outcome="failure"} 10',
    );
    expect(text).toContain(
      'upi_breaker_leg_latency_seconds_count{from="switch",to="IDBI",outcome="timeout"} 1',
    );
    expect(text).toContain(
      'upi_breaker_leg_latency_seconds_sum{from="switch",to="IDBI",outcome="timeout"} 2',
    );
  });

  it('names the decline of a refused leg: U90 toward the remitter, U91 toward the beneficiary', () => {
    expect(breakerDeclineCode('remitter')).toBe('U90');
    expect(breakerDeclineCode('beneficiary')).toBe('U91');
    expect(legOutcomeForCode('00')).toBe('ok');
    expect(legOutcomeForCode('UT')).toBe('technical');
    expect(legOutcomeForCode('U31')).toBe('technical');
    expect(legOutcomeForCode('Z9')).toBe('business');
  });
});
