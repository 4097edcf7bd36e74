/**
 * UPI response codes (NPCI "UPI Error and Response Codes"). Each decline is technical (TD: the
 * system failed) or business (BD: the request itself was refused). Capacity plans drive TD down.
 */
export type DeclineKind = 'TD' | 'BD';

export interface CodeInfo {
  readonly code: string;
  readonly kind: DeclineKind | null;
  readonly text: string;
}

const table = {
  '00': { kind: null, text: 'success' },
  '01': { kind: null, text: 'pending' },
  UT: { kind: 'TD', text: 'remitter bank unavailable (timeout)' },
  BT: { kind: 'TD', text: 'beneficiary bank unavailable (timeout)' },
  RB: { kind: 'TD', text: 'credit reversal timeout (deemed approved)' },
  RR: { kind: 'TD', text: 'debit reversal timeout' },
  RP: { kind: 'TD', text: 'partial debit reversal timeout' },
  Z9: { kind: 'BD', text: 'insufficient funds in payer account' },
  ZM: { kind: 'BD', text: 'invalid MPIN' },
  XY: { kind: 'TD', text: 'remitter CBS offline' },
  Y1: { kind: 'TD', text: 'beneficiary CBS offline' },
  U30: { kind: 'TD', text: 'debit failed at remitter' },
  U31: { kind: 'TD', text: 'credit failed at beneficiary' },
  U09: { kind: 'TD', text: 'ReqAuth timeout' },
  U01: { kind: 'BD', text: 'duplicate request' },
  U03: { kind: 'BD', text: 'net debit cap exceeded' },
  U16: { kind: 'BD', text: 'risk threshold exceeded' },
  U90: { kind: 'TD', text: 'remitter bank deemed high response time check decline' },
  U91: { kind: 'TD', text: 'beneficiary bank deemed high response time check decline' },
  ZH: { kind: 'BD', text: 'invalid virtual address (payee not found)' },
  // --- LoadLab codes, not NPCI: NPCI publishes none for switch-side queueing drops. ---
  QD: { kind: 'TD', text: 'deadline exceeded in the switch queue (LoadLab code, not NPCI)' },
  QS: { kind: 'TD', text: 'shed under overload (LoadLab code, not NPCI)' },
  // --- end of LoadLab codes ---
} as const satisfies Record<string, { kind: DeclineKind | null; text: string }>;

export type ResponseCode = keyof typeof table;

export const RESPONSE_CODES: Readonly<Record<ResponseCode, CodeInfo>> = Object.fromEntries(
  Object.entries(table).map(([code, v]) => [code, { code, ...v }]),
) as Record<ResponseCode, CodeInfo>;

export function isResponseCode(x: unknown): x is ResponseCode {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(table, x);
}

export function declineKind(code: ResponseCode): DeclineKind | null {
  return RESPONSE_CODES[code].kind;
}
