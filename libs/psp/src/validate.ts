import {
  amountProblem,
  isCategory,
  parseVpa,
  type AmountProblem,
  type Category,
  type HandleRegistry,
  type Initiation,
  type Paise,
} from '../../domain/src';

/** A payment request that passed validation: VPAs in canonical (lower-case) form, defaults filled in. */
export interface PaymentRequest {
  readonly payerVpa: string;
  readonly payeeVpa: string;
  readonly amountPaise: Paise;
  readonly category: Category;
  readonly initiation: Initiation;
  readonly note: string | null;
  /** The PSP that issued the payer's VPA: it sends the ReqPay. */
  readonly pspId: string;
}

/** The error shape every HTTP error uses. `field` names the offending field (or header), or null. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly field: string | null;
}

export type Validated<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

export interface ValidationContext {
  /** VPA handle → PSP id; a VPA whose handle is not here is refused. */
  readonly handles: HandleRegistry;
  /** Per-transaction limit in paise. */
  readonly limitPaise: Paise;
}

export const NOTE_MAX_CHARS = 100;
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

const REQUIRED = ['payerVpa', 'payeeVpa', 'amountPaise', 'category'] as const;
const OPTIONAL = ['initiation', 'note'] as const;
const ALLOWED: ReadonlySet<string> = new Set([...REQUIRED, ...OPTIONAL]);
const INITIATIONS: readonly Initiation[] = ['CUSTOMER', 'SYSTEM'];
const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_-]{1,64}$/;

const AMOUNT_ERRORS: Record<AmountProblem, (limit: Paise) => Omit<ApiError, 'field'>> = {
  NOT_INTEGER: () => ({ code: 'AMOUNT_NOT_INTEGER', message: 'amountPaise must be a whole number of paise' }),
  UNSAFE: () => ({ code: 'AMOUNT_UNSAFE', message: 'amountPaise is too large to represent exactly' }),
  NOT_POSITIVE: () => ({ code: 'AMOUNT_NOT_POSITIVE', message: 'amountPaise must be greater than zero' }),
  OVER_LIMIT: (limit) => ({
    code: 'AMOUNT_OVER_LIMIT',
    message: `amountPaise exceeds the per-transaction limit of ${limit} paise`,
  }),
};

function fail(code: string, message: string, field: string | null): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message, field } };
}

/**
 * Checks a payment body field by field and reports the first problem. Order: body shape, unknown
 * fields, then each known field in declaration order, then cross-field rules (payer ≠ payee).
 */
export function validatePayment(body: unknown, ctx: ValidationContext): Validated<PaymentRequest> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail('INVALID_BODY', 'the body must be a JSON object', null);
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!ALLOWED.has(k)) return fail('UNKNOWN_FIELD', `unknown field "${k}"`, k);
  }
  for (const k of REQUIRED) {
    if (b[k] === undefined) return fail('MISSING_FIELD', `${k} is required`, k);
  }

  const payer = checkVpa(b, 'payerVpa', ctx.handles);
  if (!payer.ok) return payer;
  const payee = checkVpa(b, 'payeeVpa', ctx.handles);
  if (!payee.ok) return payee;

  const amount = b.amountPaise;
  if (typeof amount !== 'number') return fail('INVALID_TYPE', 'amountPaise must be a number', 'amountPaise');
  const problem = amountProblem(amount, ctx.limitPaise);
  if (problem)
    return { ok: false, error: { ...AMOUNT_ERRORS[problem](ctx.limitPaise), field: 'amountPaise' } };

  if (!isCategory(b.category)) {
    return fail('INVALID_CATEGORY', 'category must be one of P2P, P2M, BILL, SALARY, MEDICAL', 'category');
  }

  let initiation: Initiation = 'CUSTOMER';
  if (b.initiation !== undefined) {
    if (!INITIATIONS.includes(b.initiation as Initiation)) {
      return fail('INVALID_INITIATION', 'initiation must be CUSTOMER or SYSTEM', 'initiation');
    }
    initiation = b.initiation as Initiation;
  }

  let note: string | null = null;
  if (b.note !== undefined) {
    if (typeof b.note !== 'string') return fail('INVALID_TYPE', 'note must be a string', 'note');
    // Count code points, not UTF-16 units, so a Devanagari or emoji note is measured as a person reads it.
    if ([...b.note].length > NOTE_MAX_CHARS) {
      return fail('NOTE_TOO_LONG', `note must be at most ${NOTE_MAX_CHARS} characters`, 'note');
    }
    note = b.note;
  }

  if (payer.value.vpa === payee.value.vpa) {
    return fail('SAME_PAYER_PAYEE', 'payer and payee must be different VPAs', 'payeeVpa');
  }

  return {
    ok: true,
    value: {
      payerVpa: payer.value.vpa,
      payeeVpa: payee.value.vpa,
      amountPaise: amount,
      category: b.category,
      initiation,
      note,
      pspId: payer.value.psp,
    },
  };
}

function checkVpa(
  b: Record<string, unknown>,
  k: 'payerVpa' | 'payeeVpa',
  handles: HandleRegistry,
): Validated<{ vpa: string; psp: string }> {
  const raw = b[k];
  if (typeof raw !== 'string') return fail('INVALID_TYPE', `${k} must be a string`, k);
  const vpa = parseVpa(raw);
  if (!vpa) return fail('INVALID_VPA', `${k} is not a valid VPA (local@handle)`, k);
  const psp = handles.get(vpa.handle);
  if (psp === undefined)
    return fail('UNKNOWN_HANDLE', `${k} handle "@${vpa.handle}" is not served by any PSP`, k);
  return { ok: true, value: { vpa: `${vpa.local}@${vpa.handle}`, psp } };
}

/** Idempotency-Key header: 1–64 characters of [A-Za-z0-9_-]. A repeated header (array) is refused. */
export function validateIdempotencyKey(key: unknown): Validated<string> {
  if (key === undefined || key === null || key === '') {
    return fail(
      'MISSING_IDEMPOTENCY_KEY',
      `the ${IDEMPOTENCY_HEADER} header is required`,
      IDEMPOTENCY_HEADER,
    );
  }
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_RE.test(key)) {
    return fail(
      'INVALID_IDEMPOTENCY_KEY',
      `${IDEMPOTENCY_HEADER} must be 1-64 characters of letters, digits, "_" or "-"`,
      IDEMPOTENCY_HEADER,
    );
  }
  return { ok: true, value: key };
}
