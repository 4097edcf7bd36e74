import type { Registry } from 'prom-client';
import type { LedgerStore } from '../../../libs/ledger/src/ledger-store';
import type { PaymentThrottle, PspCore } from '../../../libs/psp/src';

/** What the HTTP shell is given: the core it fronts and the things its ops routes expose. */
export interface PspHttpOptions {
  readonly core: PspCore;
  /** Read by the admin routes (the embedded/live ledger this PSP's lab shares). */
  readonly ledger: LedgerStore;
  /** Bearer token for /admin/*; undefined disables the admin routes (every call is 401). */
  readonly adminToken: string | undefined;
  readonly registry: Registry;
  /** Fault injection on the payment API (`PUT /admin/throttle`); default: a fresh one, off. */
  readonly throttle?: PaymentThrottle;
}

export const PSP_CORE = Symbol('PSP_CORE');
export const LEDGER = Symbol('LEDGER');
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const THROTTLE = Symbol('THROTTLE');
