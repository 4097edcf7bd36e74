/** What an operator (or a load driver's fault timeline) set on the PSP's payment API. */
export interface ThrottleSetting {
  /** Payments per second still admitted (token bucket refill; 0 refuses everything). */
  readonly ratePerSec: number;
  /** Status of a refused payment: 429 Too Many Requests or 503 Service Unavailable. */
  readonly status: 429 | 503;
  /** Only payers on these VPA handles are throttled; empty or absent: every payer. */
  readonly handles?: readonly string[];
}

/**
 * An overloaded PSP front door, for fault injection: a token bucket (burst one second's worth)
 * that refuses payments beyond `ratePerSec`. Off until `set`. Time is passed in, so it is pure.
 */
export class PaymentThrottle {
  private setting: ThrottleSetting | null = null;
  private handles: ReadonlySet<string> | null = null;
  private tokens = 0;
  private lastMs = 0;
  refused = 0;

  set(s: ThrottleSetting, nowMs: number): void {
    this.setting = s;
    this.handles = s.handles?.length ? new Set(s.handles) : null;
    this.tokens = s.ratePerSec; // a full bucket (at most one second's worth; none at rate 0)
    this.lastMs = nowMs;
  }

  clear(): void {
    this.setting = null;
    this.handles = null;
  }

  get current(): ThrottleSetting | null {
    return this.setting;
  }

  /** null: admitted; otherwise the status to refuse with. */
  admit(payerVpa: unknown, nowMs: number): 429 | 503 | null {
    const s = this.setting;
    if (!s) return null;
    if (this.handles) {
      const handle = typeof payerVpa === 'string' ? payerVpa.slice(payerVpa.lastIndexOf('@') + 1) : '';
      if (!this.handles.has(handle)) return null;
    }
    const burst = Math.max(1, s.ratePerSec);
    this.tokens = Math.min(burst, this.tokens + ((nowMs - this.lastMs) / 1000) * s.ratePerSec);
    this.lastMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    this.refused++;
    return s.status;
  }
}

/** Reads `PUT /admin/throttle`'s body, or returns the problem (field and message). */
export function parseThrottleBody(
  body: unknown,
): { ok: true; setting: ThrottleSetting } | { ok: false; field: string | null; message: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, field: null, message: 'the body must be a JSON object' };
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b))
    if (!['ratePerSec', 'status', 'handles'].includes(k))
      return { ok: false, field: k, message: `unknown field ${JSON.stringify(k)}` };
  const rate = b.ratePerSec;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1e7)
    return { ok: false, field: 'ratePerSec', message: 'ratePerSec must be a number from 0 to 10000000' };
  const status = b.status ?? 429;
  if (status !== 429 && status !== 503)
    return { ok: false, field: 'status', message: 'status must be 429 or 503' };
  const handles = b.handles;
  if (
    handles !== undefined &&
    (!Array.isArray(handles) ||
      handles.length > 64 ||
      !handles.every((h) => typeof h === 'string' && /^[a-z0-9.-]{1,32}$/i.test(h)))
  )
    return { ok: false, field: 'handles', message: 'handles must be a list of at most 64 VPA handles' };
  return {
    ok: true,
    setting: { ratePerSec: rate, status, ...(handles ? { handles: handles as string[] } : {}) },
  };
}
