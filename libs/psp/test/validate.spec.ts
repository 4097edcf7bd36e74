import { DEFAULT_HANDLES, handleRegistry } from '../../domain/src';
import { validateIdempotencyKey, validatePayment, type ValidationContext } from '../src/validate';

const ctx: ValidationContext = {
  handles: handleRegistry(Object.entries(DEFAULT_HANDLES)),
  limitPaise: 1_00_000_00,
};
const good = { payerVpa: 'asha@ybl', payeeVpa: 'ravi@okicici', amountPaise: 5_000, category: 'P2P' };
const without = (k: keyof typeof good) => Object.fromEntries(Object.entries(good).filter(([f]) => f !== k));

describe('validatePayment', () => {
  it('accepts a valid body, canonicalises VPAs and fills defaults', () => {
    const r = validatePayment({ ...good, payerVpa: 'Asha.K@YBL' }, ctx);
    expect(r).toEqual({
      ok: true,
      value: {
        payerVpa: 'asha.k@ybl',
        payeeVpa: 'ravi@okicici',
        amountPaise: 5_000,
        category: 'P2P',
        initiation: 'CUSTOMER',
        note: null,
        pspId: 'PHONEPE',
      },
    });
  });

  it('keeps optional fields and takes the PSP from the payer handle', () => {
    const r = validatePayment({ ...good, payerVpa: 'x1@paytm', initiation: 'SYSTEM', note: 'rent ₹' }, ctx);
    expect(r.ok && r.value).toMatchObject({ initiation: 'SYSTEM', note: 'rent ₹', pspId: 'PAYTM' });
  });

  it('accepts the limit itself and every category', () => {
    for (const category of ['P2P', 'P2M', 'BILL', 'SALARY', 'MEDICAL']) {
      expect(validatePayment({ ...good, category, amountPaise: ctx.limitPaise }, ctx).ok).toBe(true);
    }
  });

  const table: [string, unknown, string, string | null][] = [
    ['null body', null, 'INVALID_BODY', null],
    ['array body', [good], 'INVALID_BODY', null],
    ['string body', 'payerVpa=a', 'INVALID_BODY', null],
    ['extra field', { ...good, mpin: '1234' }, 'UNKNOWN_FIELD', 'mpin'],
    ['missing payerVpa', without('payerVpa'), 'MISSING_FIELD', 'payerVpa'],
    ['missing payeeVpa', without('payeeVpa'), 'MISSING_FIELD', 'payeeVpa'],
    ['missing amountPaise', without('amountPaise'), 'MISSING_FIELD', 'amountPaise'],
    ['missing category', without('category'), 'MISSING_FIELD', 'category'],
    ['payerVpa not a string', { ...good, payerVpa: 42 }, 'INVALID_TYPE', 'payerVpa'],
    ['payerVpa without handle', { ...good, payerVpa: 'asha' }, 'INVALID_VPA', 'payerVpa'],
    ['payeeVpa with two @', { ...good, payeeVpa: 'a@b@ybl' }, 'INVALID_VPA', 'payeeVpa'],
    ['payeeVpa with a space', { ...good, payeeVpa: 'ra vi@ybl' }, 'INVALID_VPA', 'payeeVpa'],
    ['payer handle unknown', { ...good, payerVpa: 'asha@nosuchpsp' }, 'UNKNOWN_HANDLE', 'payerVpa'],
    ['payee handle unknown', { ...good, payeeVpa: 'ravi@nosuchpsp' }, 'UNKNOWN_HANDLE', 'payeeVpa'],
    ['amount as string', { ...good, amountPaise: '5000' }, 'INVALID_TYPE', 'amountPaise'],
    ['amount null', { ...good, amountPaise: null }, 'INVALID_TYPE', 'amountPaise'],
    ['amount fractional', { ...good, amountPaise: 10.5 }, 'AMOUNT_NOT_INTEGER', 'amountPaise'],
    ['amount NaN-like', { ...good, amountPaise: Number.NaN }, 'AMOUNT_NOT_INTEGER', 'amountPaise'],
    ['amount zero', { ...good, amountPaise: 0 }, 'AMOUNT_NOT_POSITIVE', 'amountPaise'],
    ['amount negative', { ...good, amountPaise: -100 }, 'AMOUNT_NOT_POSITIVE', 'amountPaise'],
    ['amount over limit', { ...good, amountPaise: ctx.limitPaise + 1 }, 'AMOUNT_OVER_LIMIT', 'amountPaise'],
    ['amount unsafe', { ...good, amountPaise: 2 ** 60 }, 'AMOUNT_UNSAFE', 'amountPaise'],
    ['bad category', { ...good, category: 'LOAN' }, 'INVALID_CATEGORY', 'category'],
    ['lower-case category', { ...good, category: 'p2p' }, 'INVALID_CATEGORY', 'category'],
    ['bad initiation', { ...good, initiation: 'BOT' }, 'INVALID_INITIATION', 'initiation'],
    ['note not a string', { ...good, note: 5 }, 'INVALID_TYPE', 'note'],
    ['note too long', { ...good, note: 'x'.repeat(101) }, 'NOTE_TOO_LONG', 'note'],
    ['payer equals payee', { ...good, payeeVpa: 'asha@ybl' }, 'SAME_PAYER_PAYEE', 'payeeVpa'],
    ['payer equals payee up to case', { ...good, payeeVpa: 'ASHA@Ybl' }, 'SAME_PAYER_PAYEE', 'payeeVpa'],
  ];

  it.each(table.map(([name, body, code, field]) => [name, code, field, body]))(
    '%s → %s on %s',
    (_name, code, field, body) => {
      const r = validatePayment(body, ctx);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.field).toBe(field);
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    },
  );

  it('measures the note in characters, not UTF-16 units', () => {
    expect(validatePayment({ ...good, note: '😀'.repeat(100) }, ctx).ok).toBe(true);
    expect(validatePayment({ ...good, note: '😀'.repeat(101) }, ctx).ok).toBe(false);
  });

  it('honours a lower limit from the context', () => {
    const r = validatePayment(good, { ...ctx, limitPaise: 4_999 });
    expect(!r.ok && r.error.code).toBe('AMOUNT_OVER_LIMIT');
  });
});

describe('validateIdempotencyKey', () => {
  it.each(['a', 'A-b_9', 'k'.repeat(64), '550e8400-e29b-41d4-a716-446655440000'])('accepts %s', (k) => {
    expect(validateIdempotencyKey(k)).toEqual({ ok: true, value: k });
  });

  it.each([
    [undefined, 'MISSING_IDEMPOTENCY_KEY'],
    ['', 'MISSING_IDEMPOTENCY_KEY'],
    ['k'.repeat(65), 'INVALID_IDEMPOTENCY_KEY'],
    ['has space', 'INVALID_IDEMPOTENCY_KEY'],
    ['semi;colon', 'INVALID_IDEMPOTENCY_KEY'],
    ['ключ', 'INVALID_IDEMPOTENCY_KEY'],
    [['a', 'b'], 'INVALID_IDEMPOTENCY_KEY'],
  ])('refuses %p with %s', (k, code) => {
    const r = validateIdempotencyKey(k);
    expect(!r.ok && r.error).toMatchObject({ code, field: 'Idempotency-Key' });
  });
});
