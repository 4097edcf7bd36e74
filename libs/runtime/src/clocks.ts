import { WallTimers } from '../../domain/src';
import { installVirtualGlobalClock } from '../../resilience/src/virtual-global-clock';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import type { RunClock } from './run-scenario';

/** Real time: the embedded and live modes. */
export function wallClock(): RunClock & { timers: WallTimers } {
  const timers = new WallTimers();
  return {
    timers,
    waitUntil: (atMs) => new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - timers.now()))),
  };
}

/** Virtual time: runs as fast as the CPU allows, and a seed replays exactly. */
export function virtualClock(start = 0): RunClock & { timers: VirtualTimers } {
  const timers = new VirtualTimers(start);
  return {
    timers,
    waitUntil: async (atMs) => {
      await timers.runUntil(atMs);
    },
    // Libraries that read the global clock (opossum's reset timer and rolling window) must run on
    // the same virtual time as the cores for the duration of the run.
    enter: () => installVirtualGlobalClock(timers),
  };
}
