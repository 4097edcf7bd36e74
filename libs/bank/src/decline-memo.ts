import { ExpiryQueue } from '../../collections/src';
import type { ResponseCode } from '../../domain/src';

/**
 * Technical declines a bank has given, remembered for `ttlMs`. Once an operation was answered XY / Y1,
 * a repeat of it (at-least-once redelivery, or a copy still queued) must get the same answer and
 * never move money: otherwise the switch, which trusts the decline, would lose the payment.
 */
export class DeclineMemo {
  private readonly byKey = new Map<string, { code: ResponseCode; until: number }>();
  /** Keys in the order they expire (time only moves forward). */
  private readonly order = new ExpiryQueue<string>();
  private readonly expire = (key: string, until: number): void => {
    if (this.byKey.get(key)?.until === until) this.byKey.delete(key);
  };

  constructor(private readonly ttlMs: number) {
    if (!(ttlMs > 0)) throw new Error(`decline memo ttlMs must be > 0, got ${ttlMs}`);
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: string, now: number): ResponseCode | undefined {
    this.prune(now);
    return this.byKey.get(key)?.code;
  }

  /** Remembers the first decline for `key`; a later one for the same key keeps the first. */
  set(key: string, code: ResponseCode, now: number): void {
    this.prune(now);
    if (this.byKey.has(key)) return;
    const until = now + this.ttlMs;
    this.byKey.set(key, { code, until });
    this.order.push(key, until);
  }

  private prune(now: number): void {
    this.order.drain(now, this.expire);
  }
}
