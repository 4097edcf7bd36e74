import type { Timers } from '../../domain/src';
import type { Arrival, TrafficGenerator } from '../../scenarios/src';

/**
 * Offers a traffic generator's arrivals on a clock, open model: each arrival is offered at its time
 * whatever happened to earlier ones. Arrivals are scheduled one timer at a time, so memory stays flat
 * however long the curve. `rel()` is the run's elapsed time on the same clock.
 */
export function driveArrivals(
  traffic: TrafficGenerator,
  timers: Timers,
  rel: () => number,
  offer: (a: Arrival) => void,
): { stop(): void } {
  let next = traffic.next();
  let handle: ReturnType<Timers['setTimer']> | null = null;
  const schedule = (): void => {
    if (!next) return;
    handle = timers.setTimer(next.atMs - rel(), () => {
      handle = null;
      while (next && next.atMs <= rel()) {
        offer(next);
        next = traffic.next();
      }
      schedule();
    });
  };
  schedule();
  return {
    stop: () => {
      next = null;
      if (handle !== null) timers.clearTimer(handle);
    },
  };
}
