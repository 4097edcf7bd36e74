import { NPCI_STATUS_CHECK_RULES, StatusCheckLimiter } from '../src/status-check-limiter';

const S = 1_000;
const H = 3_600 * S;

describe('StatusCheckLimiter (NPCI ReqChkTxn rules)', () => {
  it('defaults to NPCI: 3 checks within 2 h, 90 s apart, the first no sooner than 90 s', () => {
    expect(NPCI_STATUS_CHECK_RULES).toEqual({
      maxChecks: 3,
      windowMs: 2 * H,
      minGapMs: 90 * S,
      firstAfterMs: 90 * S,
    });
  });

  it('refuses a check too soon after the payment, then too close to the previous one, then past the limit', () => {
    const l = new StatusCheckLimiter();
    const pay = 10 * S;
    expect(l.allow('t1', pay, pay + 30 * S)).toEqual({ ok: false, reason: 'TOO_EARLY' });
    expect(l.allow('t1', pay, pay + 90 * S)).toEqual({ ok: true });
    expect(l.allow('t1', pay, pay + 150 * S)).toEqual({ ok: false, reason: 'TOO_SOON' });
    expect(l.allow('t1', pay, pay + 180 * S)).toEqual({ ok: true });
    expect(l.allow('t1', pay, pay + 270 * S)).toEqual({ ok: true });
    expect(l.allow('t1', pay, pay + 400 * S)).toEqual({ ok: false, reason: 'LIMIT_REACHED' });
    // Other transactions are independent.
    expect(l.allow('t2', pay, pay + 400 * S)).toEqual({ ok: true });
  });

  it('refuses checks of old transactions (the re-poll storm of spring 2025)', () => {
    const l = new StatusCheckLimiter();
    expect(l.allow('old', 0, 2 * H)).toEqual({ ok: false, reason: 'WINDOW_CLOSED' });
    expect(l.allow('old', 0, 5 * H)).toEqual({ ok: false, reason: 'WINDOW_CLOSED' });
    expect(l.tracked).toBe(0);
  });

  it('takes the first-check delay as a parameter (45 s variant)', () => {
    const l = new StatusCheckLimiter({ firstAfterMs: 45 * S });
    expect(l.allow('t', 0, 45 * S)).toEqual({ ok: true });
  });

  it('a throttled poller gets at most maxChecks through, however hard it polls', () => {
    const l = new StatusCheckLimiter();
    let ok = 0;
    for (let t = 0; t < 3 * H; t += S) if (l.allow('storm', 0, t).ok) ok++;
    expect(ok).toBe(3);
  });

  it('forgets a transaction once its window has closed, so memory stays bounded', () => {
    const l = new StatusCheckLimiter();
    for (let i = 0; i < 1_000; i++) l.allow(`t${i}`, i * S, i * S + 100 * S);
    expect(l.tracked).toBe(1_000);
    l.allow('late', 3 * H, 3 * H + 100 * S);
    // Payments at 0..999 s have windows ending by 2 h + 999 s < 3 h + 100 s.
    expect(l.tracked).toBe(1);
  });

  it('rejects bad input', () => {
    const l = new StatusCheckLimiter();
    expect(() => l.allow('', 0, 0)).toThrow(/txnId/);
    expect(() => l.allow('t', NaN, 0)).toThrow(/finite/);
    expect(() => new StatusCheckLimiter({ maxChecks: 0 })).toThrow(/maxChecks/);
  });
});
