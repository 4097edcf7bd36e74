import type { BankReq } from '../../domain/src';
import type { DecisionRecord, Effects, Outcome, ResolutionNotice, TimerSet } from './types';

const EMPTY: readonly never[] = Object.freeze([]);

/** The answer to an input that changes nothing (shared, frozen). */
export const NO_EFFECTS: Effects = Object.freeze({
  send: EMPTY,
  timers: EMPTY,
  cancelTimers: EMPTY,
  persist: EMPTY,
  outcomes: EMPTY,
  resolutions: EMPTY,
  finished: EMPTY,
});

export function isEmptyEffects(e: Effects): boolean {
  return (
    e.send.length === 0 &&
    e.timers.length === 0 &&
    e.cancelTimers.length === 0 &&
    e.persist.length === 0 &&
    e.outcomes.length === 0 &&
    e.resolutions.length === 0 &&
    e.finished.length === 0
  );
}

/**
 * Combines effects in order. Timers are folded so the result means the same as applying each in
 * turn: a later set or cancel of a key replaces an earlier one.
 */
export function mergeEffects(...list: readonly Effects[]): Effects {
  const b = new EffectsBuilder();
  for (const e of list) {
    for (const x of e.send) b.sendReq(x);
    for (const x of e.timers) b.setTimer(x.key, x.atMs);
    for (const x of e.cancelTimers) b.cancelTimer(x);
    for (const x of e.persist) b.persistRecord(x);
    for (const x of e.outcomes) b.outcome(x);
    for (const x of e.resolutions) b.resolution(x);
    for (const x of e.finished) b.finish(x);
  }
  return b.build();
}

/**
 * Collects the effects of one input. Arrays are created only when something goes in, so the
 * common input (a bank answer that changes one thing) allocates little.
 */
export class EffectsBuilder {
  private send: BankReq[] | null = null;
  private timers: TimerSet[] | null = null;
  private cancelTimers: string[] | null = null;
  private persist: DecisionRecord[] | null = null;
  private outcomes: Outcome[] | null = null;
  private resolutions: ResolutionNotice[] | null = null;
  private finished: string[] | null = null;
  private any = false;

  sendReq(r: BankReq): void {
    (this.send ??= []).push(r);
    this.any = true;
  }
  /** A later set of a key overrides an earlier cancel of it, and the reverse, so no key is in both lists. */
  setTimer(key: string, atMs: number): void {
    if (this.cancelTimers) removeKey(this.cancelTimers, key);
    if (this.timers) removeTimer(this.timers, key);
    (this.timers ??= []).push({ key, atMs });
    this.any = true;
  }
  cancelTimer(key: string): void {
    if (this.timers) removeTimer(this.timers, key);
    if (this.cancelTimers) removeKey(this.cancelTimers, key);
    (this.cancelTimers ??= []).push(key);
    this.any = true;
  }
  persistRecord(r: DecisionRecord): void {
    (this.persist ??= []).push(r);
    this.any = true;
  }
  outcome(o: Outcome): void {
    (this.outcomes ??= []).push(o);
    this.any = true;
  }
  resolution(r: ResolutionNotice): void {
    (this.resolutions ??= []).push(r);
    this.any = true;
  }
  finish(txnId: string): void {
    (this.finished ??= []).push(txnId);
    this.any = true;
  }

  /** Returns what was collected and empties the builder for the next input. */
  build(): Effects {
    if (!this.any) return NO_EFFECTS;
    const e: Effects = {
      send: this.send ?? EMPTY,
      timers: this.timers ?? EMPTY,
      cancelTimers: this.cancelTimers ?? EMPTY,
      persist: this.persist ?? EMPTY,
      outcomes: this.outcomes ?? EMPTY,
      resolutions: this.resolutions ?? EMPTY,
      finished: this.finished ?? EMPTY,
    };
    this.send = null;
    this.timers = null;
    this.cancelTimers = null;
    this.persist = null;
    this.finished = null;
    this.outcomes = null;
    this.resolutions = null;
    this.any = false;
    return e;
  }
}

function removeKey(list: string[], key: string): void {
  const i = list.indexOf(key);
  if (i >= 0) list.splice(i, 1);
}

function removeTimer(list: TimerSet[], key: string): void {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.key === key) list.splice(i, 1);
}
